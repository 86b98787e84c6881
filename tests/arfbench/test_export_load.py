"""User files, frames and arrays become the same `Series`; bad ones name the file, column and row."""

import numpy as np
import pandas as pd
import pytest

from tsqa.arfbench.exports import RepairRefused, SeriesTooLarge, SizeLimits, load_series

EPOCHS = 1_700_000_000 + 60 * np.arange(5)


def _wide() -> pd.DataFrame:
    return pd.DataFrame({"timestamp": EPOCHS, "cpu:a": [1.0, 2, np.nan, 4, 5], "cpu:b": [5.0, 4, 3, 2, 1]})


def test_wide_csv_long_csv_and_parquet_agree(tmp_path):
    wide = _wide()
    wide.to_csv(tmp_path / "wide.csv", index=False)
    long = wide.melt(id_vars="timestamp", var_name="group", value_name="value").rename(columns={"timestamp": "epoch"})
    long.dropna().to_csv(tmp_path / "long.csv", index=False)
    long.to_parquet(tmp_path / "long.parquet")
    series = [load_series(tmp_path / f, name="s") for f in ("wide.csv", "long.csv", "long.parquet")]
    for s in series:
        assert s.channels == ["cpu:a", "cpu:b"]
        assert s.interval == 60
        np.testing.assert_array_equal(s.timestamps, EPOCHS)
        np.testing.assert_array_equal(s.values, wide[["cpu:a", "cpu:b"]].to_numpy(), strict=False)
    assert series[0] == series[1] == series[2]


def test_date_strings_and_gaps_land_on_the_grid():
    frame = pd.DataFrame({"time": ["2024-01-01 00:00:00", "2024-01-01 00:05:00", "2024-01-01 00:20:00"],
                          "latency": [1.0, 2.0, 3.0]})
    series = load_series(frame)
    assert series.interval == 300
    assert series.timestamps[0] == 1704067200
    np.testing.assert_array_equal(series.values[:, 0], [1.0, 2.0, np.nan, np.nan, 3.0])


def test_arrays_get_a_regular_grid():
    series = load_series(np.arange(6.0), interval=10, start=100)
    assert series.values.shape == (6, 1)
    np.testing.assert_array_equal(series.timestamps, 100 + 10 * np.arange(6))


@pytest.mark.parametrize(
    "frame, message",
    [
        (pd.DataFrame({"timestamp": EPOCHS, "cpu": ["1", "2", "x", "4", "5"]}), "column 'cpu', row 2: 'x'"),
        (pd.DataFrame({"value": [1.0, 2.0]}), "no timestamp column"),
        (pd.DataFrame({"timestamp": ["2024-01-01", "soon"], "cpu": [1.0, 2]}), "row 1: 'soon' is not a timestamp"),
        (pd.DataFrame({"timestamp": EPOCHS[:2], "cpu": [1.0, np.inf]}), "row 1: infinite"),
        (pd.DataFrame({"timestamp": EPOCHS[:2], "cpu": [np.nan, np.nan]}), "every value is missing"),
        (pd.DataFrame({"timestamp": EPOCHS[:2]}), "no value columns"),
    ],
)
def test_bad_frames_name_column_and_row(frame, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(")):
        load_series(frame)


@pytest.mark.parametrize(
    "frame, message",
    [
        (pd.DataFrame({"timestamp": [0, 60, 60], "cpu": [1.0, 2, 3]}), "row 2: repeats the time step of an earlier row"),
        (pd.DataFrame({"timestamp": [0, 60, 120, 150, 240], "cpu": [1.0, 2, 3, 4, 5]}),
         "row 3: timestamp 150 is 30 s off the 60s grid the other rows follow"),
    ],
)
def test_strict_names_the_row_a_repair_would_change(frame, message):
    with pytest.raises(RepairRefused, match=message):
        load_series(frame, strict=True)
    assert load_series(frame).repairs  # repaired, and said so, without strict


def test_bad_files_name_the_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="missing.csv"):
        load_series(tmp_path / "missing.csv")
    corrupt = tmp_path / "corrupt.parquet"
    corrupt.write_bytes(b"PAR1 not really")
    with pytest.raises(ValueError, match="corrupt.parquet"):
        load_series(corrupt)
    (tmp_path / "data.json").write_text("{}")
    with pytest.raises(ValueError, match="data.json: JSON, but not a Prometheus query_range"):
        load_series(tmp_path / "data.json")
    (tmp_path / "image.csv").write_bytes(b"\x89PNG\r\n\x1a\n\0\0\0")
    with pytest.raises(ValueError, match="image.csv: a binary file"):
        load_series(tmp_path / "image.csv")
    long = pd.DataFrame({"epoch": [0, 0], "group": ["a", "a"], "value": [1.0, 2.0]})
    long.to_csv(tmp_path / "dup.csv", index=False)
    with pytest.raises(ValueError, match="dup.csv: row 1: repeats the time step"):
        load_series(tmp_path / "dup.csv", strict=True)


def test_bad_arrays():
    with pytest.raises(ValueError, match="expected numbers"):
        load_series(np.array(["a", "b"]))
    with pytest.raises(ValueError, match="shape"):
        load_series(np.zeros((2, 2, 2)))
    with pytest.raises(ValueError, match="shape"):
        load_series(np.zeros((0,)))


def test_size_limits_apply_before_the_grid_is_built():
    far_apart = pd.DataFrame({"timestamp": [0, 60, 60 * 10**7], "cpu": [1.0, 2.0, 3.0]})
    with pytest.raises(SeriesTooLarge, match="10000001 steps on its regular grid"):
        load_series(far_apart)
    many_groups = pd.DataFrame({"epoch": np.arange(50), "group": [f"pod:{i}" for i in range(50)], "value": 1.0})
    with pytest.raises(SeriesTooLarge, match="50 channels is more than the limit of 10"):
        load_series(many_groups, limits=SizeLimits(max_steps=1000, max_channels=10))
    assert load_series(far_apart.iloc[:2], limits=SizeLimits(max_steps=2)).values.shape == (2, 1)


@pytest.mark.parametrize(
    ("timestamps", "message"),
    [
        ([1_700_000_000_000, 1_700_000_060_000], "row 0: 1700000000000 is not a unix time in seconds between 1900 and "
                                                 "2200; it looks like unix milliseconds (2023-11-14 22:13:20 UTC): "
                                                 "divide the timestamps by 1000"),
        ([1_700_000_000_000_000, 1_700_000_060_000_000], "looks like unix microseconds"),
        ([1.7e18, 1.70000006e18], "looks like unix nanoseconds"),
        ([1e30, 2e30], "1e+30 is not a unix time in seconds between 1900 and 2200"),
        (["1800-01-01", "1800-01-02"], "row 0: '1800-01-01' is before 1900 or after 2200"),
        ([True, False], "true/false values are not timestamps"),
    ],
)
def test_timestamps_outside_1900_to_2200_name_the_unit_they_seem_to_be_in(timestamps, message):
    with pytest.raises(ValueError, match="DataFrame: column 'timestamp'") as error:
        load_series(pd.DataFrame({"timestamp": timestamps, "cpu": [1.0, 2.0]}))
    assert message in str(error.value)


def test_values_beyond_the_supported_magnitude_are_named():
    frame = pd.DataFrame({"timestamp": EPOCHS[:3], "cpu": [1.0, -1e30, 1e308]})
    with pytest.raises(ValueError, match=r"column 'cpu', row 2: 1e\+308 is beyond the supported magnitude of 1e\+30"):
        load_series(frame)
    assert load_series(frame.iloc[:2]).values[1, 0] == -1e30
    with pytest.raises(ValueError, match=r"array: step 1, channel 0: 3e\+38 is beyond"):
        load_series(np.array([1.0, 3e38]))
    with pytest.raises(ValueError, match="start 1180591620717411303424 every 60s: .* is not a unix time"):
        load_series(np.ones(3), start=2**70)


def test_the_grid_is_bounded_by_cells_as_well_as_steps_and_channels():
    sparse = pd.DataFrame({"timestamp": [0, 60, 60 * 9_999], **{f"c{i}": 1.0 for i in range(100)}})
    with pytest.raises(SeriesTooLarge, match="10000 steps x 100 channels on its regular grid is more than the limit of "
                                             "500000 cells"):
        load_series(sparse, limits=SizeLimits(max_cells=500_000))


@pytest.mark.parametrize("unit", ["s", "ms", "us", "ns"])
def test_datetime_columns_of_any_unit_give_unix_seconds(tmp_path, unit):
    stamps = pd.to_datetime(["2024-01-01 00:00", "2024-01-01 00:01"], utc=True).as_unit(unit)
    frame = pd.DataFrame({"timestamp": stamps, "cpu": [1.0, 2.0]})
    assert load_series(frame).timestamps.tolist() == [1_704_067_200, 1_704_067_260]
    frame.to_parquet(tmp_path / "s.parquet")
    assert load_series(tmp_path / "s.parquet").timestamps.tolist() == [1_704_067_200, 1_704_067_260]
    indexed = frame.set_index("timestamp")
    assert load_series(indexed).timestamps.tolist() == [1_704_067_200, 1_704_067_260]


def test_channel_names_that_are_not_text_are_named(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.table({"epoch": [EPOCHS[0], EPOCHS[1]], "group": pa.array([b"\xff", b"\xfe"], pa.binary()),
                      "value": [1.0, 2.0]})
    pq.write_table(table, tmp_path / "binary.parquet")
    with pytest.raises(ValueError, match=r"binary.parquet: column 'group', row 0: a channel name must be text"):
        load_series(tmp_path / "binary.parquet")


def test_a_first_column_of_dates_is_the_time_column_whatever_its_name():
    frame = pd.DataFrame({"Zeit": ["2024-01-01 00:00", "2024-01-01 00:01"], "cpu": [1.0, 2.0]})
    assert load_series(frame).timestamps.tolist() == [1_704_067_200, 1_704_067_260]
    with pytest.raises(ValueError, match="no timestamp column"):
        load_series(pd.DataFrame({"host": ["a", "b"], "cpu": [1.0, 2.0]}))


def test_series_as_rows_exports_are_long():
    frame = pd.DataFrame({"Series": ["cpu{host=a}", "cpu{host=b}"] * 2, "Time": [0, 0, 60, 60],
                          "Value": [1.0, 2.0, 3.0, 4.0]})
    series = load_series(frame)
    assert series.channels == ["cpu{host=a}", "cpu{host=b}"] and series.values.tolist() == [[1.0, 2.0], [3.0, 4.0]]


@pytest.mark.parametrize("separator", [";", "\t"])
def test_semicolon_and_tab_separated_files_are_read(tmp_path, separator):
    path = tmp_path / "locale.csv"
    path.write_text(separator.join(["timestamp", "cpu", "mem"]) + "\n" +
                    "\n".join(separator.join([str(1_700_000_000 + 60 * i), str(i), "1.5"]) for i in range(4)) + "\n")
    series = load_series(path)
    assert series.channels == ["cpu", "mem"] and series.values[:, 0].tolist() == [0.0, 1.0, 2.0, 3.0]
