"""The caches made models go into: tsqa's own for models built on first use (`$TSQA_CACHE`, else `~/.cache/tsqa`,
never in the repository), and the Hugging Face cache layout, for models made to look downloaded."""

import os
import shutil
from pathlib import Path

CACHE_ENV = "TSQA_CACHE"


def cache_dir() -> Path:
    return Path(os.environ.get(CACHE_ENV) or Path.home() / ".cache" / "tsqa").expanduser()


def add_to_hub_cache(directory: Path, hub_id: str, cache: Path, revision: str = "0" * 40) -> Path:
    """Move a model folder into the Hugging Face cache layout under `cache` (`models--org--name/snapshots/<rev>/`
    and `refs/main`), where `snapshot_download` finds it offline, replacing a snapshot of the same revision (a
    rehearsal at another depth); returns the snapshot folder. For rehearsals and tests of the Hub-id path without
    network."""
    org, name = hub_id.split("/")
    repo = Path(cache) / f"models--{org}--{name}"
    snapshot = repo / "snapshots" / revision
    snapshot.parent.mkdir(parents=True, exist_ok=True)
    if snapshot.exists():
        shutil.rmtree(snapshot)
    Path(directory).rename(snapshot)
    (repo / "refs").mkdir(exist_ok=True)
    (repo / "refs" / "main").write_text(revision)
    return snapshot
