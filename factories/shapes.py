"""The published shapes kept in `factories/published/`: config.json values of released models (each file says where
its values come from in a `_source` note), read without importing any model library."""

import json
from pathlib import Path

PUBLISHED_DIR = Path(__file__).parent / "published"


def published(name: str) -> dict:
    """A JSON file of `factories/published/` without its `_source` note."""
    path = PUBLISHED_DIR / f"{name}.json"
    if not path.is_file():
        known = ", ".join(sorted(p.stem for p in PUBLISHED_DIR.glob("*.json")))
        raise FileNotFoundError(f"no published config {name!r} (known: {known})")
    data = json.loads(path.read_text(encoding="utf-8"))
    data.pop("_source", None)
    return data
