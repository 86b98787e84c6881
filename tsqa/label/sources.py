"""The series of a dataset folder: CSV, parquet or JSON export files (the formats `tsqa ask` reads), or a dataset in
ARFBench's layout. Each series gets a plain name once, when the folder is listed; afterwards a series is only ever
read by that name from the file found then, so no request can point at another file. A link that leads out of the
folder is refused, when listed and again when read.
"""

import re
import threading
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path

from tsqa.arfbench.layout import QA_CSV, TS_DIR, check_name
from tsqa.arfbench.schema import Series

SERIES_SUFFIXES = (".csv", ".parquet", ".json")
CACHED_SERIES = 8


@dataclass(frozen=True)
class SeriesFile:
    name: str
    path: Path
    interval: int | None  # ARFBench layout: the file's resampling interval; None: a file `tsqa ask` reads


def _plain(stem: str) -> str:
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

    def __init__(self, root: Path, files: dict[str, SeriesFile], captions: dict[str, str] | None = None) -> None:
        if not files:
            raise ValueError(f"{root}: no series found (CSV or parquet files, or an ARFBench {TS_DIR}/ folder)")
        self.root, self.files, self.captions = root, files, captions or {}
        self._cache: OrderedDict[str, Series] = OrderedDict()
        self._lock = threading.Lock()

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
        _check_inside(entry.path, self.root)
        if entry.interval is None:
            from tsqa.arfbench.exports import load_series

            series = load_series(entry.path, name)
        else:
            from tsqa.arfbench.series_io import read_series

            series = read_series(entry.path, name, entry.interval)
        with self._lock:
            self._cache[name] = series
            while len(self._cache) > CACHED_SERIES:
                self._cache.popitem(last=False)
        return series


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
            return SeriesSource(root, {n: f for n, f in files.items() if _is_plain(n)}, _captions(root))
        candidates = sorted(p for p in root.iterdir() if p.suffix.lower() in SERIES_SUFFIXES and p.is_file())
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
        name = _plain(path.stem)
        if name in files:
            raise ValueError(f"{files[name].path.name} and {path.name} would both be series {name!r}: rename one")
        files[name] = SeriesFile(name, path, None)
    return SeriesSource(root, files)


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
