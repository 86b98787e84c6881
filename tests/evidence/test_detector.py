"""The detector baseline: fitted on generated training questions, well above chance on others, its parameters
round-trip through their JSON file (read strictly), and `tsqa fit-detector` / `tsqa eval --model detector` run it."""

import json

import pytest

from tsqa.arfbench import categories as cat
from tsqa.arfbench import generate, write_dataset
from tsqa.arfbench.options import NO_ANOMALY, PRESENCE_NO, PRESENCE_YES
from tsqa.cli import main
from tsqa.evidence.detector import BUNDLED, Detector, DetectorAnswerer, fit_detector, questions
from tsqa.eval.report import build_report
from tsqa.eval.results import read_results


@pytest.fixture
def fitted() -> Detector:
    """A detector with hand-set parameters (fitting is tested on its own)."""
    detector = _detector(threshold=4.0)
    detector.fit = {"data": "by hand", "questions": 0, "accuracy": {}}
    return detector


def test_fit_picks_parameters_from_the_grid_and_beats_chance_on_new_questions():
    from tsqa.evidence.rules import GRIDS, THRESHOLDS

    fitted = fit_detector(questions(generate(240, seed=41), "z"), "z", data="seed-41")
    assert set(fitted.parameters) == set(cat.CATEGORIES)
    for category, params in fitted.parameters.items():
        assert params["threshold"] in THRESHOLDS["z"]
        assert all(params[name] in grid for name, grid in GRIDS[category].items())
    assert fitted.fit["questions"] == 240 and fitted.fit["generator"] == [{"seed": 41}]  # the default profile goes unnamed
    held_out = generate(120, seed=42)
    answers = DetectorAnswerer(fitted).answer(held_out)
    assert all(a.choice in s.options for a, s in zip(answers, held_out))
    accuracy = sum(a.choice == s.answer for a, s in zip(answers, held_out)) / len(held_out)
    assert accuracy >= 0.45  # chance is about 0.24 (presence 1/2, the others 1/5)


def test_nothing_crossing_answers_no_anomaly():
    flat = generate(40, seed=5, categories=[cat.PRESENCE, cat.MAGNITUDE])
    detector = _detector(threshold=1e9)
    answers = DetectorAnswerer(detector).answer(flat)
    for sample, answer in zip(flat, answers):
        assert answer.choice == (PRESENCE_NO if sample.category == cat.PRESENCE else NO_ANOMALY)
    detector.parameters[cat.PRESENCE]["threshold"] = 0.0  # everything crosses
    assert DetectorAnswerer(detector).answer([flat[0]])[0].choice in (PRESENCE_YES, NO_ANOMALY)


def _detector(threshold: float) -> Detector:
    """Every category's first grid values, with one threshold."""
    from tsqa.evidence.rules import GRIDS

    return Detector("z", {c: {"threshold": threshold, **{k: v[0] for k, v in GRIDS[c].items()}} for c in GRIDS})


def test_parameters_round_trip_through_the_file(fitted, tmp_path):
    path = fitted.save(tmp_path / "detector.json")
    loaded = Detector.load(path)
    assert loaded.parameters == fitted.parameters
    assert (loaded.source, loaded.encoder, loaded.fit) == (fitted.source, fitted.encoder, fitted.fit)
    assert json.loads(path.read_text())["format"] == "tsqa-detector"
    samples = generate(24, seed=43)
    assert [a.choice for a in DetectorAnswerer(loaded).answer(samples)] == [
        a.choice for a in DetectorAnswerer(fitted).answer(samples)
    ]


@pytest.mark.parametrize(
    "change, message",
    [
        (lambda d: d.update(extra=1), "unknown fields \\['extra'\\]"),
        (lambda d: d.pop("fit"), "missing fields \\['fit'\\]"),
        (lambda d: d.update(version=2), "version 2"),
        (lambda d: d.update(source="magic"), "source must be one of"),
        (lambda d: d.update(source="band"), "band source needs"),
        (lambda d: d["parameters"].pop(cat.INDICATOR), "exactly the eight categories"),
        (lambda d: d["parameters"][cat.START].pop("merge_gap"), "Anomaly Start.*must have exactly"),
        (lambda d: d["parameters"][cat.START].update(threshold="high"), "Anomaly Start.*threshold.*number"),
        (lambda d: d["parameters"][cat.END].update(threshold=float("nan")), "Anomaly End.*threshold.*number"),
    ],
)
def test_a_bad_file_is_refused_naming_the_field(fitted, tmp_path, change, message):
    data = fitted.to_json()
    change(data)
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(data))
    with pytest.raises(ValueError, match=message):
        Detector.load(path)


def test_not_json_is_refused(tmp_path):
    path = tmp_path / "bad.json"
    path.write_text("{nope")
    with pytest.raises(ValueError, match="bad.json: not JSON"):
        Detector.load(path)


def test_fit_detector_then_eval_and_report_with_the_baselines(tmp_path, capsys):
    train = write_dataset(generate(96, seed=44), tmp_path / "train", images=False).parent
    test = write_dataset(generate(48, seed=45), tmp_path / "test", images=False).parent
    out = tmp_path / "detector.json"
    assert main(["fit-detector", "--data", str(train), "--out", str(out)]) == 0
    assert "Anomaly Indicator:" in capsys.readouterr().out
    assert Detector.load(out).fit["questions"] == 96
    results = tmp_path / "detector.csv"
    argv = ["eval", "--model", f"detector:{out}", "--data", str(test), "--out", str(results), "--no-progress"]
    assert main(argv) == 0
    rows = read_results(results)
    assert len(rows) == 48 and {r.model for r in rows} == {"detector"}
    report = build_report([results])
    assert list(report.baselines) == ["random", "most-frequent", "detector"] and not report.models
    assert main(["eval", "--model", "detector", "--data", str(test), "--out", str(tmp_path / "b.csv"),
                 "--no-progress", "--evidence"]) == 1  # the detector reads no question text
    assert "do not read the question text" in capsys.readouterr().err


def test_the_bundled_detector_loads_and_names_its_training_data():
    detector = Detector.load(BUNDLED)
    assert detector.source == "z" and detector.fit["questions"] >= 2000
    assert {"profile": "default", "seed": 11} in detector.fit["generator"]


def test_a_band_detector_reads_its_forecaster(tmp_path):
    from tsqa.factories.tiny_toto import save_tiny_toto
    from tsqa.encoders.toto import TotoEncoder
    from tsqa.evidence.rules import THRESHOLDS

    toto = save_tiny_toto(tmp_path / "toto")
    encoder = TotoEncoder.from_pretrained(toto)
    fitted = fit_detector(questions(generate(8, seed=46), "band", encoder), "band", encoder=str(toto))
    assert all(p["threshold"] in THRESHOLDS["band"] for p in fitted.parameters.values())
    loaded = Detector.load(fitted.save(tmp_path / "band.json"))
    assert (loaded.source, loaded.encoder) == ("band", str(toto))
    with pytest.raises(ValueError, match="band source"):
        DetectorAnswerer(loaded)
    samples = generate(4, seed=47)
    assert all(a.choice in s.options for a, s in zip(DetectorAnswerer(loaded, encoder).answer(samples), samples))


def test_a_detector_file_too_deep_or_too_long_to_read_is_one_error(tmp_path):
    for content in ("[" * 100_000, '{"rules": ' + "1" * 5000 + "}"):
        path = tmp_path / "detector.json"
        path.write_text(content)
        with pytest.raises(ValueError, match="detector.json: not JSON"):
            Detector.load(path)
