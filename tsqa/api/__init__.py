"""The Python API: `TSQA.from_pretrained(...).ask(...)` (`model`), the questions it builds (`questions`) and the
files bundled with the package (`bundled`). `from tsqa import TSQA` is the front door."""
