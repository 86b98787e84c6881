"""The JSON exports on-call engineers have, recognised by their content, as long rows (one channel per series).

- Prometheus `query_range`: `{"status", "data": {"resultType": "matrix", "result": [{"metric": {labels},
  "values": [[unix seconds, "value"], ...]}]}}`; a channel per label set, named `key:value,...` from its labels.
- Datadog timeseries query (`/api/v1/query`): `{"series": [{"metric", "scope", "tag_set", "pointlist":
  [[unix milliseconds, value or null], ...]}]}`; a channel per series, named from its tag set (else its scope).
- CloudWatch `GetMetricData`: `{"MetricDataResults": [{"Id", "Label", "Timestamps", "Values", "StatusCode"}]}`;
  a channel per result, named by its Label (else its Id); stamps come newest first and are sorted like any others.
Where names collide, the metric name (or the Id) is put in front of them.
"""

import numpy as np
import pandas as pd

from tsqa.arfbench.exports.limits import ExportError, first_bad_epoch, first_bad_value, quoted
from tsqa.arfbench.exports.repair import Repairs
from tsqa.arfbench.exports.tables import LongRows, stamps_of

FORMATS = "a Prometheus query_range, Datadog timeseries query or CloudWatch GetMetricData export"


def export_rows(document: object, source: str, repairs: Repairs) -> LongRows:
    """The long rows of a parsed JSON export, whichever of the three it is."""
    if isinstance(document, dict) and isinstance(document.get("data"), dict) and "resultType" in document["data"]:
        return _prometheus(document, source)
    if isinstance(document, dict) and isinstance(document.get("series"), list):
        return _datadog(document, source)
    if isinstance(document, dict) and isinstance(document.get("MetricDataResults"), list):
        return _cloudwatch(document, source, repairs)
    if isinstance(document, dict) and document.get("status") == "error":
        raise ExportError(source, f"the export holds an error, not data: {quoted(document.get('error'))}")
    raise ExportError(source, f"JSON, but not {FORMATS}")


def _prometheus(document: dict, source: str) -> LongRows:
    data = document["data"]
    if data["resultType"] != "matrix":
        raise ExportError(source, f"a Prometheus {quoted(data['resultType'])} result; export a range query "
                                  "(/api/v1/query_range, resultType matrix)")
    results = _list(data.get("result"), source, "data.result")
    parts, primary, secondary = [], [], []
    for k, item in enumerate(results):
        path = f"data.result[{k}]"
        labels = item.get("metric") if isinstance(item, dict) else None
        if not isinstance(labels, dict) or not all(isinstance(v, str) for v in labels.values()):
            raise ExportError(source, "metric must be an object of text labels", path)
        metric = labels.get("__name__", "")
        tags = ",".join(f"{key}:{labels[key]}" for key in sorted(labels) if key != "__name__")
        primary.append(tags or metric or "value")
        secondary.append(f"{metric} {tags}".strip() if tags else metric or "value")
        parts.append(_pairs(_list(item.get("values"), source, f"{path}.values"), source, f"{path}.values", 1.0))
    return _long(parts, _names(primary, secondary, source), [f"data.result[{k}].values" for k in range(len(parts))])


def _datadog(document: dict, source: str) -> LongRows:
    if document.get("status") == "error" or document.get("error"):
        raise ExportError(source, f"the Datadog export holds an error: {quoted(document.get('error'))}")
    parts, primary, secondary = [], [], []
    for k, item in enumerate(document["series"]):
        path = f"series[{k}]"
        if not isinstance(item, dict):
            raise ExportError(source, "each series must be an object", path)
        tags = item.get("tag_set")
        scope = ",".join(str(t) for t in tags) if isinstance(tags, list) and tags else str(item.get("scope") or "*")
        metric = str(item.get("metric") or item.get("display_name") or item.get("expression") or "value")
        primary.append(metric if scope == "*" else scope)
        secondary.append(f"{metric} {scope}" if scope != "*" else metric)
        parts.append(_pairs(_list(item.get("pointlist"), source, f"{path}.pointlist"), source, f"{path}.pointlist",
                            1e-3))
    return _long(parts, _names(primary, secondary, source), [f"series[{k}].pointlist" for k in range(len(parts))])


def _cloudwatch(document: dict, source: str, repairs: Repairs) -> LongRows:
    parts, primary, secondary = [], [], []
    for k, item in enumerate(document["MetricDataResults"]):
        path = f"MetricDataResults[{k}]"
        if not isinstance(item, dict):
            raise ExportError(source, "each result must be an object", path)
        stamps = _list(item.get("Timestamps"), source, f"{path}.Timestamps")
        values = _list(item.get("Values"), source, f"{path}.Values")
        if len(stamps) != len(values):
            raise ExportError(source, f"{len(stamps)} Timestamps for {len(values)} Values", path)
        label, identity = str(item.get("Label") or ""), str(item.get("Id") or f"m{k}")
        primary.append(label or identity)
        secondary.append(f"{identity}: {label}" if label else identity)
        status = item.get("StatusCode", "Complete")
        if status != "Complete":
            repairs.note(f"CloudWatch marked {label or identity} {str(status)[:20]} (the export may hold only part "
                         "of its data)")
        seconds = stamps_of(pd.Series(stamps), source, f"{path}.Timestamps", repairs)
        parts.append((seconds, _values(values, source, f"{path}.Values")))
    return _long(parts, _names(primary, secondary, source),
                 [f"MetricDataResults[{k}].Values" for k in range(len(parts))])


def _list(value: object, source: str, path: str) -> list:
    if not isinstance(value, list):
        raise ExportError(source, "expected a list", path)
    return value


def _pairs(points: list, source: str, path: str, to_seconds: float) -> tuple[np.ndarray, np.ndarray]:
    """[[stamp, value], ...] as (seconds, values); a value may be a number, a numeric string or null."""
    for row, point in enumerate(points):
        if not isinstance(point, list) or len(point) != 2:
            raise ExportError(source, "each point must be a [timestamp, value] pair", path, row)
    stamps = [p[0] for p in points]
    odd = next((row for row, t in enumerate(stamps) if isinstance(t, bool) or not isinstance(t, (int, float))), None)
    if odd is not None:
        raise ExportError(source, "the timestamp must be a number", path, odd)
    seconds = np.array(stamps, dtype=np.float64) * to_seconds
    bad = first_bad_epoch(seconds)
    if bad is not None:
        raise ExportError(source, bad[1], path, bad[0])
    return seconds, _values([p[1] for p in points], source, path)


def _values(values: list, source: str, path: str) -> np.ndarray:
    """Numbers, numeric strings ("NaN" included) or null (missing); true/false and other text are refused."""
    parsed = np.empty(len(values), dtype=np.float64)
    for row, value in enumerate(values):
        if value is None:
            parsed[row] = np.nan
            continue
        if isinstance(value, bool) or not isinstance(value, (int, float, str)):
            raise ExportError(source, "a value must be a number or null", path, row)
        try:
            parsed[row] = float(value)
        except (ValueError, OverflowError):
            raise ExportError(source, f"{quoted(value)} is not a number", path, row) from None
    bad = first_bad_value(parsed)
    if bad is not None:
        raise ExportError(source, bad[1], path, bad[0])
    return parsed


def _names(primary: list[str], secondary: list[str], source: str) -> list[str]:
    """Channel names, each unique: the primary names, or the secondary ones where primaries collide."""
    if not primary:
        raise ExportError(source, "the export holds no series")
    names = primary if len(set(primary)) == len(primary) else secondary
    if len(set(names)) != len(names):
        repeated = next(n for n in names if names.count(n) > 1)
        raise ExportError(source, f"two series are both named {quoted(repeated)}; export them apart")
    return names


def _long(parts: list[tuple[np.ndarray, np.ndarray]], names: list[str], paths: list[str]) -> LongRows:
    sizes = np.array([len(stamps) for stamps, _ in parts], dtype=np.int64)
    offsets = np.r_[0, np.cumsum(sizes)]

    def where(row: int) -> tuple[str, int]:
        part = int(np.searchsorted(offsets, row, side="right") - 1)
        return paths[part], row - int(offsets[part])

    return LongRows(
        stamps=np.concatenate([s for s, _ in parts]) if parts else np.zeros(0),
        codes=np.repeat(np.arange(len(parts), dtype=np.int64), sizes),
        names=names,
        values=np.concatenate([v for _, v in parts]) if parts else np.zeros(0),
        where=where,
    )
