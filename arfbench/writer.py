"""Writing samples in the published ARFBench layout, so our data and the benchmark go through one loader.

Columns of `arfbench-qa.csv`: the unnamed index, query_group, question, options_str (JSON list of strings),
options (the same as [{"value": ...}]), correct_answer, task_category, difficulty, interpolate_1, interpolate_2
(1 linear, 0 forward fill, empty: gaps stay missing) and `meta` (this project's extension: `Sample.meta` as JSON,
without the keys that have their own column). The question and answer cells are spreadsheet-safe (`arfbench.cells`);
the loader reads them back as written. Each series is written once, at its own interval and at the next `coarser`
published intervals that are multiples of it (mean per bucket); images are rendered with `arfbench.plot` unless
`images=False`.
"""

import json
import re
from collections.abc import Iterable
from pathlib import Path

import pandas as pd
from tqdm.auto import tqdm

from tsqa.arfbench.atomic import atomic_file
from tsqa.arfbench.cells import safe_cell
from tsqa.arfbench.gaps import FLAG_OF_FILL
from tsqa.arfbench.layout import IMAGE_DIR, QA_CSV, TS_DIR, image_path, split_query_group
from tsqa.arfbench.plot_cache import PlotCache
from tsqa.arfbench.qa_rows import META_COLUMN
from tsqa.arfbench.schema import Sample, Series
from tsqa.arfbench.series_files import SeriesFiles

_OWN_COLUMNS = ("difficulty", "fill")  # meta keys written to their own csv columns
_ID_INDEX = re.compile(r"#(\d+)$")


CSV_COLUMNS = (
    "", "query_group", "question", "options_str", "options", "correct_answer", "task_category", "difficulty",
    "interpolate_1", "interpolate_2", META_COLUMN,
)  # fmt: skip


def _csv_indices(ids: list[str]) -> list[int]:
    """Keep the index in ids like "35928_0#17" when every id has one and they are distinct; else 0..n-1."""
    found = [_ID_INDEX.search(i) for i in ids]
    indices = [int(m.group(1)) for m in found if m]
    if len(indices) == len(ids) and len(set(indices)) == len(indices):
        return indices
    return list(range(len(ids)))


def _csv_row(sample: Sample) -> dict:
    """The row without its index, which depends on all ids."""
    fills = sample.meta.get("fill") or [None] * len(sample.series)
    flags = [("" if f is None else FLAG_OF_FILL[f]) for f in fills] + ["", ""]
    meta = {k: v for k, v in sample.meta.items() if k not in _OWN_COLUMNS}
    return {
        "query_group": sample.query_group,
        "question": safe_cell(sample.question),
        "options_str": json.dumps(sample.options, ensure_ascii=False),
        "options": json.dumps([{"value": o} for o in sample.options], ensure_ascii=False),
        "correct_answer": "" if sample.answer is None else safe_cell(sample.answer),
        "task_category": sample.category,
        "difficulty": sample.meta.get("difficulty", ""),
        "interpolate_1": flags[0],
        "interpolate_2": flags[1],
        META_COLUMN: json.dumps(meta, ensure_ascii=False, sort_keys=True) if meta else "",
    }


def _check_sample(sample: Sample) -> None:
    names = split_query_group(sample.query_group)
    if names != [s.name for s in sample.series]:
        found = [s.name for s in sample.series]
        raise ValueError(f"sample {sample.id!r}: query_group names {names} but its series are {found}")
    if sample.answer is not None and sample.answer not in sample.options:
        raise ValueError(f"sample {sample.id!r}: answer {sample.answer!r} is not among the options {sample.options}")


class _Images:
    """Writes each series' image (and each pair's combined one) once, drawn through a `PlotCache`."""

    def __init__(self, root: Path, enabled: bool, plot_kwargs: dict, plots: PlotCache) -> None:
        self.root, self.enabled, self.plot_kwargs, self.plots = root, enabled, plot_kwargs, plots
        self.written: set[Path] = set()

    def render(self, group: list[Series]) -> None:
        path = image_path(self.root, [s.name for s in group])
        if self.enabled and path not in self.written:
            path.write_bytes(self.plots.png(group, **self.plot_kwargs))
            self.written.add(path)


def write_dataset(
    samples: Iterable[Sample],
    out_dir: str | Path,
    *,
    coarser: int = 0,
    images: bool = True,
    overwrite: bool = False,
    progress: bool = False,
    plot_kwargs: dict | None = None,
    plot_cache: PlotCache | None = None,
) -> Path:
    """Write `samples` under `out_dir`; refuses to replace an existing csv unless `overwrite`. Returns the csv path.

    `plot_cache` (default: a new one) draws the images; pass one to share drawings across calls or count them.

    The csv is written last (through a temporary file), so an interrupted run never leaves a csv naming missing files.
    """
    root = Path(out_dir)
    csv_path = root / QA_CSV
    if csv_path.exists() and not overwrite:
        raise FileExistsError(f"{csv_path} exists; pass overwrite=True (or --overwrite) to replace it")
    (root / TS_DIR).mkdir(parents=True, exist_ok=True)
    if images:
        (root / IMAGE_DIR).mkdir(parents=True, exist_ok=True)
    files = SeriesFiles(root, coarser)
    pictures = _Images(root, images, plot_kwargs or {}, PlotCache() if plot_cache is None else plot_cache)
    rows, ids = [], []
    for sample in tqdm(samples, desc="writing", unit="question", disable=not progress):
        _check_sample(sample)
        fills = sample.meta.get("fill") or [None] * len(sample.series)
        for series, fill in zip(sample.series, fills):
            files.add(series, fill)
            pictures.render([series])
        if len(sample.series) == 2:
            pictures.render(sample.series)
        rows.append(_csv_row(sample))
        ids.append(sample.id)
    for row, index in zip(rows, _csv_indices(ids)):
        row[""] = index
    frame = pd.DataFrame(rows, columns=list(CSV_COLUMNS))
    with atomic_file(csv_path) as temporary:
        frame.to_csv(temporary, index=False)
    return csv_path
