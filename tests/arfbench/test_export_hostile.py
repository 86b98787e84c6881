"""Hostile and careless files for every reader of a user's series: refused in bounded work, one clear line each,
never a file's content where a page shows the error."""

import time

import numpy as np
import pandas as pd
import pytest

from tsqa.arfbench.exports import ExportError, SeriesTooLarge, SizeLimits, load_series
from tsqa.label.sources import open_source


def test_a_million_column_header_without_rows_is_refused_before_parsing(tmp_path):
    path = tmp_path / "wide.csv"
    path.write_text("timestamp," + ",".join(f"c{i}" for i in range(1_000_000)) + "\n")  # 7.9 MB
    began = time.perf_counter()
    with pytest.raises(SeriesTooLarge, match="wide.csv: the header line is longer than 2560256 bytes"):
        load_series(path)
    assert time.perf_counter() - began < 2.0  # reads the budget, never the parser
    with pytest.raises(SeriesTooLarge, match="the header line is longer"):
        open_source([tmp_path]).load("wide")  # the label page's reader is the same


def test_a_header_within_the_byte_budget_but_over_the_channel_limit_is_refused(tmp_path):
    path = tmp_path / "narrow.csv"
    path.write_text("timestamp," + ",".join("x" * 3 for _ in range(200)) + "\n0," + ",".join("1" * 200) + "\n")
    with pytest.raises(SeriesTooLarge, match="the header has 201 columns, more than the limit of 100 channels"):
        load_series(path, limits=SizeLimits(max_channels=100))


def test_duplicate_column_names_are_refused_not_renamed(tmp_path):
    path = tmp_path / "dup.csv"
    path.write_text("timestamp,cpu,mem,cpu\n0,1,2,3\n60,1,2,3\n")
    with pytest.raises(ExportError, match="dup.csv: columns 1 and 3 are both named 'cpu'"):
        load_series(path)
    frame = pd.DataFrame([[0, 1.0, 2.0], [60, 1.0, 2.0]], columns=["timestamp", "cpu", "cpu"])
    with pytest.raises(ExportError, match="column name 'cpu' appears more than once"):
        load_series(frame)


@pytest.mark.parametrize("cells", [["true", "false"], ["1", "true"], ["True", "False"]])
def test_true_and_false_are_not_series_values(tmp_path, cells):
    path = tmp_path / "flags.csv"
    path.write_text(f"timestamp,up\n0,{cells[0]}\n60,{cells[1]}\n")
    with pytest.raises(ExportError, match=f"column 'up', row {0 if cells[0] != '1' else 1}: true/false is not a series"):
        load_series(path)
    with pytest.raises(ExportError, match="true/false is not a series value"):
        load_series(pd.DataFrame({"timestamp": [0, 60], "up": [True, False]}))


def _folder_with_a_link_out(tmp_path):
    secret = tmp_path / "outside" / "secret.csv"
    secret.parent.mkdir()
    secret.write_text("timestamp,v\nTOPSECRET,1\n")
    folder = tmp_path / "incidents"
    folder.mkdir()
    pd.DataFrame({"timestamp": 1_700_000_000 + 60 * np.arange(5), "cpu": 1.0}).to_csv(folder / "ok.csv", index=False)
    return folder, secret


def test_label_folders_refuse_links_that_leave_them_without_reading_them(tmp_path):
    folder, secret = _folder_with_a_link_out(tmp_path)
    (folder / "leak.csv").symlink_to(secret)
    with pytest.raises(ValueError) as refused:
        open_source([folder])
    assert "leak.csv: a link to a file outside" in str(refused.value) and "TOPSECRET" not in str(refused.value)


def test_a_link_swapped_in_after_listing_is_refused_when_read(tmp_path):
    folder, secret = _folder_with_a_link_out(tmp_path)
    source = open_source([folder])
    (folder / "ok.csv").unlink()
    (folder / "ok.csv").symlink_to(secret)
    with pytest.raises(ValueError, match="ok.csv: a link to a file outside") as refused:
        source.load("ok")
    assert "TOPSECRET" not in str(refused.value)


def test_the_label_page_error_names_row_and_reason_but_no_cell(tmp_path):
    from tsqa.label.incidents import IncidentsApp
    from tsqa.label.web import HTTPError

    folder, _ = _folder_with_a_link_out(tmp_path)
    (folder / "bad.csv").write_text("timestamp,v\n2024-01-01,1\nTOPSECRET,2\n")
    app = IncidentsApp(open_source([folder]))
    with pytest.raises(HTTPError) as refused:
        app._series("bad")
    assert "bad.csv: column 'timestamp', row 1: not a timestamp" in str(refused.value)
    assert "TOPSECRET" not in str(refused.value) and str(tmp_path) not in str(refused.value)


def test_deeply_nested_json_and_a_runaway_data_row_are_one_clear_line(tmp_path):
    nested = tmp_path / "nested.json"
    nested.write_text("[" * 100_000)
    with pytest.raises(ExportError, match="nested.json: cannot be read as JSON"):
        load_series(nested)
    runaway = tmp_path / "runaway.csv"
    runaway.write_text("timestamp,cpu\n0,1\n60," + ",".join(["1"] * 200_000) + "\n")
    began = time.perf_counter()
    with pytest.raises(ExportError, match="runaway.csv: cannot be read as CSV .*Expected 2 fields"):
        load_series(runaway)
    assert time.perf_counter() - began < 2.0


def test_a_parquet_file_is_sized_from_its_metadata_before_it_is_read(tmp_path):
    frame = pd.DataFrame({"timestamp": 1_700_000_000 + 60 * np.arange(1000), "a": 1.0, "b": 2.0})
    frame.to_parquet(tmp_path / "big.parquet")
    with pytest.raises(SeriesTooLarge, match="1000 rows hold 2000 values, more than the limit of 1500 cells"):
        load_series(tmp_path / "big.parquet", limits=SizeLimits(max_cells=1500))
