"""The exports on-call engineers have, recognised by content: fixtures written from each format's public
documentation (Prometheus HTTP API `query_range`, Datadog `/api/v1/query`, CloudWatch `GetMetricData`)."""

import json

import numpy as np
import pandas as pd
import pytest

from tsqa.arfbench.exports import ExportError, load_series

START = 1_700_000_100
STEPS = 8


def _prometheus() -> dict:
    """Two label sets of one metric, values as strings, stamps as float seconds (the API's own layout)."""
    def result(instance: str, offset: float) -> dict:
        return {"metric": {"__name__": "node_cpu_seconds_total", "instance": instance, "job": "node"},
                "values": [[START + 15 * i + 0.0, f"{offset + i:.1f}"] for i in range(STEPS)]}

    return {"status": "success", "data": {"resultType": "matrix",
                                          "result": [result("web-1:9100", 0.0), result("web-0:9100", 100.0)]}}


def _datadog() -> dict:
    """`/api/v1/query` for `avg:system.cpu.user{*} by {host}`: pointlist in milliseconds, a null in it."""
    def series(host: str, offset: float) -> dict:
        points = [[(START + 60 * i) * 1000.0, offset + i] for i in range(STEPS)]
        points[3][1] = None
        return {"metric": "system.cpu.user", "display_name": "system.cpu.user", "scope": f"host:{host}",
                "tag_set": [f"host:{host}"], "expression": f"avg:system.cpu.user{{host:{host}}}", "interval": 60,
                "length": STEPS, "aggr": "avg", "pointlist": points, "start": START * 1000, "end": 0, "unit": None}

    return {"status": "ok", "res_type": "time_series", "from_date": START * 1000, "to_date": 0,
            "query": "avg:system.cpu.user{*} by {host}", "group_by": ["host"],
            "series": [series("b", 10.0), series("a", 0.0)]}


def _cloudwatch(stamps_as: str = "iso") -> dict:
    """`aws cloudwatch get-metric-data` output: newest first (the default ScanBy), ISO 8601 stamps."""
    stamps = [START + 300 * i for i in range(STEPS)][::-1]
    shown = [pd.Timestamp(t, unit="s", tz="UTC").isoformat() for t in stamps] if stamps_as == "iso" else stamps
    return {"MetricDataResults": [
        {"Id": "m1", "Label": "CPUUtilization", "Timestamps": shown, "Values": [float(i) for i in range(STEPS)][::-1],
         "StatusCode": "Complete"},
        {"Id": "m2", "Label": "NetworkIn", "Timestamps": shown, "Values": [10.0 * i for i in range(STEPS)][::-1],
         "StatusCode": "Complete"},
    ], "Messages": []}


def _write(tmp_path, document: dict, name: str = "export.json"):
    path = tmp_path / name
    path.write_text(json.dumps(document, indent=1))
    return path


def test_prometheus_query_range_gives_a_channel_per_label_set(tmp_path):
    series = load_series(_write(tmp_path, _prometheus()))
    assert series.channels == ["instance:web-0:9100,job:node", "instance:web-1:9100,job:node"]
    assert series.interval == 15 and series.timestamps[0] == START
    np.testing.assert_array_equal(series.values, np.stack([100.0 + np.arange(STEPS), np.arange(STEPS)], axis=1))
    assert series.repairs == []


def test_prometheus_metric_names_tell_apart_series_with_the_same_labels(tmp_path):
    document = _prometheus()
    for item, name in zip(document["data"]["result"], ["up", "scrape_duration_seconds"]):
        item["metric"] = {"__name__": name, "job": "node"}
    assert load_series(_write(tmp_path, document)).channels == ["scrape_duration_seconds job:node", "up job:node"]


def test_datadog_pointlist_in_milliseconds_with_nulls(tmp_path):
    series = load_series(_write(tmp_path, _datadog(), "dd.txt"))  # the name says nothing; the content does
    assert series.channels == ["host:a", "host:b"] and series.interval == 60 and series.timestamps[0] == START
    assert np.isnan(series.values[3]).all()
    np.testing.assert_array_equal(series.values[4], [4.0, 14.0])


@pytest.mark.parametrize("stamps_as", ["iso", "epoch"])
def test_cloudwatch_newest_first_is_read_oldest_first(tmp_path, stamps_as):
    series = load_series(_write(tmp_path, _cloudwatch(stamps_as)))
    assert series.channels == ["CPUUtilization", "NetworkIn"] and series.interval == 300
    np.testing.assert_array_equal(series.timestamps, START + 300 * np.arange(STEPS))
    np.testing.assert_array_equal(series.values[:, 0], np.arange(STEPS))
    assert series.repairs == [f"the {2 * STEPS} rows ran newest first: read oldest first"]


def test_cloudwatch_partial_data_is_reported(tmp_path):
    document = _cloudwatch()
    document["MetricDataResults"][1]["StatusCode"] = "PartialData"
    series = load_series(_write(tmp_path, document))
    assert "CloudWatch marked NetworkIn PartialData (the export may hold only part of its data)" in series.repairs


def test_exports_go_through_the_same_repairs(tmp_path):
    document = _prometheus()
    document["data"]["result"][0]["values"][2][0] += 3.4  # a late scrape
    series = load_series(_write(tmp_path, document))
    assert series.repairs == ["1 stamp moved by up to 3.4 s onto the 15 s grid"]
    with pytest.raises(ExportError, match=r"column 'data.result\[0\].values', row 2: timestamp .* is 3.4 s off"):
        load_series(_write(tmp_path, document), strict=True)


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ({"status": "success", "data": {"resultType": "vector", "result": []}}, "export a range query"),
        ({"status": "error", "errorType": "bad_data", "error": "parse error"}, "holds an error"),
        ({"series": [{"pointlist": [[1.7e12, True]], "scope": "*", "metric": "m"}]}, r"series\[0\].pointlist', row 0: "
                                                                                      "a value must be a number"),
        ({"series": [{"pointlist": [[1.7e12, "high"]], "scope": "*", "metric": "m"}]}, "'high' is not a number"),
        ({"MetricDataResults": [{"Id": "m1", "Timestamps": [1, 2], "Values": [1.0]}]}, "2 Timestamps for 1 Values"),
        ({"data": {"resultType": "matrix", "result": [{"metric": {"a": "1"}, "values": [[1.7e9, "1"]]},
                                                      {"metric": {"a": "1"}, "values": [[1.7e9, "2"]]}]}},
         "two series are both named 'a:1'"),
        ([1, 2, 3], "JSON, but not a Prometheus"),
    ],
)
def test_broken_exports_are_refused_with_the_place(tmp_path, document, message):
    with pytest.raises(ExportError, match=message):
        load_series(_write(tmp_path, document))


def test_a_truncated_json_export_is_one_clear_error(tmp_path):
    path = tmp_path / "cut.json"
    path.write_text(json.dumps(_prometheus())[:-30])
    with pytest.raises(ExportError, match="cut.json: cannot be read as JSON"):
        load_series(path)
