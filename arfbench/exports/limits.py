"""How large a series a reader builds: checked from the file's shape before the grid (or the parser) runs."""

from dataclasses import dataclass

import psutil

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
