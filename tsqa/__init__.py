"""tsqa: time-series question answering on observability data.

`from tsqa import TSQA` imports the model stack on first use only, so the command line stays fast.
"""

__version__ = "0.1.0"
__all__ = ["TSQA", "AskResult"]


def __getattr__(name: str):
    if name in __all__:
        from tsqa import api

        return getattr(api, name)
    raise AttributeError(f"module 'tsqa' has no attribute {name!r}")
