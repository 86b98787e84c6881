"""File names of the published layout, and the one gate every name passes before it becomes a path."""

import re
from pathlib import Path

QA_CSV = "arfbench-qa.csv"
TS_DIR = "arfbench-ts-data"
IMAGE_DIR = "arfbench-images"
PUBLISHED_INTERVALS: tuple[int, ...] = (10, 60, 300, 1800, 3600, 86400)

_PLAIN_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,199}")


def check_name(name: str) -> str:
    """`name` if it is a plain file-name stem (no separators, no `..`, not absolute); else ValueError.

    Called on every query-group id before any path is built from it, so a csv row cannot make us read elsewhere.
    """
    if not isinstance(name, str) or not _PLAIN_NAME.fullmatch(name) or ".." in name:
        raise ValueError(
            f"{name!r} is not a plain name (letters, digits, '_', '.', '-'; no path separators, '..' or absolute paths)"
        )
    return name


def split_query_group(query_group: str) -> list[str]:
    """The series names of a query group: "35928_0" -> one, "35928_4, 36531_3" -> two; each checked."""
    if not isinstance(query_group, str) or not query_group.strip():
        raise ValueError("empty query group")
    names = [part.strip() for part in query_group.split(",")]
    if len(names) > 2:
        raise ValueError(f"{query_group!r} names {len(names)} series; at most two are allowed")
    return [check_name(n) for n in names]


def join_query_group(names: list[str]) -> str:
    return ", ".join(names)


def series_path(root: Path, name: str, interval: int) -> Path:
    return root / TS_DIR / f"{check_name(name)}_{int(interval)}.parquet"


def image_path(root: Path, names: list[str]) -> Path:
    """The single image of one series, or the combined image of a pair (`{qg1}-{qg2}.png`)."""
    return root / IMAGE_DIR / ("-".join(check_name(n) for n in names) + ".png")


def image_paths(root: Path, names: list[str]) -> list[Path]:
    """All images of a question, in the order evaluators send them: the combined one first for a pair."""
    singles = [image_path(root, [n]) for n in names]
    return [image_path(root, names), *singles] if len(names) == 2 else singles
