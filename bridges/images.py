"""The image(s) a question shows: the sample's own plot files, or a plot rendered from its series."""

from pathlib import Path

from PIL import Image, UnidentifiedImageError

from tsqa.arfbench import Sample


def question_images(sample: Sample) -> list[Image.Image]:
    """The sample's image files in order (for a pair: combined first, then the single ones, as ARFBench sends them),
    or, without files, one rendered chart (a pair stacked in one image)."""
    if sample.images:
        return [open_image(path, sample.id) for path in sample.images]
    from tsqa.arfbench.plot import render_plot  # matplotlib is imported only when a plot is drawn

    return [render_plot(sample.series[0] if len(sample.series) == 1 else sample.series)]


def open_image(path: "str | Path", sample_id: str) -> Image.Image:
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"sample {sample_id!r}: image {path} does not exist")
    try:
        with Image.open(path) as image:
            return image.convert("RGB")
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError) as err:
        raise ValueError(f"sample {sample_id!r}: image {path} is not a readable image ({err})") from err
