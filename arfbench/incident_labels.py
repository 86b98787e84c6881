"""The labels a person puts on their own incidents, as one JSON file in the dataset folder.

    {"schema": "tsqa.incident-labels", "version": 1,
     "series": {"<series name>": {"no_anomaly": false, "caption": "p95 latency by dc", "windows": [
         {"channels": ["dc:us1"], "start": 1700000600, "end": 1700003000, "kind": "Level Shift",
          "direction": "up", "magnitude_pct": 40.0}]}},
     "pairs": [{"series": ["a", "b"], "relation": "first_leads"}],
     "label_columns": ["Label"],
     "meta": {"imports": [{"shape": "faults", "from": "faults.csv", "rule": "..."}]}}

A window covers the steps from `start` (the first anomalous one; null: already under way when the series begins) up to
`end` (the first normal one again; null: not resolved when the series ends), in unix seconds. A pair says how the
anomalies of two series relate: `first_leads`, `second_leads`, `simultaneous` or `unrelated`. `label_columns`
(optional) names columns of the folder's series files that hold labels or ids, not metrics (a dataset that keeps its
0/1 label beside the values): every series read from the folder leaves them out, so no plot or question shows the
answer. `meta` (optional) says where imported labels came from and by which rule what the source did not state was
inferred (`tsqa label import`).

Every load checks the whole file and names the field at fault; every save goes through `arfbench.atomic` (a
temporary file, fsync, rename), so the file on disk is always either the old or the new version, never a torn one.
"""

import json
import math
import unicodedata
from pathlib import Path

import numpy as np

from tsqa.arfbench import options as opt
from tsqa.arfbench.atomic import atomic_file
from tsqa.arfbench.layout import check_name
from tsqa.arfbench.schema import Series

LABELS_FILE = "incident-labels.json"
SCHEMA = "tsqa.incident-labels"
VERSION = 1
OTHER = "Other"  # an anomaly none of the benchmark's kinds describes: no categorization question is asked about it
KINDS: tuple[str, ...] = (*opt.ANOMALY_KINDS, OTHER)
DIRECTIONS = ("up", "down")
RELATIONS = ("first_leads", "second_leads", "simultaneous", "unrelated")
MAX_CAPTION = 500
MAX_MAGNITUDE = 1e6
MAX_FILE_BYTES = 64 << 20  # far beyond any folder's labels; a larger file is refused before it is parsed


class LabelsError(ValueError):
    """A labels file or a label that breaks the schema; the message names the place and the field."""


def empty_labels() -> dict:
    return {"schema": SCHEMA, "version": VERSION, "series": {}, "pairs": []}


def _fail(where: str, message: str) -> None:
    raise LabelsError(f"{where}: {message}")


def _keys(value: object, where: str, required: set, optional: set = frozenset()) -> dict:
    if not isinstance(value, dict):
        _fail(where, f"expected a JSON object, got {type(value).__name__}")
    missing, unknown = required - set(value), set(value) - required - optional
    if missing:
        _fail(where, f"missing field(s) {sorted(missing)}")
    if unknown:
        _fail(where, f"unknown field(s) {sorted(unknown)}")
    return value


def _epoch(value: object, where: str) -> int | None:
    if value is None:
        return None
    number = isinstance(value, (int, float)) and not isinstance(value, bool)
    if not number or not math.isfinite(value) or value != int(value):
        _fail(where, f"expected whole unix seconds or null, got {value!r}")
    return int(value)


def check_window(window: object, where: str) -> dict:
    """A window with its fields checked on their own (not yet against a series: see `place_window`)."""
    w = _keys(window, where, {"channels", "start", "end", "kind", "direction", "magnitude_pct"})
    channels = w["channels"]
    if not isinstance(channels, list) or not channels or not all(isinstance(c, str) and c for c in channels):
        _fail(f"{where}, field 'channels'", "expected a non-empty list of channel names")
    if any(_odd_characters(c, "Cs") for c in channels):
        _fail(f"{where}, field 'channels'", "a channel name holds a lone surrogate (\\ud800-\\udfff), not text")
    if len(set(channels)) != len(channels):
        _fail(f"{where}, field 'channels'", "a channel is listed twice")
    start, end = _epoch(w["start"], f"{where}, field 'start'"), _epoch(w["end"], f"{where}, field 'end'")
    if start is not None and end is not None and end <= start:
        _fail(f"{where}, field 'end'", f"{end} is not after the start {start}")
    if w["kind"] not in KINDS:
        _fail(f"{where}, field 'kind'", f"{w['kind']!r} is not one of {list(KINDS)}")
    if w["direction"] not in DIRECTIONS:
        _fail(f"{where}, field 'direction'", f"{w['direction']!r} is not one of {list(DIRECTIONS)}")
    size = w["magnitude_pct"]
    if isinstance(size, bool) or not isinstance(size, (int, float)) or not 0 < size <= MAX_MAGNITUDE:
        _fail(f"{where}, field 'magnitude_pct'", f"expected a percentage in (0, {MAX_MAGNITUDE:g}], got {size!r}")
    return {"channels": list(channels), "start": start, "end": end, "kind": w["kind"], "direction": w["direction"],
            "magnitude_pct": float(size)}


def check_series_label(label: object, where: str) -> dict:
    s = _keys(label, where, {"no_anomaly", "windows"}, {"caption"})
    if not isinstance(s["no_anomaly"], bool):
        _fail(f"{where}, field 'no_anomaly'", f"expected true or false, got {s['no_anomaly']!r}")
    if not isinstance(s["windows"], list):
        _fail(f"{where}, field 'windows'", "expected a list")
    windows = [check_window(w, f"{where}, window {i}") for i, w in enumerate(s["windows"])]
    if s["no_anomaly"] and windows:
        _fail(where, "marked as having no anomaly but has anomaly windows; remove the windows first")
    caption = s.get("caption", "")
    if not isinstance(caption, str) or len(caption) > MAX_CAPTION or _odd_characters(caption, "Cc", "Cs"):
        _fail(f"{where}, field 'caption'", f"expected one line of at most {MAX_CAPTION} characters, without control "
              "characters or lone surrogates")
    return {"no_anomaly": s["no_anomaly"], "windows": windows, "caption": caption}


def _odd_characters(text: str, *categories: str) -> bool:
    """True when `text` holds a character of a Unicode category in `categories` ("Cc" controls such as a newline or
    tab, "Cs" lone surrogates, which no file can hold)."""
    return any(unicodedata.category(char) in categories for char in text)


def check_pair(pair: object, where: str) -> dict:
    p = _keys(pair, where, {"series", "relation"})
    names = p["series"]
    if not isinstance(names, list) or len(names) != 2:
        _fail(f"{where}, field 'series'", "expected a list of two series names")
    try:
        names = [check_name(n) for n in names]
    except ValueError as err:
        _fail(f"{where}, field 'series'", str(err))
    if names[0] == names[1]:
        _fail(f"{where}, field 'series'", f"a series cannot be paired with itself ({names[0]!r})")
    if p["relation"] not in RELATIONS:
        _fail(f"{where}, field 'relation'", f"{p['relation']!r} is not one of {list(RELATIONS)}")
    return {"series": names, "relation": p["relation"]}


def check_label_columns(columns: object, where: str) -> list[str]:
    if not isinstance(columns, list) or not all(isinstance(c, str) and c.strip() for c in columns):
        _fail(where, "expected a list of column names")
    if len(set(columns)) != len(columns):
        _fail(where, "a column is listed twice")
    if any(_odd_characters(c, "Cc", "Cs") for c in columns):
        _fail(where, "a column name holds a control character or a lone surrogate")
    return list(columns)


def check_labels(doc: object, where: str) -> dict:
    """The whole document, checked; `where` (the file) starts every message."""
    d = _keys(doc, where, {"schema", "version", "series", "pairs"}, {"label_columns", "meta"})
    if d["schema"] != SCHEMA:
        _fail(f"{where}, field 'schema'", f"expected {SCHEMA!r}, got {d['schema']!r}: not a tsqa labels file")
    if d["version"] != VERSION:
        _fail(f"{where}, field 'version'", f"version {d['version']!r} is not {VERSION}, the one this tsqa reads")
    if not isinstance(d["series"], dict):
        _fail(f"{where}, field 'series'", "expected an object of series name -> label")
    series = {}
    for name, label in d["series"].items():
        try:
            check_name(name)
        except ValueError as err:
            _fail(f"{where}, series {name!r}", str(err))
        series[name] = check_series_label(label, f"{where}, series {name!r}")
    if not isinstance(d["pairs"], list):
        _fail(f"{where}, field 'pairs'", "expected a list")
    pairs = [check_pair(p, f"{where}, pair {i}") for i, p in enumerate(d["pairs"])]
    seen = set()
    for i, p in enumerate(pairs):
        key = frozenset(p["series"])
        if key in seen:
            _fail(f"{where}, pair {i}", f"series {p['series']} are paired twice")
        seen.add(key)
    checked = {"schema": SCHEMA, "version": VERSION, "series": series, "pairs": pairs}
    if "label_columns" in d:
        checked["label_columns"] = check_label_columns(d["label_columns"], f"{where}, field 'label_columns'")
    if "meta" in d:
        if not isinstance(d["meta"], dict):
            _fail(f"{where}, field 'meta'", "expected a JSON object")
        checked["meta"] = d["meta"]
    return checked


def read_labels(path: str | Path) -> dict:
    """The checked labels of `path`; an empty document when the file does not exist yet."""
    path = Path(path)
    if not path.exists():
        return empty_labels()
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise LabelsError(f"{path}: {size} bytes, more than a labels file holds ({MAX_FILE_BYTES}); not a labels file")
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError as err:
        raise LabelsError(f"{path}: not UTF-8 text ({err})") from None
    except json.JSONDecodeError as err:
        raise LabelsError(f"{path}: not valid JSON (line {err.lineno}, column {err.colno}: {err.msg})") from None
    except RecursionError:
        raise LabelsError(f"{path}: not a labels file (its JSON is nested too deeply to read)") from None
    except ValueError as err:  # an integer of more than 4300 digits
        raise LabelsError(f"{path}: not valid JSON ({str(err)[:120]})") from None
    return check_labels(doc, str(path))


def labels_bytes(doc: dict) -> bytes:
    return (json.dumps(doc, indent=1, ensure_ascii=False, allow_nan=False) + "\n").encode("utf-8")


def write_labels(path: str | Path, doc: dict) -> bytes:
    """Write `doc` (checked first) atomically: a temporary file in the same folder, flushed to disk, then renamed
    over `path`. Returns the bytes written."""
    path = Path(path)
    data = labels_bytes(check_labels(doc, str(path)))
    with atomic_file(path) as temporary:
        temporary.write_bytes(data)
    return data


def _fmt(epoch: int) -> str:
    return f"{epoch} ({np.datetime_as_string(np.datetime64(epoch, 's'))}Z)"


def place_window(window: dict, series: Series, where: str) -> tuple[int, int | None, list[int]]:
    """(first anomalous step, first normal step after it or None, channel indices) of a checked window on `series`.

    Times between grid steps are rounded outwards (the step holding `start`, the first step at or after `end`);
    anything outside the series or an unknown channel is refused with the reason.
    """
    stamps = series.timestamps
    first, last = int(stamps[0]), int(stamps[-1])
    start, end = window["start"], window["end"]
    span = f"the series runs from {_fmt(first)} to {_fmt(last)}"
    if start is not None and not first <= start <= last:
        _fail(f"{where}, field 'start'", f"{_fmt(start)} is outside the series; {span}")
    if end is not None and not first < end <= last:
        _fail(f"{where}, field 'end'", f"{_fmt(end)} is outside the series (or at its first step); {span}")
    onset = 0 if start is None else int(np.searchsorted(stamps, start, side="right")) - 1
    stop = None if end is None else int(np.searchsorted(stamps, end, side="left"))  # > onset, as end > start
    unknown = [c for c in window["channels"] if c not in series.channels]
    if unknown:
        _fail(f"{where}, field 'channels'", f"{unknown} are not channels of series {series.name!r}")
    return onset, stop, sorted(series.channels.index(c) for c in window["channels"])
