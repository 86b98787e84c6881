"""The labels file (every broken field named, atomic writes), windows placed on a series' grid, and the robust
direction and size proposed for a window."""

import copy
import json

import numpy as np
import pytest

from tsqa.arfbench import options as opt
from tsqa.arfbench.deviation import propose
from tsqa.arfbench.incident_labels import LabelsError, check_labels, place_window, read_labels, write_labels
from tsqa.arfbench.schema import Series


def _broken(kit, change):
    doc = copy.deepcopy(kit.LABELS)
    change(doc)
    return doc


@pytest.mark.parametrize(
    "change, message",
    [
        (lambda d: d.update(schema="other"), "field 'schema': expected 'tsqa.incident-labels'"),
        (lambda d: d.update(version=2), "field 'version': version 2 is not 1"),
        (lambda d: d.pop("pairs"), "missing field(s) ['pairs']"),
        (lambda d: d["series"]["cpu"].update(extra=1), "series 'cpu': unknown field(s) ['extra']"),
        (lambda d: d["series"]["latency"]["windows"][0].update(end=1), "series 'latency', window 0, field 'end'"),
        (lambda d: d["series"]["latency"]["windows"][0].update(start=1.5), "window 0, field 'start'"),
        (lambda d: d["series"]["latency"]["windows"][0].update(channels=["a", "a"]), "listed twice"),
        (lambda d: d["series"]["latency"]["windows"][0].update(direction="sideways"), "field 'direction'"),
        (lambda d: d["series"]["latency"]["windows"][0].update(magnitude_pct=-3), "field 'magnitude_pct'"),
        (lambda d: d["series"]["cpu"].update(windows=d["series"]["latency"]["windows"]), "remove the windows first"),
        (lambda d: d["series"].update({"../x": d["series"]["cpu"]}), "series '../x': '../x' is not a plain name"),
        (lambda d: d["pairs"].append({"series": ["cpu", "cpu"], "relation": "unrelated"}), "paired with itself"),
        (lambda d: d["pairs"].append({"series": ["errors", "latency"], "relation": "unrelated"}), "paired twice"),
        (lambda d: d["pairs"][0].update(relation="before"), "pair 0, field 'relation'"),
        (lambda d: d.update(label_columns="Label"), "field 'label_columns': expected a list of column names"),
        (lambda d: d.update(label_columns=["Label", "Label"]), "field 'label_columns': a column is listed twice"),
        (lambda d: d.update(label_columns=[" "]), "field 'label_columns': expected a list of column names"),
    ],
)
def test_each_broken_field_is_named(kit, change, message):
    with pytest.raises(LabelsError) as caught:
        check_labels(_broken(kit, change), "incident-labels.json")
    assert str(caught.value).startswith("incident-labels.json") and message in str(caught.value)


def test_writes_are_atomic_and_checked_first(tmp_path, kit):
    path = tmp_path / "incident-labels.json"
    assert read_labels(path)["series"] == {}  # no file yet: nothing labelled
    write_labels(path, kit.LABELS)
    assert read_labels(path) == check_labels(kit.LABELS, "x")
    before = path.read_bytes()
    with pytest.raises(LabelsError):
        write_labels(path, _broken(kit, lambda d: d.update(version=0)))
    assert path.read_bytes() == before and [p.name for p in tmp_path.iterdir()] == [path.name]
    path.write_bytes(b"\xff\xfe")
    with pytest.raises(LabelsError, match="not UTF-8"):
        read_labels(path)


def test_windows_round_outwards_to_the_grid_and_stay_inside(kit):
    stamps = kit.START + np.arange(10) * 60
    series = Series("s", ["a", "b"], stamps, np.zeros((10, 2)), 60)
    window = {"channels": ["b"], "start": kit.START + 130, "end": kit.START + 250, "kind": opt.LEVEL_SHIFT,
              "direction": "up", "magnitude_pct": 5.0}
    assert place_window(window, series, "w") == (2, 5, [1])
    assert place_window({**window, "start": None, "end": None}, series, "w") == (0, None, [1])
    for start, end, field in [(kit.START - 1, None, "'start'"), (None, kit.START + 600, "'end'"),
                              (None, kit.START, "'end'")]:
        with pytest.raises(LabelsError, match=f"field {field}.*outside the series"):
            place_window({**window, "start": start, "end": end}, series, "w")
    assert place_window({**window, "start": kit.START + 125, "end": kit.START + 130}, series, "w") == (2, 3, [1])


def test_proposals_are_robust_and_signed():
    rng = np.random.default_rng(0)
    values = 50 * (1 + 0.03 * rng.standard_t(4, size=(600, 3)))  # heavy-tailed noise
    values[200:300, 0] *= 0.6  # a 40% drop on channel a
    values[400:403, 2] += 150  # a 300% spike on channel c
    values[50, 1] = 5000  # one wild point outside the windows: the median and MAD ignore it
    channels = ["a", "b", "c"]
    drop = propose(channels, values, 200, 300)
    assert drop.suggested_channels == ["a"] and drop.direction == "down"
    assert drop.magnitude_pct == pytest.approx(40, abs=3)
    spike = propose(channels, values, 400, 403, kind=opt.TRANSIENT_SPIKE)
    assert spike.suggested_channels == ["c"] and spike.magnitude_pct == pytest.approx(300, abs=30)
    assert propose(channels, values, 400, 403, kind=opt.VARIANCE).direction == "up"  # two-sided kinds count as up
    zero = np.zeros((100, 1))
    zero[40:50] = 3.0
    flat = propose(["z"], zero, 40, 50)
    assert flat.suggested_channels == ["z"] and flat.direction == "up" and flat.magnitude_pct is None
    with pytest.raises(ValueError, match="outside"):
        propose(channels, values, 590, 700)
    assert json.dumps(drop.channels[0].deviation(None))  # a plain float for the page
