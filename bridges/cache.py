"""Where base models built on first use are kept: `$TSQA_CACHE`, else `~/.cache/tsqa` (never in the repository)."""

import os
from pathlib import Path

CACHE_ENV = "TSQA_CACHE"


def cache_dir() -> Path:
    return Path(os.environ.get(CACHE_ENV) or Path.home() / ".cache" / "tsqa").expanduser()
