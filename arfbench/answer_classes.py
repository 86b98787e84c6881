"""ARFBench's answer classes for F1: option texts that vary per question (timestamps, numbers, channels) are mapped to
a few classes that mean the same across questions ("earliest", "two_channel", ...).

The class names are the published ones: their sorted order decides which wrong class the seeded RNG picks for an
invalid answer, so they must not be renamed. The evaluator scores with them and the generator balances them.
"""

import json
import re
from collections.abc import Callable

_TIMESTAMP = re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}")
_NUMBER = re.compile(r"\d+\.?\d*")
_COMMA_BEFORE_CHANNEL = re.compile(r", (?=[a-zA-Z_])")
_TAG_KEY = re.compile(r"([a-zA-Z_][a-zA-Z0-9_]*):")
_NO_ANOMALY = "no anomaly"
_NO_ANOMALY_CHANNELS = {_NO_ANOMALY, "no anomaly among the listed channels"}

Binner = Callable[[str, list[str]], str | None]

START_CLASSES = ("earliest", "early", "medium", "late")  # by rank of the timestamp, earliest first
END_CLASSES = ("early", "medium", "late", "latest")
MAGNITUDE_CLASSES = ("smallest", "small", "medium", "large")


def options_from_json(text: str | None) -> list[str]:
    """The options of a results row: a JSON list of strings or of `{"value": ...}` objects; [] when unparsable.

    As in the reference, the first element decides the form: a list starting with an object must hold only objects
    with a "value" key.
    """
    try:
        options = json.loads(text)
        if not isinstance(options, list) or not options:
            return []
        if isinstance(options[0], dict):
            return [str(option["value"]) for option in options]
        return [str(option) for option in options]
    except (ValueError, RecursionError, KeyError, TypeError):  # not JSON, too deep, 4300+ digit numbers
        return []


def channel_count(option: str) -> int:
    """Channels named in an Identification option: joined by " and ", by ", " before a tag, or by a repeated first
    tag key ("service:2,track_type:15,service:1,track_type:41" is two channels)."""
    if " and " in option:
        return option.count(" and ") + 1
    commas = len(_COMMA_BEFORE_CHANNEL.findall(option))
    if commas:
        return commas + 1
    keys = _TAG_KEY.findall(option)
    if keys and keys.count(keys[0]) > 1:
        return keys.count(keys[0])
    return 1


def _identification(answer: str, options: list[str]) -> str | None:
    if answer.lower() in _NO_ANOMALY_CHANNELS:
        return "no_anomaly"
    channels = channel_count(answer)
    if channels == 2:
        return "two_channel"
    if channels >= 3:
        return "three_channel"
    stripped = (option.strip() for option in options)
    singles = sorted(o for o in stripped if o.lower() not in _NO_ANOMALY_CHANNELS and channel_count(o) == 1)
    if len(singles) >= 2 and answer >= singles[1]:
        return "one_channel_large"
    return "one_channel_small"


def _rank_class(index: int, count: int, names: tuple[str, str, str, str]) -> str:
    """Class of the `index`-th of `count` sorted values, names = (first, second, inner, last).

    1 value -> first; 2 -> first, last; 3 -> first, inner, last; 4+ -> first, second, inner..., last.
    """
    first, second, inner, last = names
    if index == 0:
        return first
    if index == count - 1:
        return last
    return second if index == 1 and count >= 4 else inner


def _magnitude(answer: str, options: list[str]) -> str | None:
    if answer.lower() == _NO_ANOMALY:
        return "no_anomaly"
    found_in_options = (_NUMBER.search(o) for o in options if o.strip().lower() != _NO_ANOMALY)
    numbers = sorted({float(m.group()) for m in found_in_options if m})
    found = _NUMBER.search(answer)
    if not numbers or not found or float(found.group()) not in numbers:
        return None
    return _rank_class(numbers.index(float(found.group())), len(numbers), MAGNITUDE_CLASSES)


def _timestamp_rank(answer: str, options: list[str], special: str) -> tuple[int, int] | None:
    """(index, count) of the answer's timestamp among the options' sorted distinct timestamps.

    Options that say "no anomaly" or hold `special` ("before the earliest" / "not resolved") carry no timestamp.
    """
    stamps = set()
    for option in options:
        lowered = option.strip().lower()
        if lowered != _NO_ANOMALY and special not in lowered and (found := _TIMESTAMP.search(option)):
            stamps.add(found.group())
    ordered = sorted(stamps)
    found = _TIMESTAMP.search(answer)
    if not ordered or not found or found.group() not in stamps:
        return None
    return ordered.index(found.group()), len(ordered)


def _has_option(options: list[str], special: str) -> bool:
    return any(special in option.strip().lower() for option in options)


def _start(answer: str, options: list[str]) -> str | None:
    """"Before the earliest timestamp", when offered, owns `earliest`; timestamps then shift to early/medium/late."""
    if answer.lower() == _NO_ANOMALY:
        return "no_anomaly"
    if "before the earliest" in answer.lower():
        return "earliest"
    rank = _timestamp_rank(answer, options, "before the earliest")
    if rank is None:
        return None
    index, count = rank
    if _has_option(options, "before the earliest"):
        return "early" if index == 0 else "late" if index == count - 1 else "medium"
    return _rank_class(index, count, START_CLASSES)


def _end(answer: str, options: list[str]) -> str | None:
    """The mirror of Start: ranked from the last timestamp, and "Not resolved", when offered, owns `latest`."""
    if answer.lower() == _NO_ANOMALY:
        return "no_anomaly"
    if "not resolved" in answer.lower():
        return "latest"
    rank = _timestamp_rank(answer, options, "not resolved")
    if rank is None:
        return None
    index, count = rank
    if _has_option(options, "not resolved"):
        return "late" if index == count - 1 else "early" if index == 0 else "medium"
    return _rank_class(count - 1 - index, count, END_CLASSES[::-1])


_CATEGORIZATION_CLASSES = (
    (("no anomaly",), "No Anomaly"),
    (("level shift",), "Level Shift"),
    (("transient spike",), "Transient Spike"),
    (("change in seasonality", "change in variance"), "Change in Seasonality/Variance"),
    (("change in trend",), "Change in Trend"),
)


def _categorization(answer: str, options: list[str]) -> str | None:
    lowered = answer.lower()
    for needles, name in _CATEGORIZATION_CLASSES:
        if any(needle in lowered for needle in needles):
            return name
    return answer


def _binner(category: str) -> Binner | None:
    """Matched on lower-case substrings of the category name, as the reference does (it also knows older names)."""
    lowered = category.lower()
    for needles, binner in (
        (("anomaly identification", "anomaly channel"), _identification),
        (("anomaly magnitude",), _magnitude),
        (("anomaly start",), _start),
        (("anomaly end", "anomaly recover"), _end),
        (("anomaly categorization",), _categorization),
    ):
        if any(needle in lowered for needle in needles):
            return binner
    return None


def answer_class(answer: str | None, options: list[str], category: str) -> str | None:
    """The F1 class of an answer (or of a correct answer) to a question of `category` with these options.

    None means the answer has no class: missing or empty, or an option-dependent value not among the options.
    Presence, Correlation and Indicator (and unknown categories) use the raw answer text as its class.
    """
    if answer is None or answer == "":
        return None
    binner = _binner(category)
    if binner is None:
        return answer
    return binner(answer.strip(), options)
