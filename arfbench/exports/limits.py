"""How large a series a reader builds: checked from the file's shape before the grid (or the parser) runs."""

from dataclasses import dataclass

MAX_CELLS = 200_000_000  # steps x channels beyond which a file is refused rather than allocated (1.6 GB)


@dataclass(frozen=True)
class SizeLimits:
    """Checked before the grid is allocated: a few timestamps far apart make a small file into a huge grid."""

    max_steps: int = 1_000_000
    max_channels: int = 10_000
    max_cells: int = MAX_CELLS  # steps x channels: what the grid's memory grows with


class SeriesTooLarge(ValueError):
    """A series beyond `SizeLimits` (the server answers 413 to it, other bad input gets 400)."""


def check_size(steps: int, channels: int, source: str, limits: SizeLimits) -> None:
    if steps > limits.max_steps:
        raise SeriesTooLarge(f"{source}: {steps} steps on its regular grid is more than the limit of "
                             f"{limits.max_steps}")
    if channels > limits.max_channels:
        raise SeriesTooLarge(f"{source}: {channels} channels is more than the limit of {limits.max_channels}")
    if steps * channels > limits.max_cells:
        raise SeriesTooLarge(f"{source}: {steps} steps x {channels} channels on its regular grid is more than the "
                             f"limit of {limits.max_cells} cells")
