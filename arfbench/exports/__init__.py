"""Reading real metric exports: every reader of a user's series (ask, serve, the label pages, the dataset loader)
goes through this package, so one stated repair policy (`repair.py`) applies to all and is reported the same way.

Modules: `load` (the entry point: format by content, bounded CSV header checks), `json_exports` (Prometheus,
Datadog, CloudWatch), `tables` (timestamp columns, wide and long tables, the one long-format parser), `repair` (the
policy, and values onto the grid it chose), `limits` (the error type, size limits, value ranges).
"""

from tsqa.arfbench.exports.limits import MAX_CELLS, ExportError, RepairRefused, SeriesTooLarge, SizeLimits
from tsqa.arfbench.exports.load import load_series
from tsqa.arfbench.exports.repair import RepairPolicy

__all__ = ["MAX_CELLS", "ExportError", "RepairPolicy", "RepairRefused", "SeriesTooLarge", "SizeLimits",
           "load_series"]
