"""Loading a dataset in the published ARFBench layout, from a local directory or a Hub dataset id."""

import os
import re
import warnings
from dataclasses import replace
from pathlib import Path

from PIL import Image, UnidentifiedImageError
from tqdm.auto import tqdm

from tsqa.arfbench.gaps import fill_gaps
from tsqa.arfbench.layout import TS_DIR, image_paths
from tsqa.arfbench.problems import DatasetReport, FileFormatError, Problem
from tsqa.arfbench.qa_rows import QuestionRow, read_qa_rows
from tsqa.arfbench.schema import Sample, Series
from tsqa.arfbench.series_io import check_series_file, read_series, steps_in_file


def resolve_root(path_or_id: str | Path, revision: str | None = None) -> Path:
    """A local directory as is; anything else is taken as a Hub dataset id and downloaded (cached) first."""
    local = Path(path_or_id).expanduser()
    if local.is_dir():
        return local
    if isinstance(path_or_id, Path) or str(path_or_id).count("/") != 1 or str(path_or_id).startswith((".", "/")):
        raise FileNotFoundError(f"{path_or_id}: no such dataset directory")
    from huggingface_hub import snapshot_download

    return Path(snapshot_download(repo_id=str(path_or_id), repo_type="dataset", revision=revision))


_SERIES_FILE = re.compile(r"(.+)_(\d{1,9})\.parquet")  # an interval of up to 31 years


def index_series_files(root: Path) -> dict[str, list[tuple[int, Path]]]:
    """Series name -> [(interval, file)] finest first, from one listing of `arfbench-ts-data/`."""
    index: dict[str, list[tuple[int, Path]]] = {}
    directory = root / TS_DIR
    if not directory.is_dir():
        return index
    with os.scandir(directory) as entries:
        for entry in entries:
            match = _SERIES_FILE.fullmatch(entry.name)
            if match and int(match.group(2)) > 0 and _is_file(entry):
                index.setdefault(match.group(1), []).append((int(match.group(2)), directory / entry.name))
    for files in index.values():
        files.sort()
    return index


def _is_file(entry: os.DirEntry) -> bool:
    """A file, or a link to one; a link that cannot be followed (a loop) counts, so reading it reports why."""
    try:
        return entry.is_file()
    except OSError:
        return entry.is_symlink()


class _Reader:
    """Reads each series and image once, however many questions share it, and remembers why one failed.

    `boundary`: the directory every data file must resolve into (the dataset itself; a Hub snapshot's repository
    cache, whose files link to its blobs), so a symbolic link cannot make the loader read elsewhere.
    `check_all_intervals`: read and check every interval file of a series, not only the one loaded.
    """

    def __init__(self, root: Path, max_steps: int | None, check_images: bool, require_images: bool,
                 boundary: Path, check_all_intervals: bool = False) -> None:
        self.root, self.max_steps = root, max_steps
        self.check_images, self.require_images = check_images, require_images
        self.boundary, self.check_all_intervals = boundary.resolve(), check_all_intervals
        self.files = index_series_files(root)
        self.series: dict[str, Series | list[Problem]] = {}
        self.images: dict[Path, Problem | None] = {}

    def _relative(self, path: Path) -> str:
        return path.relative_to(self.root).as_posix()

    def _file_problem(self, err: FileFormatError) -> Problem:
        return Problem(self._relative(Path(err.path)), None, err.field, err.detail)

    def _escape(self, path: Path, field: str) -> Problem | None:
        """A problem when `path` is a link (or sits under one) that leads outside the dataset."""
        try:
            target = path.resolve(strict=True)
        except (OSError, RuntimeError) as err:  # a link loop, or a link to nothing
            reason = getattr(err, "strerror", None) or err
            return Problem(self._relative(path), None, field, f"cannot be opened ({reason})")
        if target.is_relative_to(self.boundary):
            return None
        return Problem(self._relative(path), None, field,
                       f"links to {target}, outside the dataset; copy the file into the dataset instead")

    def _read(self, name: str) -> Series | list[Problem]:
        candidates = self.files.get(name, [])
        if not candidates:
            pattern = f"{TS_DIR}/{name}_{{interval}}.parquet"
            return [Problem(pattern, None, "parquet", f"no time-series file for series {name!r}")]
        escapes = [p for _, path in candidates if (p := self._escape(path, "parquet")) is not None]
        if escapes:
            return escapes
        try:
            chosen = candidates[-1]
            if self.max_steps is not None:
                for interval, path in candidates:
                    if steps_in_file(path, interval) <= self.max_steps:
                        chosen = (interval, path)
                        break
            else:
                chosen = candidates[0]
            series = read_series(chosen[1], name, chosen[0], strict=self.check_all_intervals)  # validating: strict
        except FileFormatError as err:
            return [self._file_problem(err)]
        if not self.check_all_intervals:
            return series
        problems = []
        for interval, path in candidates:
            if path == chosen[1]:
                continue
            try:
                check_series_file(path, interval)
            except FileFormatError as err:
                problems.append(self._file_problem(err))
        return problems or series

    def series_of(self, name: str) -> Series | list[Problem]:
        if name not in self.series:
            self.series[name] = self._read(name)
        return self.series[name]

    def image_problem(self, path: Path) -> Problem | None:
        if path not in self.images:
            self.images[path] = self._check_image(path)
        return self.images[path]

    def _check_image(self, path: Path) -> Problem | None:
        if not path.is_file():
            return Problem(self._relative(path), None, "png", "missing image") if self.require_images else None
        escape = self._escape(path, "png")
        if escape is not None or not self.check_images:
            return escape
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("error", Image.DecompressionBombWarning)
                with Image.open(path) as image:
                    image.verify()
                    if image.format != "PNG":
                        return Problem(self._relative(path), None, "png", f"not a PNG image ({image.format})")
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as err:
            return Problem(self._relative(path), None, "png",
                           f"refused as a possible decompression bomb: {err} (PIL's limit: Image.MAX_IMAGE_PIXELS)")
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as err:
            return Problem(self._relative(path), None, "png", f"corrupt image ({err})")
        return None


def _sample(spec: QuestionRow, reader: _Reader) -> tuple[Sample | None, list[Problem]]:
    problems: list[Problem] = []
    series = []
    for name, fill in zip(spec.names, spec.fills):
        loaded = reader.series_of(name)
        if isinstance(loaded, list):
            problems += [replace(p, row=spec.index) for p in loaded]
            continue
        if fill is not None:
            loaded = replace(loaded, values=fill_gaps(loaded.values, fill))
        series.append(loaded)
    images = []
    for path in image_paths(reader.root, spec.names):
        problem = reader.image_problem(path)
        if problem is not None:
            problems.append(replace(problem, row=spec.index))
        elif path.is_file():
            images.append(path)
    if problems:
        return None, problems
    sample = Sample(
        id=spec.id,
        query_group=spec.query_group,
        category=spec.category,
        question=spec.question,
        options=spec.options,
        answer=spec.answer,
        series=series,
        images=images,
        meta=spec.meta,
    )
    return sample, []


def read_dataset(
    path_or_id: str | Path,
    *,
    max_steps: int | None = None,
    check_images: bool = True,
    require_images: bool = False,
    revision: str | None = None,
    progress: bool = False,
    check_all_intervals: bool = False,
) -> DatasetReport:
    """Every valid question of a dataset plus the problems of the others; raises only when there is no csv at all.

    max_steps: use the finest interval whose grid has at most this many steps (the coarsest when none fits);
    None: the finest interval. check_images: open each PNG to detect corruption. require_images: a missing PNG is
    a problem (by default images are attached when present). check_all_intervals: also read and check every other
    interval file of each series (what `validate` does). Files that resolve outside the dataset are refused.
    """
    local = Path(path_or_id).expanduser().is_dir()
    root = resolve_root(path_or_id, revision)
    specs, problems, rows = read_qa_rows(root)
    report = DatasetReport(root=str(root), rows=rows, problems=problems)
    boundary = root if local else root.parent.parent  # snapshots/<revision>/ links into the repository's blobs/
    reader = _Reader(root, max_steps, check_images, require_images, boundary, check_all_intervals)
    for spec in tqdm(specs, desc="loading", unit="question", disable=not progress):
        sample, sample_problems = _sample(spec, reader)
        report.problems += sample_problems
        if sample is not None:
            report.samples.append(sample)
    report.problems.sort(key=lambda p: (p.row is None, p.row if p.row is not None else 0, p.file, p.field))
    return report


def validate_dataset(
    path_or_id: str | Path, *, max_steps: int | None = None, require_images: bool = False, revision: str | None = None
) -> DatasetReport:
    """Every problem of a dataset, images opened and every interval file read; `report.summary()` describes its
    valid part."""
    return read_dataset(
        path_or_id, max_steps=max_steps, check_images=True, require_images=require_images, revision=revision,
        check_all_intervals=True,
    )


def load_dataset(
    path_or_id: str | Path,
    *,
    max_steps: int | None = None,
    strict: bool = True,
    check_images: bool = True,
    require_images: bool = False,
    revision: str | None = None,
    progress: bool = False,
) -> list[Sample]:
    """The questions of a dataset, in csv order, with their series (and images when present).

    strict: raise one ValueError listing every problem; otherwise warn and return only the valid questions
    (`read_dataset` gives the problems themselves).
    """
    report = read_dataset(
        path_or_id,
        max_steps=max_steps,
        check_images=check_images,
        require_images=require_images,
        revision=revision,
        progress=progress,
    )
    if strict:
        report.raise_if_problems()
    elif report.problems:
        warnings.warn(f"{len(report.problems)} problem(s); skipped the questions concerned", stacklevel=2)
    return report.samples
