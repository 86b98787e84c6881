"""tsqa: time-series question answering on observability data."""

__version__ = "0.1.0"
