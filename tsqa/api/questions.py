"""A user's question as a `Sample`: the series read from any form `ask` takes, or plot images checked up front."""

from pathlib import Path
from typing import Sequence

from tsqa.arfbench.categories import CORRELATION, PRESENCE
from tsqa.arfbench.schema import Sample, Series
from tsqa.arfbench.exports import SizeLimits, load_series

MAX_SERIES = 2  # a question is about one series, or a pair


def question_sample(question: str, options: list[str], series: list[Series], images: list[Path],
                    category: str | None = None, sample_id: str = "ask") -> Sample:
    """A user's question as a `Sample`. The category labels it (the detector answers by it; prompts do not depend
    on it); by default presence for one series or image, correlation for two."""
    count = max(len(series), len(images))
    return Sample(
        id=sample_id,
        query_group=", ".join(s.name for s in series) or ", ".join(Path(p).stem for p in images),
        category=category or (CORRELATION if count == 2 else PRESENCE),
        question=question,
        options=options,
        answer=None,
        series=series,
        images=images,
    )


def loaded_series(series: "str | Path | Series | Sequence", strict: bool = False,
                  interval: int | None = None) -> list[Series]:
    """One series or a pair, read from any form `ask` takes (repaired by the stated policy unless `strict`)."""
    sources = list(series) if isinstance(series, (list, tuple)) else [series]
    if not 1 <= len(sources) <= MAX_SERIES:
        raise ValueError(f"series: expected one series or a pair, got {len(sources)}")
    limits = SizeLimits.answerable()
    return [load_series(s, name=_series_name(s, i), strict=strict, interval=interval, limits=limits)
            for i, s in enumerate(sources)]


def checked_images(images: "str | Path | Sequence[str | Path]") -> list[Path]:
    """Plot image files (a screenshot each; two for a pair), each opened and decoded once so that a missing or
    corrupt file is refused here, naming it, before any model is asked."""
    from PIL import Image, UnidentifiedImageError

    paths = [Path(p) for p in (images if isinstance(images, (list, tuple)) else [images])]
    if not 1 <= len(paths) <= MAX_SERIES:
        raise ValueError(f"image: expected one plot image or two (a pair), got {len(paths)}")
    for path in paths:
        if not path.is_file():
            raise ValueError(f"{path}: no such image file")
        try:
            with Image.open(path) as image:
                image.load()
        except (UnidentifiedImageError, OSError, SyntaxError, Image.DecompressionBombError) as err:
            raise ValueError(f"{path}: not a readable image ({err})") from None
    return paths


def _series_name(source: object, index: int) -> str:
    """A file's stem (shown on the plot and in the prompt), else `series_1` / `series_2`."""
    return Path(source).stem if isinstance(source, (str, Path)) else f"series_{index + 1}"
