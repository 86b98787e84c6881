"""`tsqa label import`: each label shape into the labels file (values checked against the series the test builds),
round trips through `tsqa label questions` and `tsqa validate`, and bad input refused by name."""

import json

import numpy as np
import pandas as pd
import pytest

from tsqa.arfbench import categories as cat
from tsqa.arfbench import load_dataset
from tsqa.arfbench.incident_labels import read_labels
from tsqa.cli import main
from tsqa.label.sources import open_source

START = 1_717_200_000
STEPS = 240
CHANNELS = ["cpu", "mem", "net", "lat"]


def _write(folder, name, shifts):
    """A series of STEPS minutes, level 100 with 1% noise; shifts: {channel: (onset, stop, +relative)}."""
    rng = np.random.default_rng(len(name))
    values = 100 * (1 + 0.01 * rng.standard_normal((STEPS, len(CHANNELS))))
    for channel, (onset, stop, change) in shifts.items():
        values[onset:stop, CHANNELS.index(channel)] *= 1 + change
    frame = pd.DataFrame(values, columns=CHANNELS)
    frame.insert(0, "timestamp", START + 60 * np.arange(STEPS))
    frame.to_csv(folder / f"{name}.csv", index=False)


@pytest.fixture
def data(tmp_path):
    folder = tmp_path / "data"
    folder.mkdir()
    _write(folder, "web", {"cpu": (100, 130, 0.5)})
    _write(folder, "db", {"mem": (102, 140, -0.4), "lat": (102, 140, -0.4)})
    _write(folder, "idle", {})
    return folder


def _import(capsys, *argv):
    code = main(["label", "import", *map(str, argv)])
    return code, capsys.readouterr()


def _labels(data):
    return read_labels(data / "incident-labels.json")


def epoch(step):
    return START + 60 * step


def test_windows_csv_places_exact_steps_and_proposes_channels_direction_and_size(data, tmp_path, capsys):
    table = tmp_path / "windows.csv"
    table.write_text("series,start,end,channels,kind\n"
                     f"web,{epoch(100)},{epoch(130)},cpu,level shift\n"
                     "db,2024-06-01 01:42:00,2024-06-01 02:20:00,,outage\n"
                     "idle,,,,normal\n")
    code, out = _import(capsys, "windows", table, "--data", data, "--kind-map", "outage=Level Shift")
    assert code == 0, out.err
    labels = _labels(data)
    web, = labels["series"]["web"]["windows"]
    assert (web["start"], web["end"], web["channels"], web["kind"], web["direction"]) == (
        epoch(100), epoch(130), ["cpu"], "Level Shift", "up")
    assert web["magnitude_pct"] == pytest.approx(50, abs=3)
    db, = labels["series"]["db"]["windows"]
    assert (db["start"], db["end"], db["channels"], db["direction"]) == (epoch(102), epoch(140), ["mem", "lat"], "down")
    assert labels["series"]["idle"]["no_anomaly"]
    assert "inferred: windows.csv, row 3: channels ['mem', 'lat']" in out.out
    assert labels["meta"]["imports"][0]["shape"] == "windows"


def test_points_runs_become_windows_with_exact_onset_and_end(data, tmp_path, capsys):
    labels_dir = tmp_path / "points"
    labels_dir.mkdir()
    rows = np.zeros(STEPS, dtype=int)
    rows[100:130] = 1
    (labels_dir / "web.csv").write_text("\n".join(map(str, rows)) + "\n")
    tail = np.zeros(STEPS, dtype=int)
    tail[102:] = 1
    (labels_dir / "db.csv").write_text("timestamp,label\n" + "".join(f"{epoch(s)},{v}\n" for s, v in enumerate(tail)))
    (labels_dir / "idle.csv").write_text("label\n" + "0\n" * STEPS)
    code, out = _import(capsys, "points", *sorted(labels_dir.iterdir()), "--data", data)
    assert code == 0, out.err
    labels = _labels(data)
    web, = labels["series"]["web"]["windows"]
    assert (web["start"], web["end"], web["channels"], web["kind"]) == (epoch(100), epoch(130), ["cpu"], "Other")
    db, = labels["series"]["db"]["windows"]
    assert (db["start"], db["end"]) == (epoch(102), None)  # the run reaches the last row: not resolved
    assert labels["series"]["idle"] == {"no_anomaly": True, "windows": [], "caption": ""}


def test_segments_with_channel_lists_and_types(data, tmp_path, capsys):
    (tmp_path / "web.txt").write_text("100-129:1\n200-209:2,3\n")
    types = tmp_path / "types.csv"
    types.write_text("dataset,anomaly_segment,anomaly_type\nweb,100-129,metric\nweb,200-209,temporal\n")
    code, out = _import(capsys, "segments", tmp_path / "web.txt", "--data", data, "--types", types,
                        "--kind-map", "metric=Level Shift")
    assert code == 0, out.err
    first, second = _labels(data)["series"]["web"]["windows"]
    assert (first["start"], first["end"], first["channels"], first["kind"]) == (epoch(100), epoch(130), ["cpu"],
                                                                                 "Level Shift")
    assert (second["start"], second["end"], second["channels"], second["kind"]) == (epoch(200), epoch(210),
                                                                                     ["mem", "net"], "Other")
    assert "kind 'temporal' names none of the benchmark's kinds -> Other" in out.out


def test_fault_log_end_inferred_by_the_stated_rule(data, tmp_path, capsys):
    log = tmp_path / "faults.csv"
    log.write_text("time,component,kind\n"
                   f"{epoch(100) - 20},we,cpu_hog\n"  # 20 s before a step: the onset is the next step
                   f"{epoch(102) - 5},db,disk_full\n"
                   f"{epoch(180)},idle,cpu_hog\n")  # the data shows nothing: skipped
    code, out = _import(capsys, "faults", log, "--data", data, "--channel", "cpu_hog=cpu", "--horizon", "60",
                        "--kind-map", "cpu_hog=Level Shift")
    assert code == 0, out.err
    labels = _labels(data)
    web, = labels["series"]["web"]["windows"]
    assert (web["start"], web["end"], web["channels"], web["kind"]) == (epoch(100), epoch(130), ["cpu"],
                                                                         "Level Shift")
    db, = labels["series"]["db"]["windows"]
    assert (db["start"], db["end"], db["kind"]) == (epoch(102), epoch(140), "Other")
    assert "idle" not in labels["series"]
    assert "skipped: faults.csv, row 4: cpu_hog on idle: no step within 60 steps (the first 3 for its start)" in out.out
    assert "robust deviations" in labels["meta"]["imports"][0]["end_rule"]


def test_pairs_stated_or_read_from_onsets(data, tmp_path, capsys):
    table = tmp_path / "windows.csv"
    table.write_text(f"series,start,end\nweb,{epoch(100)},{epoch(130)}\nidle,,\n")
    pairs = tmp_path / "pairs.csv"
    pairs.write_text("first,second,relation\ndb,web,shared_cause\n")
    code, out = _import(capsys, "windows", table, "--data", data, "--pairs", pairs)
    assert code == 1 and "windows.csv, row 3: a window needs a start or an end" in out.err
    table.write_text(f"series,start,end\nweb,{epoch(100)},{epoch(130)}\ndb,{epoch(102)},{epoch(140)}\n")
    code, out = _import(capsys, "windows", table, "--data", data, "--pairs", pairs)
    assert code == 0, out.err
    assert _labels(data)["pairs"] == [{"series": ["db", "web"], "relation": "second_leads"}]
    assert "inferred: pairs.csv, row 2: shared_cause -> second_leads" in out.out


def test_round_trip_through_questions_validate_and_the_labels_page_reader(data, tmp_path, capsys):
    table = tmp_path / "windows.csv"
    table.write_text(f"series,start,end,kind\nweb,{epoch(100)},{epoch(130)},Level Shift\n"
                     f"db,{epoch(102)},{epoch(140)},Level Shift\nidle,,,normal\n")
    pairs = tmp_path / "pairs.csv"
    pairs.write_text("first,second,relation\nweb,db,leads\nweb,idle,unrelated\n")
    assert _import(capsys, "windows", table, "--data", data, "--pairs", pairs)[0] == 0
    out = tmp_path / "questions"
    assert main(["label", "questions", str(data), "--out", str(out), "--no-images", "--per-series", "2"]) == 0
    capsys.readouterr()
    assert main(["validate", str(out), "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["ok"]
    assert set(summary["summary"]["questions_per_category"]) == set(cat.CATEGORIES)
    samples = load_dataset(out)
    starts = {s.answer for s in samples if s.category == cat.START}
    assert "2024-06-01 01:40:00" in starts  # epoch(100), the imported window's exact onset


def _refused(capsys, *argv):
    code, out = _import(capsys, *argv)
    assert code == 1 and out.err.count("\n") == 1, out.err  # one line, no traceback
    return out.err


def test_refusals_name_what_is_wrong_and_leave_the_labels_file_alone(data, tmp_path, capsys):
    good = tmp_path / "good.csv"
    good.write_text(f"series,start,end\nweb,{epoch(100)},{epoch(130)}\n")
    assert _import(capsys, "windows", good, "--data", data)[0] == 0
    before = (data / "incident-labels.json").read_bytes()

    extra = tmp_path / "extra.csv"
    extra.write_text(f"series,start,end,severity\ndb,{epoch(1)},{epoch(9)},high\n")
    assert "unknown column(s) ['severity']" in _refused(capsys, "windows", extra, "--data", data)

    outside = tmp_path / "outside.csv"
    outside.write_text(f"series,start,end\ndb,{epoch(100)},{epoch(STEPS + 50)}\n")
    assert "outside the series" in _refused(capsys, "windows", outside, "--data", data)

    overlap = tmp_path / "overlap.csv"
    overlap.write_text(f"series,start,end,channels\ndb,{epoch(100)},{epoch(140)},mem\n"
                       f"db,{epoch(120)},{epoch(150)},mem;lat\n")
    err = _refused(capsys, "windows", overlap, "--data", data)
    assert "overlap.csv, row 3: overlaps overlap.csv, row 2" in err

    again = tmp_path / "again.csv"
    again.write_text(f"series,start,end\nweb,{epoch(10)},{epoch(20)}\n")
    assert "already labelled" in _refused(capsys, "windows", again, "--data", data)

    (tmp_path / "db.txt").write_text("100-300:1\n")
    assert "outside series 'db'" in _refused(capsys, "segments", tmp_path / "db.txt", "--data", data)
    (tmp_path / "db.txt").write_text("100-120:7\n")
    assert "channel number(s) [7] outside 1-4" in _refused(capsys, "segments", tmp_path / "db.txt", "--data", data)

    (tmp_path / "db.csv").write_text("0\n1\n")
    assert "2 label rows but series 'db' has 240 steps" in _refused(capsys, "points", tmp_path / "db.csv",
                                                                    "--data", data)
    (tmp_path / "db.csv").write_text("label,severity\n0,1\n")
    assert "unknown column(s) ['severity']" in _refused(capsys, "points", tmp_path / "db.csv", "--data", data)

    log = tmp_path / "log.csv"
    log.write_text(f"time,component,kind\n{epoch(100)},nosuch,cpu\n")
    assert "component 'nosuch' names 0 series" in _refused(capsys, "faults", log, "--data", data)

    pairs = tmp_path / "pairs.csv"
    pairs.write_text("first,second,relation\nweb,db,before\n")
    assert "'before' is not one of" in _refused(capsys, "pairs", pairs, "--data", data)
    assert (data / "incident-labels.json").read_bytes() == before


def _shifted_with_labels(rng):
    """(values around 100 raised by 50 on steps 100-129, their 0/1 labels)."""
    value = 100 + rng.standard_normal(STEPS)
    value[100:130] += 50
    label = np.zeros(STEPS, dtype=int)
    label[100:130] = 1
    return value, label


def test_points_read_from_the_series_file_leave_its_label_columns_out_of_every_series(tmp_path, capsys):
    """Labels kept beside the values (`timestamp;value;label`, semicolons, a row missing inside the anomaly): the
    window is exact and unbroken, and neither the label nor a second label column given to --hide-column is a channel
    of the questions built afterwards."""
    folder = tmp_path / "data"
    folder.mkdir()
    value, label = _shifted_with_labels(np.random.default_rng(0))
    change = np.zeros(STEPS, dtype=int)
    change[100] = 1
    rows = [f"{epoch(s)};{value[s]:.3f};{label[s]};{change[s]}\n" for s in range(STEPS) if s != 115]
    (folder / "api.csv").write_text("TimeStamp;Value;Label;changepoint\n" + "".join(rows))
    code, out = _import(capsys, "points", folder / "api.csv", "--data", folder, "--column", "Label",
                        "--hide-column", "changepoint")
    assert code == 0, out.err
    labels = _labels(folder)
    assert labels["label_columns"] == ["changepoint", "Label"]
    window, = labels["series"]["api"]["windows"]
    assert (window["start"], window["end"], window["channels"], window["direction"]) == (
        epoch(100), epoch(130), ["Value"], "up")
    assert "column 'Label' holds labels, not a metric" in out.out
    questions = tmp_path / "questions"
    assert main(["label", "questions", str(folder), "--out", str(questions), "--no-images", "--per-series", "2"]) == 0
    capsys.readouterr()
    samples = load_dataset(questions)
    assert samples and {tuple(s.series[0].channels) for s in samples} == {("Value",)}
    assert open_source([folder]).load("api").channels == ["Value"]  # as the labelling page reads it

    elsewhere = tmp_path / "api.csv"
    elsewhere.write_text("TimeStamp;Value;Label\n" + "".join(f"{epoch(s)};1;0\n" for s in range(STEPS)))
    err = _refused(capsys, "points", elsewhere, "--data", folder, "--column", "Label", "--replace")
    assert "unknown column(s) ['value']" in err and "read from that file in the --data folder" in err


def test_windows_json_per_file_as_anomaly_benchmarks_publish_them(data, tmp_path, capsys):
    table = tmp_path / "windows.json"
    table.write_text(json.dumps({
        "services/web.csv": [["2024-06-01 01:40:00.000000", "2024-06-01 02:09:00.000000"]],  # both ends inside
        "services/idle.csv": [],
        "elsewhere/absent.csv": [[epoch(1), epoch(2)]],
    }))
    code, out = _import(capsys, "windows", table, "--data", data)
    assert code == 0, out.err
    labels = _labels(data)
    web, = labels["series"]["web"]["windows"]
    assert (web["start"], web["end"], web["channels"], web["kind"]) == (epoch(100), epoch(130), ["cpu"], "Other")
    assert labels["series"]["idle"]["no_anomaly"]
    assert "skipped: windows.json: 1 file(s) with no series in the folder: 'elsewhere/absent.csv'" in out.out

    (tmp_path / "bad.json").write_text(json.dumps({"db.csv": [["2024-06-01 01:40:00"]]}))
    assert "expected [start, end]" in _refused(capsys, "windows", tmp_path / "bad.json", "--data", data)
    (tmp_path / "twice.json").write_text(json.dumps({"a/db.csv": [], "b/db.csv": [[epoch(1), epoch(9)]]}))
    err = _refused(capsys, "windows", tmp_path / "twice.json", "--data", data)
    assert "names series 'db' as 'a/db.csv' does" in err
    semicolons = tmp_path / "windows.csv"
    semicolons.write_text("series;start;end\ndb;2024-06-01T03:42:00+02:00;2024-06-01 02:20:00 UTC\n")  # = 102, 140
    assert _import(capsys, "windows", semicolons, "--data", data)[0] == 0
    db, = _labels(data)["series"]["db"]["windows"]
    assert (db["start"], db["end"]) == (epoch(102), epoch(140))


def test_points_from_a_parquet_series_file_and_a_hidden_column_no_series_has(tmp_path, capsys):
    folder = tmp_path / "data"
    folder.mkdir()
    value = np.full(STEPS, 100.0) + np.random.default_rng(1).standard_normal(STEPS)
    value[60:90] *= 2
    label = np.zeros(STEPS, dtype=int)
    label[60:90] = 1
    stamps = pd.to_datetime(START + 60 * np.arange(STEPS), unit="s")
    pd.DataFrame({"timestamp": stamps, "value": value, "is_anomaly": label}).to_parquet(folder / "disk.parquet")
    code, out = _import(capsys, "points", folder / "disk.parquet", "--data", folder, "--column", "is_anomaly",
                        "--hide-column", "host_id")
    assert code == 0, out.err
    window, = _labels(folder)["series"]["disk"]["windows"]
    assert (window["start"], window["end"], window["channels"]) == (epoch(60), epoch(90), ["value"])
    assert "skipped: --hide-column: no series read by this import has a column 'host_id'" in out.out
    (folder / "notes.csv").write_bytes(b"\x80\x81label\n")
    assert "not UTF-8 text" in _refused(capsys, "points", folder / "notes.csv", "--data", folder)
    (tmp_path / "windows.csv").write_bytes(b"series,start,end\n\xff\xfe,1,2\n")
    assert "windows.csv: not UTF-8 text" in _refused(capsys, "windows", tmp_path / "windows.csv", "--data", folder)
    (tmp_path / "disk.csv").write_text("timestamp,label\n")
    assert "a header but no label rows" in _refused(capsys, "points", tmp_path / "disk.csv", "--data", folder)


def test_rows_are_placed_as_the_series_reader_places_them_and_sparse_label_files_keep_windows_apart(tmp_path, capsys):
    """A series file whose stamps jitter by up to 3 s keeps its exact onset and end; a header with spaces after the
    commas still hides its label column; a label file listing only some rows (2 s early, true/false) does not merge
    two windows."""
    folder = tmp_path / "data"
    folder.mkdir()
    rng = np.random.default_rng(2)
    value, label = _shifted_with_labels(rng)
    jitter = rng.integers(-3, 4, STEPS)
    jitter[100] = 3
    (folder / "web.csv").write_text("timestamp, value, label\n" + "".join(
        f"{epoch(s) + jitter[s]}, {value[s]:.3f}, {label[s]}\n" for s in range(STEPS)))
    assert _import(capsys, "points", folder / "web.csv", "--data", folder)[0] == 0
    window, = _labels(folder)["series"]["web"]["windows"]
    assert (window["start"], window["end"], window["channels"]) == (epoch(100), epoch(130), [" value"])
    assert open_source([folder]).load("web").channels == [" value"]  # named as the reader names it; no label

    _write(folder, "db", {"mem": (50, 60, 0.5), "lat": (150, 160, 0.5)})
    sparse = tmp_path / "db.csv"
    rows = [(0, 0)] + [(s, 1) for s in range(50, 60)] + [(s, 1) for s in range(150, 160)] + [(STEPS - 1, 0)]
    sparse.write_text("timestamp,label\n" + "".join(f"{epoch(s) - 2},{'true' if v else 'False'}\n" for s, v in rows))
    assert _import(capsys, "points", sparse, "--data", folder)[0] == 0
    spans = [(w["start"], w["end"]) for w in _labels(folder)["series"]["db"]["windows"]]
    assert spans == [(epoch(50), epoch(60)), (epoch(150), epoch(160))]

    err = _refused(capsys, "points", sparse, "--data", folder, "--hide-column", "mem", "--replace")
    assert "column 'mem' is a channel of a labelled window of series 'db'" in err
