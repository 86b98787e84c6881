import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from PIL import Image

from tsqa.arfbench import load_dataset, read_dataset, validate_dataset
from tsqa.arfbench import options as opt


def _problems(root: Path) -> list[tuple[str, int | None, str, str]]:
    return [(p.file, p.row, p.field, p.message) for p in validate_dataset(root).problems]


def _with_row(kit, tmp_path, **changes) -> Path:
    rows = kit.rows()
    rows[0].update(changes)
    return kit.build(tmp_path / "d", rows)


@pytest.mark.parametrize("query_group", ["../../outside_0", "/etc/passwd", "a/b", "a\\b", "..", "100_0, ../x", "~root"])
def test_path_tricks_in_ids_are_refused_before_any_file_is_read(tmp_path, kit, monkeypatch, query_group):
    kit.write_long(tmp_path / "outside_0_60.parquet", [(kit.start, "secret:1", 1.0)])  # what ../../ would reach
    root = _with_row(kit, tmp_path, query_group=query_group)
    opened = []

    def spy(original):
        def wrapped(path, *args, **kwargs):
            opened.append(Path(path))
            return original(path, *args, **kwargs)

        return wrapped

    for module, name in ((pq, "read_table"), (pq, "read_schema"), (Image, "open")):
        monkeypatch.setattr(module, name, spy(getattr(module, name)))
    report = read_dataset(root)
    (problem,) = report.problems
    assert (problem.file, problem.row, problem.field) == ("arfbench-qa.csv", 0, "query_group")
    assert "not a plain name" in problem.message or "series" in problem.message
    assert [s.id for s in report.samples] == ["100_0#1", "100_1, 200_3#2", "100_1#3"]
    assert opened and all(p.resolve().is_relative_to(root.resolve()) for p in opened)


def test_answer_not_among_options(tmp_path, kit):
    root = _with_row(kit, tmp_path, correct_answer="Maybe")
    [(file, row, field, message)] = _problems(root)
    assert (file, row, field) == ("arfbench-qa.csv", 0, "correct_answer")
    assert "'Maybe' is not among the options" in message


@pytest.mark.parametrize(
    "row_index, options, wanted",
    [(0, [opt.PRESENCE_YES, opt.PRESENCE_NO, "Perhaps"], "needs 2 options, got 3"),
     (1, ["2025-03-07 18:05:00", "a", "b", opt.NO_ANOMALY], "needs 5 options, got 4")],
)  # fmt: skip
def test_wrong_option_counts(tmp_path, kit, row_index, options, wanted):
    rows = kit.rows()
    rows[row_index]["options_str"] = options
    rows[row_index]["correct_answer"] = options[0]
    [(file, row, field, message)] = _problems(kit.build(tmp_path / "d", rows))
    assert (row, field) == (row_index, "options_str") and wanted in message


def test_options_columns_that_disagree(tmp_path, kit):
    root = _with_row(kit, tmp_path, options=json.dumps([{"value": opt.PRESENCE_NO}, {"value": opt.PRESENCE_YES}]))
    [(_, row, field, message)] = _problems(root)
    assert (row, field) == (0, "options") and "disagrees with options_str" in message


def test_unknown_category(tmp_path, kit):
    [(_, row, field, message)] = _problems(_with_row(kit, tmp_path, task_category="Anomaly Vibes"))
    assert (row, field) == (0, "task_category") and "unknown category 'Anomaly Vibes'" in message


def test_missing_parquet(tmp_path, kit):
    [(file, row, field, message)] = _problems(_with_row(kit, tmp_path, query_group="999_0"))
    assert (file, row, field) == ("arfbench-ts-data/999_0_{interval}.parquet", 0, "parquet")
    assert "no time-series file for series '999_0'" in message


def test_corrupt_parquet_is_reported_for_every_row_using_it(published):
    (published / "arfbench-ts-data" / "100_1_60.parquet").write_bytes(b"PAR1 this is not parquet")
    problems = _problems(published)
    assert [(f, r, fld) for f, r, fld, _ in problems] == [
        ("arfbench-ts-data/100_1_60.parquet", 2, "parquet"),
        ("arfbench-ts-data/100_1_60.parquet", 3, "parquet"),
    ]
    assert "not a readable parquet file" in problems[0][3]


def test_corrupt_png(published):
    (published / "arfbench-images" / "100_0.png").write_bytes(b"\x89PNG\r\n\x1a\n garbage")
    problems = _problems(published)
    assert [(f, r, fld) for f, r, fld, _ in problems] == [
        ("arfbench-images/100_0.png", 0, "png"),
        ("arfbench-images/100_0.png", 1, "png"),
    ]
    assert "corrupt image" in problems[0][3]


def test_missing_png_only_counts_when_required(published):
    (published / "arfbench-images" / "100_0.png").unlink()
    assert validate_dataset(published).ok
    problems = validate_dataset(published, require_images=True).problems
    assert {(p.file, p.row, p.field, p.message) for p in problems} == {
        ("arfbench-images/100_0.png", 0, "png", "missing image"),
        ("arfbench-images/100_0.png", 1, "png", "missing image"),
    }


def test_non_numeric_values(published):
    table = pa.table({"epoch": [1741370400, 1741370460], "group": ["host:a", "host:a"], "value": ["1.0", "high"]})
    pq.write_table(table, published / "arfbench-ts-data" / "200_3_60.parquet")
    [(file, row, field, message)] = _problems(published)
    assert (file, row, field) == ("arfbench-ts-data/200_3_60.parquet", 2, "value")
    assert "non-numeric values" in message


def test_off_grid_epochs(published):
    table = pa.table({"epoch": [1741370400, 1741370430], "group": ["host:a", "host:a"], "value": [1.0, 2.0]})
    pq.write_table(table, published / "arfbench-ts-data" / "200_3_60.parquet")
    [(_, _, field, message)] = _problems(published)
    assert field == "epoch" and "not on a 60s grid" in message


def test_all_problems_collected_strict_raises_lenient_returns_valid(tmp_path, kit):
    rows = kit.rows()
    rows[0]["correct_answer"] = "Maybe"
    rows[1]["task_category"] = "Anomaly Vibes"
    rows[3]["query_group"] = "../secrets"
    root = kit.build(tmp_path / "d", rows)
    with pytest.raises(ValueError) as err:
        load_dataset(root)
    message = str(err.value)
    assert "3 problem(s) in 4 question(s)" in message
    for fragment in ("row 0: correct_answer", "row 1: task_category", "row 3: query_group"):
        assert fragment in message
    with pytest.warns(UserWarning, match="3 problem"):
        valid = load_dataset(root, strict=False)
    assert [s.id for s in valid] == ["100_1, 200_3#2"]


def test_missing_csv_is_a_file_not_found_error(tmp_path):
    (tmp_path / "empty").mkdir()
    with pytest.raises(FileNotFoundError, match="arfbench-qa.csv"):
        load_dataset(tmp_path / "empty")
