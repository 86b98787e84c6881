import io

import numpy as np
import pytest
from PIL import Image

from tsqa.arfbench import render_plot
from tsqa.arfbench.plot import Chart
from tsqa.arfbench.plot import (
    PALETTE, SECONDS_PER_DAY, as_group, chart_options, chart_panels, draw_chart, png_bytes,
)  # fmt: skip
from tsqa.arfbench.schema import Series


def _series(name: str, channels: int, steps: int = 300, seed: int = 0) -> Series:
    values = np.random.default_rng(seed).normal(size=(steps, channels)).cumsum(axis=0)
    values[40:50, 0] = np.nan
    channels_names = [f"service:s{c:02d},dc:us1" for c in range(channels)]
    return Series(name, channels_names, 1741370400 + 60 * np.arange(steps), values, 60)


def test_same_input_same_bytes_and_no_software_metadata():
    series = _series("a_0", 3)
    data = png_bytes(series)
    assert data == png_bytes(_series("a_0", 3))
    assert data != png_bytes(_series("a_0", 3, seed=1))
    png_bytes([_series("b_0", 9, steps=50), _series("c_0", 1)])  # the pooled figures show other charts meanwhile
    assert png_bytes(_series("a_0", 3)) == data
    assert b"matplotlib" not in data.lower()
    with Image.open(io.BytesIO(data)) as image:
        assert image.format == "PNG" and image.mode == "RGB" and "Software" not in image.info
        assert np.array_equal(np.asarray(image), draw_chart(series))


def test_size_and_paired_layout(tmp_path):
    single = render_plot(_series("a_0", 2), tmp_path / "a.png")
    assert single.size == (960, 320) and single.mode == "RGB"
    assert Image.open(tmp_path / "a.png").size == (960, 320)
    pair = render_plot([_series("a_0", 2), _series("b_0", 1, steps=100)], None)
    assert pair.size == (960, 560)
    assert render_plot(_series("a_0", 1), width_px=400, height_px=200).size == (400, 200)


def _chart(series, **options) -> tuple[Chart, np.ndarray]:
    """A figure of its own (not the pooled ones), drawn, and its (height, width, 3) pixels."""
    group = as_group(series)
    options = chart_options(group, **options)
    chart = Chart(len(group), options["width_px"], options["height_px"])
    return chart, chart.draw(chart_panels(group, options))[:, :, :3]


def _pixel(ax, x: float, y: float, height: int) -> tuple[int, int]:
    """(row, column) of data point (x, y) in the image (display coordinates count up from the bottom)."""
    column, up = ax.transData.transform((x, y))
    return height - 1 - int(np.floor(up)), int(np.floor(column))


def _shows(patch: np.ndarray, colour: str) -> bool:
    """Whether a pixel of `patch` is at least 40% `colour` over white, the same share in each channel
    (antialiasing blends a thin line into its neighbours)."""
    target = np.array([int(colour[k : k + 2], 16) for k in (1, 3, 5)], dtype=float)
    share = (255.0 - patch) / (255.0 - target)  # (rows, columns, 3)
    return bool(((share.min(axis=2) >= 0.4) & (np.ptp(share, axis=2) <= 0.15)).any())


def _near(pixels: np.ndarray, row: int, column: int, colour: str, radius: int = 2) -> bool:
    """Whether `colour` is drawn within `radius` pixels of (row, column)."""
    return _shows(pixels[max(row - radius, 0) : row + radius + 1, max(column - radius, 0) : column + radius + 1], colour)


def test_the_line_is_drawn_where_the_data_is_and_not_in_gaps():
    steps = 200
    values = np.where(np.arange(steps) < 100, 10.0, 50.0)[:, None]  # a level shift at step 100
    values[140:170] = np.nan
    series = Series("shift", ["host:a"], 1741370400 + 60 * np.arange(steps), values, 60)
    chart, pixels = _chart(series)
    assert pixels.shape == (320, 960, 3)
    (ax,) = chart.axes
    x = series.timestamps / SECONDS_PER_DAY
    colour = PALETTE[0]
    for k in (10, 60, 99, 110, 130, 185):
        assert _near(pixels, *_pixel(ax, x[k], values[k, 0], 320), colour), k
    for k in (10, 60):  # the line is not at the other level
        assert not _near(pixels, *_pixel(ax, x[k], 50.0, 320), colour), k
    (row, before), (_, after) = (_pixel(ax, x[k], 50.0, 320) for k in (139, 170))  # the last and first points
    assert after - before > 90
    assert not _shows(pixels[row - 3 : row + 4, before + 2 : after - 1], colour)  # nothing drawn over the gap
    assert _near(pixels, row, before, colour) and _near(pixels, row, after, colour)  # but up to its edges
    assert (pixels[:, :, :3] == 255).all(axis=2).mean() > 0.8  # a white dashboard


def test_each_panel_of_a_pair_draws_its_own_lines():
    steps = 120
    top = Series("p_0", ["a", "b"], 1741370400 + 60 * np.arange(steps), np.column_stack([np.full(steps, 1.0),
                 np.full(steps, 3.0)]), 60)  # fmt: skip
    bottom = Series("p_1", ["c"], 1741370400 + 60 * np.arange(steps), np.linspace(0, 9, steps)[:, None], 60)
    chart, pixels = _chart([top, bottom])
    assert pixels.shape == (560, 960, 3)
    x = top.timestamps / SECONDS_PER_DAY
    upper, lower = chart.axes
    assert _near(pixels, *_pixel(upper, x[60], 1.0, 560), PALETTE[0])
    assert _near(pixels, *_pixel(upper, x[60], 3.0, 560), PALETTE[1])
    row, column = _pixel(lower, x[60], bottom.values[60, 0], 560)
    assert row > 280 and _near(pixels, row, column, PALETTE[0])
    assert [ax.get_title(loc="left") for ax in chart.axes] == ["Time-series 1: p_0", "Time-series 2: p_1"]


def test_legend_is_capped_and_axis_shows_dates():
    chart, _ = _chart([_series("a_0", 12), _series("b_0", 2)], max_legend=8)
    top, bottom = chart.axes
    labels = [text.get_text() for text in top.get_legend().get_texts()]
    assert labels[:8] == [f"service:s{c:02d},dc:us1" for c in range(8)] and labels[8] == "+4 more"
    assert len(top.get_lines()) == 12 and len(bottom.get_legend().get_texts()) == 2
    assert [line.get_color() for line in top.get_lines()][:3] == list(PALETTE[:3])
    ticks = [t.get_text() for t in top.get_xticklabels() if t.get_text()]
    assert ticks and all(":" in t for t in ticks)  # clock times
    assert top.xaxis.get_offset_text().get_text() == "2025-Mar-07"  # and the day
    low, high = top.get_xlim()
    values = [float(t.get_text().replace("\u2212", "-")) for t in top.get_yticklabels()]  # matplotlib's minus sign
    assert len(values) >= 3 and values == sorted(values)
    assert (low, high) == tuple(_series("a_0", 12).timestamps[[0, -1]] / SECONDS_PER_DAY)


def test_long_series_are_thinned_but_keep_spikes():
    series = _series("a_0", 1, steps=20000)
    series.values[12345, 0] = 1e6
    chart, _ = _chart(series, width_px=500)
    (line,) = chart.axes[0].get_lines()
    points = line.get_ydata()
    assert len(points) <= 1000 and np.nanmax(points) == 1e6


def test_names_with_dollars_or_newlines_are_plain_text():
    series = Series("cost $5 and $6\nper host", ["a$b$"], 1741370400 + 60 * np.arange(50), np.ones((50, 1)), 60)
    chart, _ = _chart(series)
    (ax,) = chart.axes
    (label,) = ax.get_legend().get_texts()
    # one line, and each "$" escaped, which matplotlib shows as a "$" instead of starting mathtext
    assert ax.get_title(loc="left") == r"cost \$5 and \$6 per host" and label.get_text() == r"a\$b\$"
def test_bad_requests_are_refused_in_one_line():
    with pytest.raises(ValueError, match="at least one series"):
        png_bytes([])
    with pytest.raises(ValueError, match="titles: 1 given for 2 series"):
        png_bytes([_series("a_0", 1), _series("b_0", 1)], titles=["only one"])
    with pytest.raises(ValueError, match="plot size 960x8 px"):
        png_bytes(_series("a_0", 1), height_px=8)


def test_rendering_leaves_pyplot_alone():
    import matplotlib.pyplot as plt

    before = plt.get_fignums()
    render_plot(_series("a_0", 2))
    assert plt.get_fignums() == before
