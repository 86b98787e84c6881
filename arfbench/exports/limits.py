"""What a reader refuses, and how it says so: one error type for every refused export (the column and row kept
apart, so each reader can say where), how large a series it builds (checked from the file's shape before the grid or
the parser runs), and what a series may hold (timestamps a calendar can show, values float32 arithmetic can carry).

The value ranges are checked where series are read (user files, request bodies, dataset parquet), so a value beyond
them is refused there with its row named, instead of failing later inside the encoder's float32 scaler or the plot's
date axis ("arange: cannot compute length", "date ordinal ... converts to a date before year 1").
"""

import math
from dataclasses import dataclass
from datetime import datetime, timezone

import numpy as np
import psutil

QUOTED_CHARACTERS = 40


def quoted(value: object) -> str:
    """A cell as a refusal quotes it: as text, cut to `QUOTED_CHARACTERS` (a message never repeats a whole file)."""
    text = value if isinstance(value, str) else str(value)
    return repr(text if len(text) <= QUOTED_CHARACTERS else text[: QUOTED_CHARACTERS - 3] + "...")


class ExportError(ValueError):
    """A file (or frame) that cannot be read as a series: `field` is the column or part at fault, `row` the data
    row (0-based, the header not counted) when one row is to blame."""

    def __init__(self, source: str, detail: str, field: str | None = None, row: int | None = None,
                 without_content: str | None = None) -> None:
        parts = [f"column {field!r}" if field is not None else "", f"row {row}" if row is not None else ""]
        self.location = ", ".join(part for part in parts if part)
        super().__init__(f"{source}: {self.location}: {detail}" if self.location else f"{source}: {detail}")
        self.source, self.detail, self.field, self.row = source, detail, field, row
        self.without_content = without_content or detail  # the reason without any cell of the file quoted

    def shown(self, source: str) -> str:
        """The refusal with `source` for the file's path and no cell content: what a web page may show."""
        return f"{source}: {self.location}: {self.without_content}" if self.location else \
            f"{source}: {self.without_content}"


class RepairRefused(ExportError):
    """A repair the policy would make, refused because the caller asked for `strict` reading."""


MAX_CELLS = 200_000_000  # steps x channels beyond which a file is refused rather than allocated (1.6 GB)
# Answering a series (`TSQA.ask`, `tsqa ask`) holds about 40 bytes per steps x channels cell at its peak, while the CSV
# is parsed (benchmarks/scale.py: 1,000 to 4,000 channels x 4,096 steps); with some room, this many:
ANSWER_BYTES_PER_CELL = 48
ANSWER_RESERVE = 2**30  # besides the cells: encoding the channels the token budget keeps, the plot


@dataclass(frozen=True)
class SizeLimits:
    """Checked before the grid is allocated: a few timestamps far apart make a small file into a huge grid."""

    max_steps: int = 1_000_000
    max_channels: int = 10_000
    max_cells: int = MAX_CELLS  # steps x channels: what the grid's memory grows with
    memory: int | None = None  # bytes of available memory `max_cells` was computed from; None: a fixed limit

    @classmethod
    def answerable(cls, available: int | None = None) -> "SizeLimits":
        """The default limits, with at most the cells that `available` bytes (default: the memory available now)
        can answer: an oversized series is refused with the reason before its grid is allocated, instead of
        running the machine out of memory."""
        available = psutil.virtual_memory().available if available is None else available
        cells = max(0, available - ANSWER_RESERVE) // ANSWER_BYTES_PER_CELL
        return cls(max_cells=cells, memory=available) if cells < MAX_CELLS else cls()


class SeriesTooLarge(ValueError):
    """A series beyond `SizeLimits` (the server answers 413 to it, other bad input gets 400)."""


def check_size(steps: int, channels: int, source: str, limits: SizeLimits) -> None:
    if steps > limits.max_steps:
        raise SeriesTooLarge(f"{source}: {steps} steps on its regular grid is more than the limit of "
                             f"{limits.max_steps}")
    if channels > limits.max_channels:
        raise SeriesTooLarge(f"{source}: {channels} channels is more than the limit of {limits.max_channels}")
    if steps * channels > limits.max_cells and limits.memory is not None:
        needed = (steps * channels * ANSWER_BYTES_PER_CELL + ANSWER_RESERVE) / 2**30
        raise SeriesTooLarge(f"{source}: {steps} steps x {channels} channels needs about {needed:.1f} GiB of memory "
                             f"to answer, and {limits.memory / 2**30:.1f} GiB is available: at most "
                             f"{limits.max_cells:,} cells (steps x channels) fit; pass fewer channels or a shorter "
                             "time range")
    if steps * channels > limits.max_cells:
        raise SeriesTooLarge(f"{source}: {steps} steps x {channels} channels on its regular grid is more than the "
                             f"limit of {limits.max_cells} cells")


MAX_ABS_VALUE = 1e30  # far above any metric; float32 (max 3.4e38) keeps room for the encoder's arithmetic
MIN_EPOCH = -2_208_988_800  # 1900-01-01 in unix seconds
MAX_EPOCH = 7_258_118_400  # 2200-01-01
_FINER_UNITS = (("milliseconds", 10**3), ("microseconds", 10**6), ("nanoseconds", 10**9))


def first_bad_value(values: np.ndarray) -> tuple[int, str] | None:
    """(flat index, why) of the first infinite value or one beyond +-MAX_ABS_VALUE, else None (NaN is missing)."""
    with np.errstate(invalid="ignore"):
        bad = np.isinf(values) | (np.abs(values) > MAX_ABS_VALUE)
    if not bad.any():
        return None
    index = int(np.flatnonzero(bad.reshape(-1))[0])
    value = float(values.reshape(-1)[index])
    if np.isinf(value):
        return index, "infinite value"
    return index, f"{value:.6g} is beyond the supported magnitude of {MAX_ABS_VALUE:.0e}"


def first_bad_epoch(epochs: np.ndarray) -> tuple[int, str] | None:
    """(index, why) of the first timestamp outside 1900-2200 in unix seconds, naming the unit it seems to be in."""
    try:
        raw = np.asarray(epochs, dtype=np.float64)
    except OverflowError:  # Python integers beyond float64
        raw = np.array([v if abs(v) < 10**300 else math.inf for v in epochs], dtype=np.float64)
    bad = ~((raw >= MIN_EPOCH) & (raw < MAX_EPOCH))
    if not bad.any():
        return None
    index = int(np.flatnonzero(bad)[0])
    value = raw[index]
    why = f"{value:.15g} is not a unix time in seconds between 1900 and 2200"
    for unit, per_second in _FINER_UNITS:
        if MIN_EPOCH <= value / per_second < MAX_EPOCH and abs(value) >= MAX_EPOCH:
            date = datetime.fromtimestamp(value / per_second, tz=timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")
            return index, f"{why}; it looks like unix {unit} ({date}): divide the timestamps by {per_second}"
    return index, why
