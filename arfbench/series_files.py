"""Writing each series once although several questions may carry it, possibly gap-filled in different ways.

Questions share a series file but each applies its own `interpolate_k` flag on load, so two samples may hold the
same series filled differently. The file then gets the cells they agree on (missing elsewhere), checked to give
every sample back exactly its values once its own fill is applied again.
"""

from pathlib import Path

import numpy as np

from tsqa.arfbench.digest import series_digest
from tsqa.arfbench.gaps import fill_gaps
from tsqa.arfbench.layout import PUBLISHED_INTERVALS, series_path
from tsqa.arfbench.schema import Series
from tsqa.arfbench.series_io import read_series, resample, write_series


def _as_loaded(values: np.ndarray, fill: str | None) -> np.ndarray:
    return values if fill is None else fill_gaps(values, fill)


class SeriesFiles:
    """Keeps only a digest per written series (not the values), so writing streams in constant memory."""

    def __init__(self, root: Path, coarser: int) -> None:
        self.root, self.coarser = root, coarser
        self.written: dict[str, tuple[bytes, set]] = {}  # name -> (digest of the file's series, fills seen)

    def _write(self, series: Series) -> None:
        write_series(series, series_path(self.root, series.name, series.interval))
        multiples = [i for i in PUBLISHED_INTERVALS if i > series.interval and i % series.interval == 0]
        for interval in multiples[: self.coarser]:
            write_series(resample(series, interval), series_path(self.root, series.name, interval))

    def add(self, series: Series, fill: str | None) -> None:
        """Write `series`, which its sample loads with `fill` ("linear", "ffill" or None)."""
        if not np.array_equal(_as_loaded(series.values, fill), series.values, equal_nan=True):
            raise ValueError(f"series {series.name!r}: its sample asks for {fill} gap filling but still has gaps")
        if series.name not in self.written:
            self._write(series)
            self.written[series.name] = (series_digest(series), {fill})
            return
        digest, fills = self.written[series.name]
        if digest == series_digest(series):
            fills.add(fill)
            return
        self._merge(series, fill, fills)

    def _merge(self, series: Series, fill: str | None, fills: set) -> None:
        previous = read_series(series_path(self.root, series.name, series.interval), series.name, series.interval)
        same_grid = previous.channels == series.channels and np.array_equal(previous.timestamps, series.timestamps)
        merged = None
        if same_grid:
            agree = (previous.values == series.values) | (np.isnan(previous.values) & np.isnan(series.values))
            merged = np.where(agree, previous.values, np.nan)
            keeps_old = all(
                np.array_equal(_as_loaded(merged, f), _as_loaded(previous.values, f), equal_nan=True) for f in fills
            )
            if not (keeps_old and np.array_equal(_as_loaded(merged, fill), series.values, equal_nan=True)):
                merged = None
        if merged is None:
            raise ValueError(f"two different series are both named {series.name!r}")
        combined = Series(series.name, list(series.channels), series.timestamps, merged, series.interval)
        self._write(combined)
        self.written[series.name] = (series_digest(combined), fills | {fill})
