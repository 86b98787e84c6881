"""ARFBench data: schema, loading and validation of the published layout, writing it, synthetic incidents, plots.

The functions are imported on first use, so `import arfbench` (for the types) stays free of pandas and matplotlib.
"""

import importlib

from arfbench.categories import CATEGORIES, TIER_OF
from arfbench.schema import Sample, Series

_LAZY = {
    "load_dataset": "arfbench.loader",
    "read_dataset": "arfbench.loader",
    "validate_dataset": "arfbench.loader",
    "write_dataset": "arfbench.writer",
    "render_plot": "arfbench.plot",
    "generate": "arfbench.synth",
    "generate_questions": "arfbench.synth",
    "answer_summary": "arfbench.synth",
    "answer_class": "arfbench.answer_classes",
    "to_hf_dataset": "arfbench.hf",
    "sample_from_record": "arfbench.hf",
}

__all__ = ["CATEGORIES", "TIER_OF", "Sample", "Series", *_LAZY]


def __getattr__(name: str):
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'arfbench' has no attribute {name!r}")
