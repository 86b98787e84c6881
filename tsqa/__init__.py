"""tsqa: time-series question answering on observability data.

`from tsqa import TSQA` imports the model stack on first use only, so the command line stays fast.
"""

from pathlib import Path

__version__ = "0.1.0"
__all__ = ["TSQA", "Answer", "DEMO_MODEL"]

DEMO_MODEL = Path(__file__).resolve().parent / "demo_model"  # the tiny demo checkpoint bundled with the package


def __getattr__(name: str):
    if name == "TSQA":
        from tsqa.api.model import TSQA

        return TSQA
    if name == "Answer":
        from tsqa.arfbench.schema import Answer

        return Answer
    raise AttributeError(f"module 'tsqa' has no attribute {name!r}")
