"""The image(s) a question shows: the sample's own plot files, or a plot rendered from its series."""

import functools
import threading
from pathlib import Path

from PIL import Image, UnidentifiedImageError

from tsqa.arfbench import Sample


_first_use = threading.Lock()


@functools.cache
def _shared_plots():
    from tsqa.arfbench.plot_cache import PlotCache

    return PlotCache()


def plot_cache():
    """The process's `PlotCache`: a series shared by several questions (or asked about again by the server) is
    drawn once. Created on first use, so importing this module does not import matplotlib."""
    with _first_use:  # one cache even when threads ask for the first time together
        return _shared_plots()


def reset_plot_cache() -> None:
    """Forget every cached plot (frees the memory; the next question starts a new cache)."""
    with _first_use:
        _shared_plots.cache_clear()


def question_images(sample: Sample, redraw: bool = False) -> list[Image.Image]:
    """The sample's image files in order (for a pair: combined first, then the single ones, as ARFBench sends them),
    or, without files or when `redraw`, one rendered chart (a pair stacked in one image)."""
    if sample.images and not redraw:
        return [open_image(path, sample.id) for path in sample.images]
    return [plot_cache().image(sample.series[0] if len(sample.series) == 1 else sample.series)]


def open_image(path: "str | Path", sample_id: str) -> Image.Image:
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"sample {sample_id!r}: image {path} does not exist")
    try:
        with Image.open(path) as image:
            return image.convert("RGB")
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError) as err:
        raise ValueError(f"sample {sample_id!r}: image {path} is not a readable image ({err})") from err
