"""The Python API: `TSQA.from_pretrained(...).ask(...)` and the questions it builds (`model`). `from tsqa import
TSQA` is the front door; `tsqa.DEMO_MODEL` is the tiny demo checkpoint bundled with the package."""
