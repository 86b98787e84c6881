"""A series wider than `MAX_LINES` draws its most unusual channels as lines over one band of the rest."""

import numpy as np

from tsqa.arfbench import Series
from tsqa.arfbench.plot import (
    BAND_COLOR, MAX_LINES, WIDE_LINES, draw_chart, drawn_channels, legend_entries, panel_lines,
)


def _series(channels: int, steps: int = 500) -> Series:
    rng = np.random.default_rng(0)
    values = 20 + rng.uniform(0, 5, channels) + rng.normal(size=(steps, channels))
    values[300:, channels - 3] += 15  # level shift on one channel
    values[:, 5] = np.nan  # a channel never observed
    return Series("wide", [f"pod:{c}" for c in range(channels)], 1_700_000_000 + 60 * np.arange(steps), values, 60)


def test_wide_series_draws_the_unusual_channels_and_the_range_of_the_rest():
    series = _series(300)
    drawn = drawn_channels(series)
    assert len(drawn) == WIDE_LINES and 297 in drawn and drawn == sorted(drawn)
    x, values, colours = panel_lines(series, 200, drawn)
    assert values.shape == (200, WIDE_LINES + 1) and colours[0] == BAND_COLOR and len(set(colours)) == WIDE_LINES + 1
    edges = np.linspace(0, 500, 101).astype(int)[:-1]  # thin's 100 buckets
    peaks = np.fmax.reduceat(series.values[:, 297], edges)
    np.testing.assert_array_equal(values[1::2, 1 + drawn.index(297)], peaks)  # the shifted channel's own line
    band = values[:, 0]  # thinned: (min, max) pairs per bucket
    others = np.setdiff1d(np.arange(300), drawn)
    assert len(band) == len(x) == 200
    rest = series.values[:, others]
    assert np.nanmin(band) == np.nanmin(rest) and np.nanmax(band) == np.nanmax(rest)
    legend = legend_entries(series, 8, drawn)
    assert legend[-1] == ("+292 more", BAND_COLOR) and len(legend) == 9
    assert draw_chart(series).shape == (320, 960, 3)


def test_up_to_max_lines_every_channel_is_a_line():
    series = _series(MAX_LINES)
    drawn = drawn_channels(series)
    assert drawn == list(range(MAX_LINES))
    _, values, colours = panel_lines(series, 2000, drawn)
    assert values is series.values and len(colours) == MAX_LINES and BAND_COLOR not in colours
    assert legend_entries(series, 8, drawn) == legend_entries(series, 8)
    assert legend_entries(series, 8)[-1] == (f"+{MAX_LINES - 8} more", None)
