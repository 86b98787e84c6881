"""ARFBench data: schema, loading and validation of the published layout, writing it, synthetic incidents, plots.

The functions are imported on first use, so `import arfbench` (for the types) stays free of pandas and matplotlib.
"""

import importlib

from tsqa.arfbench.categories import CATEGORIES
from tsqa.arfbench.schema import Answer, Sample, Series

_LAZY = {
    "load_dataset": "tsqa.arfbench.loader",
    "read_dataset": "tsqa.arfbench.loader",
    "validate_dataset": "tsqa.arfbench.loader",
    "write_dataset": "tsqa.arfbench.writer",
    "render_plot": "tsqa.arfbench.plot",
    "generate": "tsqa.arfbench.synth",
}

__all__ = ["CATEGORIES", "Answer", "Sample", "Series", *_LAZY]


def __getattr__(name: str):
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'tsqa.arfbench' has no attribute {name!r}")
