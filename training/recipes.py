"""Finding and reading recipe files: a bundled recipe by name (`tsqa.recipes`, the repository's `recipes/`), or a path
to a TOML/JSON file."""

import json
import tomllib
from collections.abc import Sequence
from pathlib import Path

from tsqa import recipes
from tsqa.bridges.config import load_config
from tsqa.training.config import Recipe

RECIPES_DIR = Path(recipes.__file__).resolve().parent
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


def load_recipe(name_or_file: str, overrides: Sequence[str] = ()) -> Recipe:
    """The recipe, with `overrides` (`KEY=VALUE`, see `apply_override`) applied in order before it is checked."""
    path = recipe_path(name_or_file)
    try:
        text = path.read_text(encoding="utf-8")
        data = json.loads(text) if path.suffix == ".json" else tomllib.loads(text)
    except (json.JSONDecodeError, tomllib.TOMLDecodeError, RecursionError, UnicodeDecodeError) as err:
        raise ValueError(f"recipe {path}: cannot parse: {err}") from None
    if not isinstance(data, dict):
        raise ValueError(f"recipe {path}: expected a table of settings, got a JSON {type(data).__name__}")
    data.setdefault("name", path.stem)
    for override in overrides:
        apply_override(data, override)
    try:
        return load_config(Recipe, data, f"recipe {path}")
    except ValueError as err:
        raise ValueError(str(err) if str(path) in str(err) else f"recipe {path}: {err}") from None


def apply_override(data: dict, override: str) -> None:
    """Set one value of a parsed recipe from `KEY=VALUE`, so an ablation is a flag rather than a copied file.

    KEY is dotted, with stage numbers from 0 (`model.modality`, `stages.1.epochs`, `model.adapter.hidden_dim`);
    VALUE is a TOML value (`2`, `3e-4`, `true`, `"plot"`), and a bare word is taken as a string (`plot`)."""
    key, sep, raw = override.partition("=")
    if not sep or not key.strip():
        raise ValueError(f"recipe override {override!r}: expected KEY=VALUE, e.g. model.modality=plot")
    *parents, leaf = key.strip().split(".")
    node: dict | list = data
    for depth, part in enumerate(parents):
        where = ".".join(parents[: depth + 1])
        if isinstance(node, list):
            node = node[_stage_index(node, part, where)]
        else:
            node = node.setdefault(part, {})
        if not isinstance(node, dict | list):
            raise ValueError(f"recipe override {override!r}: {where} is a value, not a table")
    if isinstance(node, list):
        node[_stage_index(node, leaf, key)] = _value(raw)
    else:
        node[leaf] = _value(raw)


def _stage_index(items: list, part: str, where: str) -> int:
    if not part.isdigit() or int(part) >= len(items):
        raise ValueError(f"recipe override: {where}: expected an index below {len(items)}, got {part!r}")
    return int(part)


def _value(raw: str) -> object:
    try:
        return tomllib.loads(f"v = {raw.strip()}")["v"]
    except tomllib.TOMLDecodeError:
        return raw.strip()
