"""Writing a file or a folder so that a reader, or a run after a crash, finds the old version or the new one, never
half of one: written aside in the same folder, flushed to disk (fsync), then renamed over the target. An existing
target folder is set aside before the rename and removed after it, so one complete version is on disk throughout."""

import os
import re
import secrets
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def staging_path(target: "str | Path") -> Path:
    """The folder a `target` folder is written into before `commit` (one fixed name, so a killed attempt is found
    and cleared by the next)."""
    target = Path(target)
    return target.with_name(target.name + ".partial")


def commit(written: Path, target: "str | Path") -> Path:
    """`written` (a file or a folder) flushed to disk and renamed to `target`, replacing what was there."""
    target = Path(target)
    _fsync_tree(written)
    if written.is_dir() and target.is_dir():
        old = target.with_name(target.name + ".old")
        shutil.rmtree(old, ignore_errors=True)
        os.replace(target, old)
        os.replace(written, target)
        shutil.rmtree(old)
    else:
        os.replace(written, target)
    _fsync(target.parent)
    return target


@contextmanager
def atomic_file(target: "str | Path") -> Iterator[Path]:
    """A temporary path beside `target` for the block to write the file to; committed over `target` when the block
    ends without an error, deleted when it raises."""
    target = Path(target)
    temporary = target.with_name(f".{target.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    try:
        yield temporary
        commit(temporary, target)
    finally:
        temporary.unlink(missing_ok=True)


_TEMPORARY = re.compile(r"\..+\.(?P<pid>\d+)\.[0-9a-f]{8}\.tmp")  # what `atomic_file` names its temporary


def remove_stale_temporaries(folder: "str | Path") -> list[Path]:
    """Remove the temporary files `atomic_file` left in `folder` when its process was killed before the rename (the
    writer's pid is in the name, and no such process runs any more); returns them. A write in flight is left alone."""
    stale = []
    for temporary in Path(folder).glob(".*.tmp"):
        found = _TEMPORARY.fullmatch(temporary.name)
        if found and not _running(int(found["pid"])):
            temporary.unlink(missing_ok=True)
            stale.append(temporary)
    return sorted(stale)


def _running(pid: int) -> bool:
    """True when a process `pid` exists (another user's included)."""
    if not 0 < pid <= 1 << 22:  # Linux's largest pid: beyond it no process runs
        return False
    try:
        os.kill(pid, 0)  # signal 0 only asks whether the process exists
    except ProcessLookupError:
        return False
    except PermissionError:  # it runs, as another user
        return True
    return True


@contextmanager
def atomic_folder(target: "str | Path") -> Iterator[Path]:
    """An empty staging folder beside `target` for the block to write into; committed over `target` when the block
    ends without an error, deleted when it raises."""
    staging = staging_path(target)
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    try:
        yield staging
        commit(staging, target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _fsync_tree(path: Path) -> None:
    for inner in sorted(path.rglob("*")) if path.is_dir() else []:
        _fsync(inner)
    _fsync(path)


def _fsync(path: Path) -> None:
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
