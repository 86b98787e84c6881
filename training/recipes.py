"""Finding and reading recipe files: a name from the repository's `recipes/` folder, or a path to a TOML/JSON file."""

import json
import tomllib
from pathlib import Path

from training.config import Recipe, from_dict

RECIPES_DIR = Path(__file__).resolve().parent.parent / "recipes"
SUFFIXES = (".toml", ".json")


def available_recipes() -> list[str]:
    if not RECIPES_DIR.is_dir():
        return []
    return sorted(p.stem for p in RECIPES_DIR.iterdir() if p.suffix in SUFFIXES)


def recipe_path(name_or_file: str) -> Path:
    """A path when the argument names an existing file, else `recipes/<name>.toml` or `.json`."""
    given = Path(name_or_file)
    if given.is_file():
        return given
    if given.suffix in SUFFIXES or len(given.parts) > 1:
        raise FileNotFoundError(f"recipe file not found: {name_or_file}")
    for suffix in SUFFIXES:
        candidate = RECIPES_DIR / f"{name_or_file}{suffix}"
        if candidate.is_file():
            return candidate
    known = ", ".join(available_recipes()) or "none"
    raise FileNotFoundError(f"no recipe named {name_or_file!r} (available: {known}; or give a .toml/.json path)")


def load_recipe(name_or_file: str) -> Recipe:
    path = recipe_path(name_or_file)
    text = path.read_text(encoding="utf-8")
    try:
        data = json.loads(text) if path.suffix == ".json" else tomllib.loads(text)
    except (json.JSONDecodeError, tomllib.TOMLDecodeError) as err:
        raise ValueError(f"recipe {path}: cannot parse: {err}") from err
    data.setdefault("name", path.stem)
    try:
        return from_dict(Recipe, data, where=f"recipe {path}")
    except ValueError as err:
        raise ValueError(str(err) if str(path) in str(err) else f"recipe {path}: {err}") from None
