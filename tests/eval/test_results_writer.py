"""Results files: published columns, row-by-row durability, recovery of a torn last row, refusal to mix."""

import csv

import pytest

from tsqa.eval.results import COLUMNS, PUBLISHED_COLUMNS, read_results
from tsqa.eval.results_writer import ResultsWriter


def _rows(make_row, count, model="m"):
    rows = []
    for index in range(count):
        answer = "No" if index % 2 else "Yes"
        row = make_row("Anomaly Presence", ["Yes", "No"], "Yes", answer, model=model, key=f"{index}_0")
        row.sample_id = f"{index}_0#{index}"
        row.reasoning = 'multi-line, "quoted"\r\nreasoning'
        row.probabilities = {"Yes": 0.25, "No": 0.75}
        rows.append(row)
    return rows


def test_published_columns_come_first_in_published_order(tmp_path):
    assert COLUMNS[: len(PUBLISHED_COLUMNS)] == PUBLISHED_COLUMNS
    assert PUBLISHED_COLUMNS == (
        "run", "model", "query_group", "question", "options", "correct_answer", "task_category", "model_answer",
        "is_correct", "has_images", "num_images", "reasoning",
    )  # fmt: skip


def test_round_trip(tmp_path, make_row):
    path = tmp_path / "results.csv"
    rows = _rows(make_row, 3)
    with ResultsWriter(path, "m") as writer:
        for row in rows:
            writer.append(row)
    back = read_results(path)
    assert back == rows
    assert path.read_text().splitlines()[0] == ",".join(COLUMNS)


def test_torn_last_row_is_set_aside_and_the_rest_kept(tmp_path, make_row):
    path = tmp_path / "results.csv"
    rows = _rows(make_row, 3)
    with ResultsWriter(path, "m") as writer:
        for row in rows[:2]:
            writer.append(row)
        whole = path.read_bytes()
        writer.append(rows[2])
    full_third = path.read_bytes()[len(whole) :]
    torn = path.with_name("results.csv.torn")
    for cut in (5, full_third.index(b"\r\n") + 2, len(full_third) - 20):  # mid-field, inside the quoted newline
        path.write_bytes(whole + full_third[:cut])
        torn.unlink(missing_ok=True)
        with ResultsWriter(path, "m") as writer:
            assert writer.answered == {"0_0#0", "1_0#1"} and writer.torn == torn
            writer.append(rows[2])
        assert read_results(path) == rows
        assert torn.read_bytes() == full_third[:cut] + b"\n"  # nothing that was in the file is destroyed


def test_a_last_row_without_its_newline_is_kept(tmp_path, make_row):
    """An editor that saves without the final newline leaves a whole row: it is an answer, never cut."""
    path = tmp_path / "results.csv"
    rows = _rows(make_row, 4)
    for row in rows:
        row.reasoning = "one line, \"quoted\""  # so that every newline ends a row (the CRLF case below)
    with ResultsWriter(path, "m") as writer:
        for row in rows[:3]:
            writer.append(row)
    for ending in (b"\n", b"\r\n"):
        data = path.read_bytes().rstrip(b"\n")
        path.write_bytes(data.replace(b"\n", ending) if ending == b"\r\n" else data)
        with ResultsWriter(path, "m") as writer:
            assert writer.answered == {"0_0#0", "1_0#1", "2_0#2"} and writer.torn is None
        assert read_results(path) == rows[:3]
    with ResultsWriter(path, "m") as writer:
        writer.append(rows[3])
    assert read_results(path) == rows
    assert not path.with_name("results.csv.torn").exists()


def test_an_editors_byte_order_mark_and_blank_last_lines_are_not_rows(tmp_path, make_row):
    path = tmp_path / "results.csv"
    rows = _rows(make_row, 3)
    with ResultsWriter(path, "m") as writer:
        for row in rows[:2]:
            writer.append(row)
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes() + b"\n\r\n")
    with ResultsWriter(path, "m") as writer:
        assert writer.answered == {"0_0#0", "1_0#1"}
        writer.append(rows[2])
    assert read_results(path) == rows


def test_a_failed_write_leaves_no_torn_row(tmp_path, make_row, monkeypatch):
    """A full disk mid-row: the file is cut back to its last whole row, so the next row starts on its own line."""
    path = tmp_path / "results.csv"
    rows = _rows(make_row, 2)
    writer = ResultsWriter(path, "m")
    before = path.read_bytes()
    real = writer._file

    class FullDisk:
        def __init__(self):
            self.calls = 0

        def write(self, data):
            self.calls += 1
            if self.calls == 1:
                return real.write(bytes(data[:10]))  # a short write, then the disk is full
            raise OSError(28, "No space left on device")

        def __getattr__(self, name):
            return getattr(real, name)

    writer._file = FullDisk()
    with pytest.raises(OSError, match="No space"):
        writer.append(rows[0])
    writer._file = real
    assert path.read_bytes() == before and writer.answered == set()
    writer.append(rows[0])
    writer.append(rows[1])
    writer.close()
    assert read_results(path) == rows


def test_torn_header_is_rewritten(tmp_path, make_row):
    path = tmp_path / "results.csv"
    path.write_bytes(b"run,model,que")
    with ResultsWriter(path, "m") as writer:
        assert writer.answered == set()
        writer.append(_rows(make_row, 1)[0])
    assert len(read_results(path)) == 1


def test_refuses_other_models_duplicates_and_foreign_files(tmp_path, make_row):
    path = tmp_path / "results.csv"
    rows = _rows(make_row, 2)
    with ResultsWriter(path, "m") as writer:
        writer.append(rows[0])
        with pytest.raises(ValueError, match="already answered"):
            writer.append(rows[0])
        with pytest.raises(ValueError, match="model"):
            writer.append(_rows(make_row, 1, model="other")[0])
    with pytest.raises(ValueError, match="from model 'm'"):
        ResultsWriter(path, "other")
    foreign = tmp_path / "foreign.csv"
    foreign.write_text("a,b\n1,2\n")
    with pytest.raises(ValueError, match="header"):
        ResultsWriter(foreign, "m")
    assert foreign.read_text() == "a,b\n1,2\n"  # untouched


def test_read_results_rejects_bad_files(tmp_path):
    with pytest.raises(FileNotFoundError):
        read_results(tmp_path / "missing.csv")
    missing_column = tmp_path / "bad.csv"
    missing_column.write_text("model,question\nm,q\n")
    with pytest.raises(ValueError, match="missing columns"):
        read_results(missing_column)
    bad_flag = tmp_path / "flag.csv"
    bad_flag.write_text(
        "model,query_group,question,options,correct_answer,task_category,model_answer,is_correct\n"
        'm,1_0,q,"[""a""]",a,Anomaly Presence,a,perhaps\n'
    )
    with pytest.raises(ValueError, match="data row 1.*perhaps"):
        read_results(bad_flag)


def test_reading_follows_pandas_missing_value_rules(tmp_path):
    path = tmp_path / "human.csv"
    path.write_text(
        "model,query_group,question,options,correct_answer,task_category,model_answer,is_correct\n"
        'expert,1_0,q,"[""a"", ""None""]",a,Anomaly Presence,None,False\n'
    )
    (row,) = read_results(path)
    assert row.model_answer is None  # "None" is missing to pandas, hence to the reference
    assert row.run == 1  # no run column: run 1


def test_a_row_longer_than_the_csv_modules_field_limit_resumes(tmp_path, make_row):
    path = tmp_path / "results.csv"
    rows = _rows(make_row, 2)
    rows[0].raw_response = "a verbose model " * 20_000  # 320 KB, past the csv module's 128 KiB default
    with ResultsWriter(path, "m") as writer:
        writer.append(rows[0])
    with ResultsWriter(path, "m") as writer:
        assert writer.answered == {rows[0].sample_id}
        writer.append(rows[1])
    assert read_results(path) == rows


def test_a_file_that_is_not_utf8_is_named(tmp_path):
    path = tmp_path / "results.csv"
    path.write_bytes(",".join(COLUMNS).encode("utf-16") + b"\n")
    with pytest.raises(ValueError, match=r"results\.csv: not a results CSV written by tsqa"):
        ResultsWriter(path, "m")


@pytest.mark.parametrize(
    ("column", "cell", "message"),
    [
        ("probabilities", "[" * 50_000 + "]" * 50_000, "probabilities is not JSON"),
        ("probabilities", '{"Yes": NaN, "No": 0.5}', "option 'Yes' has nan, not a finite number"),
        ("probabilities", '{"Yes": "high"}', "option 'Yes' has 'high', not a finite number"),
        ("is_correct", "2", "expected True or False (or 1 or 0), got 2"),
        ("num_images", "inf", "num_images must be a finite number, got inf"),
        ("latency_s", "slow", "latency_s must be a number, got 'slow'"),
    ],
)
def test_bad_cells_are_named_with_file_row_and_column(tmp_path, make_row, column, cell, message):
    path = tmp_path / "results.csv"
    with ResultsWriter(path, "m") as writer:
        writer.append(_rows(make_row, 1)[0])
    with path.open(newline="") as file:
        header, cells = list(csv.reader(file))
    cells[COLUMNS.index(column)] = cell
    with path.open("w", newline="") as file:
        csv.writer(file).writerows([header, cells])
    with pytest.raises(ValueError) as error:
        read_results(path)
    assert str(error.value).startswith(f"{path}, data row 1: ") and message in str(error.value)


def test_a_header_of_a_million_columns_is_refused_at_once(tmp_path):
    """pandas' work on a header grows with the square of its columns (minutes for 200,000): refused before it."""
    from tsqa.arfbench.qa_rows import read_qa_rows

    header = ",".join(f"c{i}" for i in range(1_000_000))
    path = tmp_path / "results.csv"
    path.write_text(header + "\n")
    qa = tmp_path / "data"
    qa.mkdir()
    (qa / "arfbench-qa.csv").write_text(header)  # no newline either
    with pytest.raises(ValueError, match=r"results.csv: the header line is longer than \d+ bytes"):
        read_results(path)
    with pytest.raises(ValueError, match=r"arfbench-qa.csv: the header line is longer than \d+ bytes"):
        read_qa_rows(qa)
    (qa / "arfbench-qa.csv").write_text(",".join(f"c{i}" for i in range(100)) + "\n")
    with pytest.raises(ValueError, match="its header has 100 columns, more than an ARFBench arfbench-qa.csv has"):
        read_qa_rows(qa)
    path.write_text(",".join(f"c{i}" for i in range(65)) + "\n1\n")
    with pytest.raises(ValueError, match="its header has 65 columns, more than a results file has"):
        read_results(path)
