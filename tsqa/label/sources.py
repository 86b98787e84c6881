"""The series of a dataset folder: CSV, parquet or JSON export files (the formats `tsqa ask` reads), or a dataset in
ARFBench's layout. Each series gets a plain name once, when the folder is listed; afterwards a series is only ever
read by that name from the file found then, so no request can point at another file. A link that leads out of the
folder is refused, when listed and again when read. Columns the folder's labels file lists as `label_columns` are
labels kept beside the values, not metrics: every series read here leaves them out.
"""

import re
import threading
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path

from tsqa.arfbench.incident_labels import LABELS_FILE, read_labels
from tsqa.arfbench.layout import QA_CSV, TS_DIR, check_name
from tsqa.arfbench.schema import Series

SERIES_SUFFIXES = (".csv", ".parquet", ".json")
CACHED_SERIES = 8


@dataclass(frozen=True)
class SeriesFile:
    name: str
    path: Path
    interval: int | None  # ARFBench layout: the file's resampling interval; None: a file `tsqa ask` reads


def _is_series_file(path: Path) -> bool:
    """A folder's series files: exports by suffix, never the labels file the page writes beside them (JSON too)."""
    return path.suffix.lower() in SERIES_SUFFIXES and path.name != LABELS_FILE and path.is_file()


def name_for_stem(stem: str) -> str:
    """A file stem as a plain series name: other characters become '_'."""
    name = re.sub(r"[^A-Za-z0-9_.-]", "_", stem).replace("..", "_")
    name = name if name[:1].isalnum() else f"s{name}"
    return check_name(name[:200])


def _captions(root: Path) -> dict[str, str]:
    """Series name -> the caption its questions give it (`Time-series: <caption>`), from an ARFBench csv."""
    from tsqa.arfbench.qa_rows import read_qa_rows

    found: dict[str, str] = {}
    if not (root / QA_CSV).is_file():
        return found
    specs, _, _ = read_qa_rows(root)
    for spec in specs:
        lines = [line.split(":", 1) for line in spec.question.splitlines() if line.startswith("Time-series")]
        captions = [text.strip() for _, text in lines]
        if len(captions) == len(spec.names):
            for name, caption in zip(spec.names, captions):
                found.setdefault(name, caption)
    return found


class SeriesSource:
    """The series of one folder, read on demand (a few kept in memory)."""

    def __init__(self, root: Path, files: dict[str, SeriesFile], captions: dict[str, str] | None = None,
                 label_columns: list[str] | None = None) -> None:
        if not files:
            raise ValueError(f"{root}: no series found (CSV or parquet files, or an ARFBench {TS_DIR}/ folder)")
        self.root, self.files, self.captions = root, files, captions or {}
        self.label_columns: frozenset[str] = frozenset(label_columns or ())
        self.label_columns_found: set[str] = set()  # those a series read here had
        self._cache: OrderedDict[str, Series] = OrderedDict()
        self._lock = threading.Lock()

    def hide_columns(self, columns: list[str]) -> None:
        """Leave `columns` out of every series read from now on (an import that finds labels in the series files)."""
        with self._lock:
            self.label_columns = self.label_columns | set(columns)
            self._cache.clear()

    @property
    def names(self) -> list[str]:
        return sorted(self.files)

    def load(self, name: str) -> Series:
        """The series called `name` (KeyError when there is none)."""
        entry = self.files[name]
        with self._lock:
            if name in self._cache:
                self._cache.move_to_end(name)
                return self._cache[name]
            hidden = self.label_columns
        _check_inside(entry.path, self.root)
        if entry.interval is None:
            from tsqa.arfbench.exports import load_series

            series = load_series(entry.path, name)
        else:
            from tsqa.arfbench.series_io import read_series

            series = read_series(entry.path, name, entry.interval)
        names = {channel.strip() for channel in series.channels}
        found = {c for c in hidden if c.strip() in names}
        series = without_columns(series, hidden, entry.path.name)
        with self._lock:
            self.label_columns_found |= found
            if hidden != self.label_columns:  # columns hidden while this one was read: not cached
                return without_columns(series, self.label_columns, entry.path.name)
            self._cache[name] = series
            while len(self._cache) > CACHED_SERIES:
                self._cache.popitem(last=False)
        return series


def without_columns(series: Series, columns: frozenset[str], file: str) -> Series:
    """`series` less the channels named in `columns`; a series that would keep none is refused."""
    hidden = {c.strip() for c in columns}
    kept = [i for i, channel in enumerate(series.channels) if channel.strip() not in hidden]
    if len(kept) == len(series.channels):
        return series
    if not kept:
        raise ValueError(f"{file}: every column is a label column ({sorted(columns)}); the series has no metric left")
    return Series(series.name, [series.channels[i] for i in kept], series.timestamps, series.values[:, kept],
                  series.interval, series.repairs)


def _label_columns(root: Path) -> list[str]:
    path = root / LABELS_FILE
    return read_labels(path).get("label_columns", []) if path.is_file() else []


def open_source(paths: list[str | Path]) -> SeriesSource:
    """A folder (its CSV/parquet files, or its ARFBench layout), or files that all sit in one folder."""
    given = [Path(p).expanduser() for p in paths]
    if not given:
        raise ValueError("no folder or series file given")
    if len(given) == 1 and given[0].is_dir():
        root = given[0].resolve()
        if (root / TS_DIR).is_dir():
            from tsqa.arfbench.loader import index_series_files

            index = index_series_files(root)
            files = {name: SeriesFile(name, found[0][1], found[0][0]) for name, found in index.items()}
            return SeriesSource(root, {n: f for n, f in files.items() if _is_plain(n)}, _captions(root),
                                _label_columns(root))
        candidates = sorted(p for p in root.iterdir() if _is_series_file(p))
        for path in candidates:
            _check_inside(path, root)
    else:
        missing = [str(p) for p in given if not p.is_file()]
        if missing:
            raise FileNotFoundError(f"no such series file: {', '.join(missing)}")
        candidates = [p.resolve() for p in given]
        folders = {p.parent for p in candidates}
        if len(folders) != 1:
            raise ValueError(f"series files must sit in one folder (the labels are saved there); got {len(folders)}")
        root = folders.pop()
    files: dict[str, SeriesFile] = {}
    for path in candidates:
        name = name_for_stem(path.stem)
        if name in files:
            raise ValueError(f"{files[name].path.name} and {path.name} would both be series {name!r}: rename one")
        files[name] = SeriesFile(name, path, None)
    return SeriesSource(root, files, label_columns=_label_columns(root))


def _check_inside(path: Path, root: Path) -> None:
    """Refuses a file that resolves outside `root` (a symbolic link leaving the folder), naming only the link."""
    try:
        inside = path.resolve(strict=True).is_relative_to(root.resolve())
    except (OSError, RuntimeError):
        raise ValueError(f"{path.name}: a link that cannot be followed; remove it from {root}") from None
    if not inside:
        raise ValueError(f"{path.name}: a link to a file outside {root}; copy the file into the folder instead")


def _is_plain(name: str) -> bool:
    try:
        check_name(name)
    except ValueError:
        return False
    return True
