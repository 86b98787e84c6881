"""Questions built from labels: every category's answer checked against the labels it came from, the option rules of
`tsqa synth`, balance where the labels allow it, and a dataset that validate, eval and training read."""

import json

import numpy as np
import pytest

from tsqa.arfbench import categories as cat
from tsqa.arfbench import load_dataset
from tsqa.arfbench import options as opt
from tsqa.arfbench.answer_classes import answer_class
from tsqa.arfbench.incident_labels import check_labels
from tsqa.arfbench.options import format_timestamp
from tsqa.arfbench.schema import Series
from tsqa.arfbench.synth.labelled import labelled_questions
from tsqa.arfbench.synth.questions import MAGNITUDES
from tsqa.arfbench.synth.timeline import option_gap
from tsqa.cli import main
from tsqa.eval.results import read_results
from tsqa.training.data import load_training_data
from tsqa.training.descriptions import descriptive_samples
from tsqa.training.recipes import load_recipe


@pytest.fixture(scope="module")
def built(kit):
    series = {name: Series(name, channels, kit.START + np.arange(kit.STEPS) * kit.INTERVAL, kit.series_values(name),
                           kit.INTERVAL) for name, (channels, _) in kit.SERIES.items()}
    return labelled_questions(check_labels(kit.LABELS, "labels"), series, seed=3, per_unit=4)


def _by(built, category):
    found = [s for s in built.samples if s.category == category]
    assert found, category
    return found


def _windows(kit, name):
    return kit.LABELS["series"][name]["windows"]


def _stamps(sample):
    return sorted(o for o in sample.options if o[:2] == "20")


def test_every_answer_bins_to_its_scheduled_class_with_the_right_option_count(built):
    assert {s.category for s in built.samples} == set(cat.CATEGORIES)
    for s in built.samples:
        assert len(s.options) == cat.OPTION_COUNT[s.category] and len(set(s.options)) == len(s.options)
        assert answer_class(s.answer, s.options, s.category) == s.meta["answer_class"]
        assert s.meta["generator"]["labels"] == "incident-labels.json"
    keys = [(s.query_group, s.category, s.meta["answer_class"]) for s in built.samples]
    assert len(keys) == len(set(keys))  # per series and category: each question of another answer class


def test_presence_follows_the_labels(built, kit):
    for s in _by(built, cat.PRESENCE):
        has_windows = bool(_windows(kit, s.query_group))
        assert s.answer == (opt.PRESENCE_YES if has_windows else opt.PRESENCE_NO)
    assert len(_by(built, cat.PRESENCE)) == 5


def test_start_is_the_labelled_onset_among_spaced_grid_times(built, kit):
    gap_seconds = option_gap(kit.STEPS) * kit.INTERVAL
    seen = set()
    for s in _by(built, cat.START):
        windows = _windows(kit, s.query_group)
        if not windows:
            assert s.answer == opt.NO_ANOMALY
        elif windows[0]["start"] is None:
            assert s.answer == opt.BEFORE_EARLIEST and s.meta["series"][0]["anomaly"]["before_window"]
        else:
            assert s.answer == format_timestamp(windows[0]["start"])
        epochs = [int(np.datetime64(t.replace(" ", "T")).astype("datetime64[s]").astype(int)) for t in _stamps(s)]
        assert len(epochs) == (3 if opt.BEFORE_EARLIEST in s.options else 4)
        assert all((e - kit.START) % kit.INTERVAL == 0 for e in epochs)
        assert all(b - a >= gap_seconds for a, b in zip(epochs, epochs[1:]))
        seen.add(s.meta["answer_class"])
    assert {"earliest", "early", "medium", "late", "no_anomaly"} <= seen


def test_end_is_the_labelled_recovery(built, kit):
    for s in _by(built, cat.END):
        windows = _windows(kit, s.query_group)
        if not windows:
            assert s.answer == opt.NO_ANOMALY
        elif windows[0]["end"] is None:
            assert s.answer == opt.NOT_RESOLVED
            onset = windows[0]["start"]
            assert all(t > format_timestamp(onset) for t in _stamps(s))  # still under way at every option
        else:
            assert s.answer == format_timestamp(windows[0]["end"])


def test_categorization_is_the_labelled_kind(built, kit):
    for s in _by(built, cat.CATEGORIZATION):
        windows = _windows(kit, s.query_group)
        assert s.answer == (windows[0]["kind"] if windows else opt.NO_ANOMALY)
        assert s.answer in s.options and len(s.options) == 5


def test_magnitude_is_the_option_size_nearest_the_labelled_one(built, kit):
    for s in _by(built, cat.MAGNITUDE):
        windows = _windows(kit, s.query_group)
        shown = [int(o) for o in s.options if o != opt.NO_ANOMALY]
        assert sorted(shown) == list(MAGNITUDES[MAGNITUDES.index(min(shown)) :][:4])  # 4 consecutive sizes
        if not windows:
            assert s.answer == opt.NO_ANOMALY
            continue
        labelled = windows[0]["magnitude_pct"]
        assert s.answer == f"{min(MAGNITUDES, key=lambda m: abs(np.log(m / labelled))):g}"
    classes = {s.meta["answer_class"] for s in _by(built, cat.MAGNITUDE) if s.query_group == "latency"}
    assert classes == {"smallest", "small", "medium"}  # 60% -> 50, the third size: it cannot be the largest shown


def test_identification_names_exactly_the_labelled_channels_among_the_listed(built, kit):
    for s in _by(built, cat.IDENTIFICATION):
        labelled = {c for w in _windows(kit, s.query_group) for c in w["channels"]}
        listed = set(s.meta["listed_channels"])
        assert len(listed) == 3
        if s.answer == opt.NO_ANOMALY_LISTED:
            assert not labelled & listed
        else:
            assert set(s.answer.split(opt.CHANNEL_JOIN)) == labelled and labelled <= listed
    assert any("queue: Anomaly Identification" in reason for reason in built.skipped)  # one channel only


def test_pair_answers_follow_the_mark_and_the_order_shown(built, kit):
    answers = {(s.category, s.query_group): s.answer for s in built.samples if s.category in cat.PAIRED}
    assert answers == {
        (cat.CORRELATION, "latency, errors"): opt.CORRELATED,
        (cat.CORRELATION, "cpu, queue"): opt.ONLY_SECOND,
        (cat.CORRELATION, "queue, cpu"): opt.ONLY_FIRST,
        (cat.INDICATOR, "latency, errors"): opt.LEADING,
        (cat.INDICATOR, "errors, latency"): opt.LAGGING,
        (cat.INDICATOR, "cpu, queue"): opt.INDICATOR_NO_ANOMALY,
    }
    lead = next(s for s in built.samples if s.category == cat.INDICATOR and s.query_group == "latency, errors")
    assert lead.meta["relation"] == {"relation": "leading", "lag_steps": 10, "lag_seconds": 600}
    assert lead.question.split("\n")[1] == "Time-series 1: max:latency.p99{env:prod} by {dc}"


def test_classes_are_balanced_where_the_labels_leave_a_choice(kit):
    """Thirty series each with one level shift of 100% in the middle: every start, end and magnitude class is
    possible, and
    the least-drawn choice keeps the counts within one of each other."""
    labels = {"schema": "tsqa.incident-labels", "version": 1, "series": {}, "pairs": []}
    series = {}
    stamps = kit.START + np.arange(kit.STEPS) * kit.INTERVAL
    for k in range(30):
        name = f"s{k}"
        series[name] = Series(name, kit.SERIES["latency"][0], stamps, kit.series_values("latency"), kit.INTERVAL)
        labels["series"][name] = {"no_anomaly": False, "caption": "",
                                  "windows": [kit.window(["dc:c"], 300, 420, "Level Shift", 100)]}
    built = labelled_questions(check_labels(labels, "labels"), series, seed=0,
                               categories=[cat.START, cat.END, cat.MAGNITUDE])
    for category in (cat.START, cat.END, cat.MAGNITUDE):
        classes = [s.meta["answer_class"] for s in built.samples if s.category == category]
        counts = [classes.count(c) for c in set(classes)]
        assert len(classes) == 30 and len(set(classes)) == 4 and max(counts) - min(counts) <= 1
        positions = [s.options.index(s.answer) for s in built.samples if s.category == category]
        assert max(positions.count(p) for p in range(5)) - min(positions.count(p) for p in range(5)) <= 1


def test_the_command_writes_a_dataset_validate_eval_and_training_accept(labelled, tmp_path, capsys):
    out = tmp_path / "questions"
    assert main(["label", "questions", str(labelled), "--out", str(out), "--seed", "1", "--per-series", "2"]) == 0
    printed = capsys.readouterr().out
    assert "skipped: queue: Anomaly Identification" in printed and "questions about 5 labelled series" in printed
    assert main(["validate", str(out), "--require-images"]) == 0
    samples = load_dataset(out)
    assert {s.category for s in samples} == set(cat.CATEGORIES)
    assert (out / "arfbench-images" / "latency-errors.png").is_file()
    results = tmp_path / "random.csv"
    assert main(["eval", "--model", "random", "--data", str(out), "--out", str(results), "--no-progress"]) == 0
    assert len(read_results(results)) == len(samples)
    train, held_out = load_training_data(load_recipe("tiny"), str(out), None, None)
    assert len(train) + len(held_out) == len(samples) and held_out
    assert len(descriptive_samples(samples, seed=0)) == len(samples)  # the labels are ground truth for alignment
    again = tmp_path / "again"
    assert main(["label", "questions", str(labelled), "--out", str(again), "--seed", "1", "--per-series", "2",
                 "--no-images"]) == 0
    assert (again / "arfbench-qa.csv").read_bytes() == (out / "arfbench-qa.csv").read_bytes()


def test_labels_the_dataset_does_not_hold_are_reported(labelled, tmp_path, capsys, kit):
    labels = json.loads(json.dumps(kit.LABELS))
    labels["series"]["gone"] = {"no_anomaly": True, "caption": "", "windows": []}
    kit.write_labels(labelled, labels)
    (labelled / "queue.csv").unlink()
    assert main(["label", "questions", str(labelled), "--out", str(tmp_path / "q"), "--no-images"]) == 0
    printed = capsys.readouterr().out
    assert "skipped: gone: labelled, but no such series in the dataset" in printed
    assert "skipped: queue: labelled, but no such series" in printed
    assert "skipped: cpu, queue: paired, but not both series are labelled" in printed
    assert main(["label", "questions", str(labelled), "--out", str(labelled)]) == 1
    assert "is the labelled folder itself" in capsys.readouterr().err
