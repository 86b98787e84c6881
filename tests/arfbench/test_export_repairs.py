"""The repair policy for real exports: each kind repaired the stated way and reported in one line, or refused by
`strict` with the row named."""

import numpy as np
import pandas as pd
import pytest

from tsqa.arfbench.exports import ExportError, RepairRefused, load_series

START = 1_700_000_100  # a multiple of 300


def _frame(stamps, values=None) -> pd.DataFrame:
    values = np.arange(len(stamps), dtype=float) if values is None else values
    return pd.DataFrame({"timestamp": stamps, "cpu": values})


def _local(start: str, end: str) -> list[str]:
    return list(pd.date_range(start, end, freq="5min").strftime("%Y-%m-%d %H:%M"))


def test_a_clean_file_needs_no_repair():
    series = load_series(_frame(START + 60 * np.arange(10)))
    assert series.repairs == [] and series.interval == 60


def test_a_dst_repeat_is_averaged_and_reported():
    """Local clock times without a zone: 01:00-01:55 happen twice when clocks fall back."""
    stamps = _local("2024-11-03 00:00", "2024-11-03 01:55") + _local("2024-11-03 01:00", "2024-11-03 02:30")
    values = np.r_[np.zeros(24), np.full(19, 10.0)]
    series = load_series(pd.DataFrame({"time": stamps, "cpu": values}))
    assert series.interval == 300 and len(series.timestamps) == 31
    assert "12 repeated stamps averaged (the mean of the values on one step)" in series.repairs
    assert any("rows out of time order: sorted by time" in line for line in series.repairs)
    one_am = int(pd.Timestamp("2024-11-03 01:00", tz="UTC").timestamp())
    assert series.values[list(series.timestamps).index(one_am), 0] == 5.0  # mean of 0 (first pass) and 10
    with pytest.raises(RepairRefused, match=r"row 24: repeats the time step of an earlier row \(--strict"):
        load_series(pd.DataFrame({"time": stamps, "cpu": values}), strict=True)


def test_jitter_is_snapped_onto_the_grid_and_its_size_reported():
    rng = np.random.default_rng(0)
    jitter = rng.integers(-41, 42, 200)
    series = load_series(_frame(START + 300 * np.arange(200) + jitter))
    assert series.interval == 300 and series.timestamps[0] == START
    np.testing.assert_array_equal(series.timestamps, START + 300 * np.arange(200))
    np.testing.assert_array_equal(series.values[:, 0], np.arange(200))
    moved = int(np.count_nonzero(jitter))
    assert series.repairs == [f"{moved} stamps moved by up to {np.abs(jitter).max()} s onto the 300 s grid"]
    first = int(np.flatnonzero(jitter)[0])
    with pytest.raises(RepairRefused, match=f"row {first}: timestamp .* off the 300s grid"):
        load_series(_frame(START + 300 * np.arange(200) + jitter), strict=True)


def test_a_phase_change_after_a_gap_is_re_anchored_and_the_gap_kept_missing():
    stamps = START + 300 * np.arange(150)
    stamps[100:] += 3600 + 120  # an hour's gap, after which the sampler runs 2 min later in its 5-min cycle
    series = load_series(_frame(stamps))
    assert series.interval == 300
    assert series.repairs == ["1 phase change re-anchored: 50 stamps moved by up to 2 min onto the 300 s grid",
                              "1 gap of 60 min (12 steps), kept as missing values"]
    assert len(series.timestamps) == 162 and np.isnan(series.values[100:112, 0]).all()
    np.testing.assert_array_equal(series.values[112:, 0], np.arange(100, 150))
    with pytest.raises(RepairRefused, match="row 100: timestamp .* is 2 min off the 300s grid"):
        load_series(_frame(stamps), strict=True)


def test_gaps_are_reported_by_count_and_the_longest_and_allowed_under_strict():
    stamps = np.r_[START + 60 * np.arange(10), START + 60 * np.arange(14, 20), START + 60 * np.arange(84, 90)]
    series = load_series(_frame(stamps), strict=True)
    assert series.repairs == ["2 gaps, longest 64 min, kept as missing values"]
    assert np.isnan(series.values[:, 0]).sum() == 4 + 64


def test_a_newest_first_export_is_read_oldest_first():
    stamps = START + 60 * np.arange(10)[::-1]
    series = load_series(_frame(stamps, np.arange(10.0)), strict=True)  # sorting changes no stamp: allowed
    assert series.repairs == ["the 10 rows ran newest first: read oldest first"]
    np.testing.assert_array_equal(series.values[:, 0], np.arange(10.0)[::-1])


def test_mixed_utc_offsets_across_a_dst_change_are_all_honoured():
    utc = pd.date_range("2024-03-10 05:00", periods=48, freq="5min", tz="UTC")
    local = [t.isoformat() for t in utc.tz_convert("America/New_York")]  # -05:00, then -04:00 after 02:00
    series = load_series(_frame(local))
    assert series.repairs == ["timestamps in 2 UTC offsets (-04:00, -05:00) read as UTC"]
    np.testing.assert_array_equal(series.timestamps, utc.asi8 // 10**9)


def test_a_naive_timestamp_among_zone_aware_ones_is_named_as_such():
    stamps = ["2024-03-10T01:00:00+01:00", "2024-03-10T01:05:00+01:00", "2024-03-10 01:10:00"]
    with pytest.raises(ExportError, match=r"row 2: '2024-03-10 01:10:00' has no time zone while other rows have "
                                          r"one \(row 0"):
        load_series(_frame(stamps))


def test_without_a_dominant_step_stamps_are_resampled_and_interval_chooses_the_grid():
    rng = np.random.default_rng(1)
    stamps = START + np.cumsum(rng.integers(1, 200, 300)).astype(np.int64)
    series = load_series(_frame(stamps, np.ones(300)))
    gaps = np.diff(stamps)
    assert series.interval == 60  # the largest common step not above the median gap (~100 s)
    assert series.repairs[0] == (f"no dominant step between stamps ({gaps.min()} s to {round(gaps.max() / 60)} min "
                                 f"apart): 300 stamps resampled onto a 60 s grid (the mean of each step)")
    assert (series.timestamps % 60 == 0).all()
    chosen = load_series(_frame(stamps, np.ones(300)), interval=600)
    assert chosen.interval == 600 and (chosen.timestamps % 600 == 0).all()
    assert chosen.repairs == ["300 stamps resampled onto the 600 s grid asked for (the mean of each step)"]
    np.testing.assert_array_equal(chosen.values[:, 0], np.ones(len(chosen.timestamps)))
    with pytest.raises(RepairRefused, match="not on a 60s grid: no step between them dominates"):
        load_series(_frame(stamps, np.ones(300)), strict=True)


def test_interval_resamples_a_regular_file_by_bucket_means_and_refuses_a_finer_grid():
    series = load_series(_frame(START + 60 * np.arange(10)), interval=300)
    assert series.interval == 300
    np.testing.assert_array_equal(series.values[:, 0], [2.0, 7.0])  # START is a multiple of 300
    assert load_series(_frame(START + 60 * np.arange(10)), interval=60, strict=True).repairs == []
    with pytest.raises(ExportError, match="interval 30s is finer than the file's 60s step"):
        load_series(_frame(START + 60 * np.arange(10)), interval=30)


def test_long_rows_repeated_per_channel_are_averaged_channel_by_channel():
    frame = pd.DataFrame({"epoch": [START, START, START + 60, START, START + 60],
                          "group": ["a", "a", "a", "b", "b"], "value": [1.0, 3.0, 5.0, 7.0, 9.0]})
    series = load_series(frame)
    np.testing.assert_array_equal(series.values, [[2.0, 7.0], [5.0, 9.0]])
    assert series.repairs == ["1 repeated (stamp, channel) value averaged (the mean of the values on one step)"]
