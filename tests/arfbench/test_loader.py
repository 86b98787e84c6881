import numpy as np

from tsqa.arfbench import load_dataset
from tsqa.arfbench import options as opt


def test_published_fixture_loads_counts_options_answers(published, kit):
    samples = load_dataset(published)
    assert [s.id for s in samples] == ["100_0#0", "100_0#1", "100_1, 200_3#2", "100_1#3"]
    assert [s.category for s in samples] == [
        "Anomaly Presence", "Anomaly Start", "Anomaly Correlation", "Anomaly Identification"
    ]  # fmt: skip
    assert [s.tier for s in samples] == [1, 2, 3, 2]
    assert samples[1].options == kit.start_options
    assert samples[3].options == kit.identification_options
    assert [s.answer for s in samples] == [opt.PRESENCE_YES, "2025-03-07 18:05:00", opt.ONLY_FIRST, None]
    assert samples[0].question.endswith("\nTime-series: pods")
    assert samples[0].meta == {"difficulty": "easy"}


def test_series_pivot_to_sorted_channels_on_a_regular_grid(published, kit):
    presence = load_dataset(published)[0]
    (series,) = presence.series
    assert series.name == "100_0" and series.interval == 60
    assert series.channels == ["pod_name:198", "pod_name:614"]
    np.testing.assert_array_equal(series.timestamps, kit.grid())
    assert series.values.shape == (kit.steps, 2)
    assert np.isnan(series.values[3, 1])  # the absent row stays missing without an interpolate flag
    expected = [kit.pod_values(t, "pod_name:198") for t in range(kit.steps)]
    np.testing.assert_array_equal(series.values[:, 0], expected)


def test_interpolate_flags_forward_fill_or_linear(published):
    samples = load_dataset(published)
    start_question, pair = samples[1], samples[2]
    assert start_question.meta["fill"] == ["ffill"]
    assert start_question.series[0].values[3, 1] == start_question.series[0].values[2, 1]
    assert pair.meta["fill"] == ["linear", "ffill"]
    first, second = pair.series
    np.testing.assert_allclose(first.values[3:7, 0], [9.0, 18.0, 27.0, 36.0])  # t*t at 3 and 6, linear between
    assert second.values[7, 0] == second.values[6, 0] == 6.0
    assert np.isnan(samples[3].series[0].values[4, 0])  # same file, no flag on this row: the gap stays


def test_pair_loads_both_series_and_images_combined_first(published):
    samples = load_dataset(published)
    pair = samples[2]
    assert [s.name for s in pair.series] == ["100_1", "200_3"]
    assert [p.name for p in pair.images] == ["100_1-200_3.png", "100_1.png", "200_3.png"]
    assert [p.name for p in samples[0].images] == ["100_0.png"]


def test_finest_interval_that_fits_max_steps(published):
    samples = load_dataset(published, max_steps=5)
    assert samples[0].series[0].interval == 300  # 10 steps at 60s do not fit, 2 at 300s do
    assert len(samples[0].series[0].timestamps) == 2
    assert samples[3].series[0].interval == 60  # only one interval on disk: used even though it is longer
    assert load_dataset(published)[0].series[0].interval == 60


def test_options_column_alone_in_value_objects_is_enough(tmp_path, kit):
    rows = kit.rows()
    for row in rows:
        row["options"] = '[' + ", ".join('{"value": "%s"}' % o for o in row.pop("options_str")) + ']'
    root = kit.build(tmp_path / "d", rows)
    assert load_dataset(root)[1].options == kit.start_options
