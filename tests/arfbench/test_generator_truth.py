"""The generator's answers checked against its own values: the anomaly is read back from the data (values minus the
no-anomaly baseline), never from the metadata alone."""

import numpy as np
import pytest

from tsqa.arfbench import categories as cat
from tsqa.arfbench import options as opt
from tsqa.arfbench.options import format_timestamp
from tsqa.arfbench.synth import generate_questions

PER_CATEGORY = 50


@pytest.fixture(scope="module")
def by_category() -> dict:
    found: dict = {c: [] for c in cat.CATEGORIES}
    for generated in generate_questions(PER_CATEGORY * len(cat.CATEGORIES), seed=7):
        found[generated.sample.category].append(generated)
    assert all(len(v) == PER_CATEGORY for v in found.values())
    return found


def _window(series, baseline) -> tuple[list[str], int | None, int | None]:
    """(channels that deviate, first deviating step, first normal step after it or None) from the data itself."""
    deviation = series.values - baseline  # (time, channels), NaN in gaps
    moved = np.nan_to_num(deviation) != 0
    channels = [series.channels[c] for c in np.flatnonzero(moved.any(axis=0))]
    if not channels:
        return [], None, None
    steps = np.flatnonzero(moved.any(axis=1))
    first, last = int(steps[0]), int(steps[-1])
    for c in np.flatnonzero(moved.any(axis=0)):  # every affected channel deviates on the whole observed window
        observed = ~np.isnan(deviation[first : last + 1, c])
        assert moved[first : last + 1, c][observed].all()
    return channels, first, (None if last == len(series.timestamps) - 1 else last + 1)


def _truth(generated, k: int = 0):
    return _window(generated.sample.series[k], generated.baselines[k])


def test_presence_answer_matches_the_data(by_category):
    for g in by_category[cat.PRESENCE]:
        channels, _, _ = _truth(g)
        assert (g.sample.answer == opt.PRESENCE_YES) == bool(channels)


def test_start_answer_is_where_the_deviation_begins(by_category):
    for g in by_category[cat.START]:
        series = g.sample.series[0]
        channels, first, _ = _truth(g)
        if g.sample.answer == opt.NO_ANOMALY:
            assert not channels
        elif g.sample.answer == opt.BEFORE_EARLIEST:
            assert first == 0 and g.sample.meta["series"][0]["anomaly"]["before_window"]
        else:
            assert g.sample.answer == format_timestamp(series.timestamps[first])
            assert first > 0


def test_end_answer_is_where_the_deviation_stops(by_category):
    for g in by_category[cat.END]:
        series = g.sample.series[0]
        channels, _, end = _truth(g)
        if g.sample.answer == opt.NO_ANOMALY:
            assert not channels
        elif g.sample.answer == opt.NOT_RESOLVED:
            assert channels and end is None
        else:
            assert g.sample.answer == format_timestamp(series.timestamps[end])


def test_timestamp_options_are_distinct_grid_times_apart(by_category):
    for g in by_category[cat.START] + by_category[cat.END]:
        series = g.sample.series[0]
        stamps = sorted(o for o in g.sample.options if o[:2] == "20")
        assert len(stamps) in (3, 4) and len(set(stamps)) == len(stamps)
        grid = {format_timestamp(t) for t in series.timestamps}
        assert set(stamps) <= grid


def test_categorization_answer_is_the_injected_kind(by_category):
    seen = set()
    for g in by_category[cat.CATEGORIZATION]:
        channels, first, end = _truth(g)
        anomaly = g.sample.meta["series"][0]["anomaly"]
        if g.sample.answer == opt.NO_ANOMALY:
            assert not channels and anomaly is None
            continue
        assert anomaly["kind"] == g.sample.answer and anomaly["channels"] == channels
        assert anomaly["onset_index"] == first and anomaly["end_index"] == end
        series, baseline = g.sample.series[0], g.baselines[0]
        deviation = (series.values - baseline)[:, [series.channels.index(c) for c in channels]]
        if g.sample.answer == opt.LEVEL_SHIFT:  # constant offset over the window (gaps aside)
            window = deviation[first : end or None]
            observed = ~np.isnan(window)
            assert np.allclose(window[observed], np.broadcast_to(window[0], window.shape)[observed], rtol=1e-6)
        seen.add(g.sample.answer)
    assert len(seen) >= 4


def test_magnitude_answer_is_the_nearest_option_to_the_measured_peak(by_category):
    for g in by_category[cat.MAGNITUDE]:
        channels, _, _ = _truth(g)
        if g.sample.answer == opt.NO_ANOMALY:
            assert not channels
            continue
        series, baseline = g.sample.series[0], g.baselines[0]
        levels = g.sample.meta["series"][0]["anomaly"]["channel_levels"]
        peaks = [np.nanmax(np.abs(series.values[:, series.channels.index(c)] - baseline[:, series.channels.index(c)]))
                 / levels[c] * 100 for c in channels]  # fmt: skip
        numbers = [float(o) for o in g.sample.options if o != opt.NO_ANOMALY]
        nearest = min(numbers, key=lambda n: abs(np.log(n) - np.log(max(peaks))))
        assert f"{nearest:g}" == g.sample.answer


def test_identification_answer_names_the_listed_channels_that_deviate(by_category):
    for g in by_category[cat.IDENTIFICATION]:
        channels, _, _ = _truth(g)
        listed = g.sample.meta["listed_channels"]
        anomalous_listed = [c for c in channels if c in listed]
        if g.sample.answer == opt.NO_ANOMALY_LISTED:
            assert anomalous_listed == []
        else:
            assert sorted(g.sample.answer.split(opt.CHANNEL_JOIN)) == sorted(anomalous_listed)
            assert sorted(channels) == sorted(anomalous_listed)


def _pair_windows(g):
    return [_truth(g, 0), _truth(g, 1)]


def _shape_correlation(g, windows) -> float:
    """Correlation of the two deviations over their windows (the same shape when the anomalies are related)."""
    parts = []
    for k, (channels, first, end) in enumerate(windows):
        series, baseline = g.sample.series[k], g.baselines[k]
        c = series.channels.index(channels[0])
        parts.append(series.values[first : end or None, c] - baseline[first : end or None, c])
    observed = ~(np.isnan(parts[0]) | np.isnan(parts[1]))
    parts = [p[observed] for p in parts]
    if min(len(p) for p in parts) < 3 or min(np.std(p) / np.abs(p).max() for p in parts) < 1e-9:
        return 1.0  # a flat shape (level shift) or a 2-step spike: equal lengths already say "same shape"
    return abs(np.corrcoef(parts[0], parts[1])[0, 1])


def test_correlation_answer_matches_the_two_series(by_category):
    for g in by_category[cat.CORRELATION]:
        (ch1, on1, end1), (ch2, on2, end2) = _pair_windows(g)
        answer = g.sample.answer
        assert bool(ch1) == (answer in (opt.CORRELATED, opt.NOT_CORRELATED, opt.ONLY_FIRST))
        assert bool(ch2) == (answer in (opt.CORRELATED, opt.NOT_CORRELATED, opt.ONLY_SECOND))
        if answer == opt.CORRELATED:
            assert (end1 - on1) == (end2 - on2)
            assert abs(on2 - on1) == abs(g.sample.meta["relation"]["lag_steps"])
            assert _shape_correlation(g, [(ch1, on1, end1), (ch2, on2, end2)]) > 0.9
        if answer == opt.NOT_CORRELATED:
            assert end1 <= on2 or end2 <= on1  # the windows do not overlap


def test_indicator_answer_matches_who_moves_first(by_category):
    for g in by_category[cat.INDICATOR]:
        (ch1, on1, end1), (ch2, on2, end2) = _pair_windows(g)
        answer = g.sample.answer
        if answer == opt.INDICATOR_NO_ANOMALY:
            assert not (ch1 and ch2)
            continue
        assert ch1 and ch2
        if answer == opt.INDICATOR_UNCORRELATED:
            assert end1 <= on2 or end2 <= on1
            continue
        expected = {opt.LEADING: on1 < on2, opt.LAGGING: on1 > on2, opt.SIMULTANEOUS: on1 == on2}[answer]
        assert expected
        assert on2 - on1 == g.sample.meta["relation"]["lag_steps"]
        assert _shape_correlation(g, [(ch1, on1, end1), (ch2, on2, end2)]) > 0.9


def test_meta_is_rich_and_json_serialisable(by_category):
    import json

    g = next(g for g in by_category[cat.START] if g.sample.answer not in (opt.NO_ANOMALY, opt.BEFORE_EARLIEST))
    meta = json.loads(json.dumps(g.sample.meta))
    anomaly = meta["series"][0]["anomaly"]
    assert {"kind", "onset", "end", "magnitude_pct", "direction", "channels", "resolved"} <= set(anomaly)
    assert anomaly["onset"] == g.sample.answer
    assert meta["description"].count(anomaly["onset"]) == 1 and anomaly["kind"] in meta["description"]
