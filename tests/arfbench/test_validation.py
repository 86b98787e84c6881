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


def test_a_jittered_series_file_is_repaired_when_loaded_and_reported_by_validate(published, kit):
    """A user's dataset may hold real exports: loading repairs them by the stated policy (and says so on the series);
    `validate` still names the file, since a tool-written one should need no repair."""
    jitter = [0, 7, -5, 0, 3, 0, -2, 0] * (kit.steps // 8 + 1)
    kit.write_long(published / "arfbench-ts-data" / "200_3_60.parquet",
                   [(kit.start + 60 * t + jitter[t], "host:a", float(t)) for t in range(kit.steps)])
    [(_, _, field, _)] = _problems(published)
    assert field == "epoch"
    samples = load_dataset(published)
    (series,) = [s for sample in samples for s in sample.series if s.name == "200_3"][:1]
    assert list(series.timestamps[:3]) == [kit.start, kit.start + 60, kit.start + 120]
    assert series.values[:, 0].tolist() == [float(t) for t in range(kit.steps)]
    assert any("moved" in line for line in series.repairs)


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


def _png_header_only(width: int, height: int) -> bytes:
    """A PNG that declares `width` x `height` pixels in 60 bytes: what a decompression bomb looks like to a reader."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\0")) + chunk(b"IEND", b"")


@pytest.mark.parametrize("side", [20_000, 10_000])  # past PIL's error limit; between its warning and error limits
def test_a_png_decompression_bomb_is_a_problem_not_a_crash(published, side):
    (published / "arfbench-images" / "100_0.png").write_bytes(_png_header_only(side, side))
    problems = _problems(published)
    assert [(f, r, fld) for f, r, fld, _ in problems] == [
        ("arfbench-images/100_0.png", 0, "png"),
        ("arfbench-images/100_0.png", 1, "png"),
    ]
    assert "decompression bomb" in problems[0][3] and f"{side * side}" in problems[0][3]


@pytest.mark.parametrize("content", [b"PAR1 garbage", "truncated"])
def test_every_interval_file_is_read_not_only_the_one_loaded(published, content):
    coarse = published / "arfbench-ts-data" / "100_0_300.parquet"
    coarse.write_bytes(content if isinstance(content, bytes) else coarse.read_bytes()[:-40])
    assert read_dataset(published).ok  # loading reads the finest interval only
    problems = _problems(published)
    assert {(f, r, fld) for f, r, fld, _ in problems} == {
        ("arfbench-ts-data/100_0_300.parquet", 0, "parquet"),
        ("arfbench-ts-data/100_0_300.parquet", 1, "parquet"),
    }
    assert "not a readable parquet file" in problems[0][3]


def test_a_coarser_file_off_its_grid_is_reported(published):
    table = pa.table({"epoch": [1741370400, 1741370460], "group": ["pod_name:614"] * 2, "value": [1.0, 2.0]})
    pq.write_table(table, published / "arfbench-ts-data" / "100_0_300.parquet")
    problems = _problems(published)
    assert problems and all(p[0] == "arfbench-ts-data/100_0_300.parquet" and p[2] == "epoch" for p in problems)
    assert "not on a 300s grid" in problems[0][3]


@pytest.mark.parametrize("kind", ["parquet", "png"])
def test_links_out_of_the_dataset_are_refused(published, tmp_path, kind):
    outside = tmp_path / f"elsewhere.{kind}"
    name = "arfbench-ts-data/200_3_60.parquet" if kind == "parquet" else "arfbench-images/200_3.png"
    link = published / name
    outside.write_bytes(link.read_bytes())
    link.unlink()
    link.symlink_to(outside)
    for report in (validate_dataset(published), read_dataset(published)):
        assert report.problems and {p.file for p in report.problems} == {name}
        assert f"links to {outside.resolve()}, outside the dataset" in report.problems[0].message


def test_links_inside_the_dataset_are_followed(published):
    link = published / "arfbench-ts-data" / "200_3_60.parquet"
    kept = published / "kept" / "200_3.parquet"
    kept.parent.mkdir()
    link.rename(kept)
    link.symlink_to(Path("..") / "kept" / "200_3.parquet")
    assert validate_dataset(published).ok


@pytest.mark.parametrize(
    ("epochs", "values", "field", "message"),
    [
        ([1741370400000, 1741370460000], [1.0, 2.0], "epoch", "looks like unix milliseconds (2025-03-07 18:00:00 UTC)"),
        ([1741370400, 1741370460], [1.0, 1e308], "value", "row 1: 1e+308 is beyond the supported magnitude of 1e+30"),
        ([1741370400, 1741370460], [1.0, float("inf")], "value", "row 1: infinite value"),
    ],
)
def test_millisecond_epochs_and_huge_values_are_named(published, epochs, values, field, message):
    table = pa.table({"epoch": epochs, "group": ["host:a", "host:a"], "value": values})
    pq.write_table(table, published / "arfbench-ts-data" / "200_3_60.parquet")
    [(file, row, got_field, got)] = _problems(published)
    assert (file, row, got_field) == ("arfbench-ts-data/200_3_60.parquet", 2, field)
    assert message in got


def test_options_nested_too_deeply_are_a_problem_not_a_crash(tmp_path, kit):
    root = _with_row(kit, tmp_path, options_str="[" * 100_000 + "]" * 100_000, options="")
    problems = _problems(root)
    assert [(row, field) for _, row, field, _ in problems] == [(0, "options_str")]
    assert "nested too deeply" in problems[0][3]


def test_a_link_loop_is_a_problem_and_odd_file_names_are_not_series(published):
    directory = published / "arfbench-ts-data"
    (directory / "200_3_60.parquet").unlink()
    (directory / "200_3_60.parquet").symlink_to(directory / "200_3_60.parquet")
    (directory / ("100_0_" + "9" * 30 + ".parquet")).write_bytes(b"not read: no such interval")
    [(file, row, field, message)] = _problems(published)
    assert (file, row, field) == ("arfbench-ts-data/200_3_60.parquet", 2, "parquet")
    assert message.startswith("cannot be opened (")
