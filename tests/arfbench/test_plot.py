import io

import numpy as np
from PIL import Image

from tsqa.arfbench import render_plot
from tsqa.arfbench.plot import figure_of, png_bytes
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
    assert b"matplotlib" not in data.lower()
    with Image.open(io.BytesIO(data)) as image:
        assert image.format == "PNG" and "Software" not in image.info


def test_size_and_paired_layout(tmp_path):
    single = render_plot(_series("a_0", 2), tmp_path / "a.png")
    assert single.size == (960, 320) and single.mode == "RGB"
    assert Image.open(tmp_path / "a.png").size == (960, 320)
    pair = render_plot([_series("a_0", 2), _series("b_0", 1, steps=100)], None)
    assert pair.size == (960, 560)
    assert render_plot(_series("a_0", 1), width_px=400, height_px=200).size == (400, 200)


def test_legend_is_capped_and_axis_shows_dates():
    fig = figure_of([_series("a_0", 12), _series("b_0", 2)], max_legend=8)
    top, bottom = fig.axes
    labels = [t.get_text() for t in top.get_legend().get_texts()]
    assert labels[:8] == [f"service:s{c:02d},dc:us1" for c in range(8)] and labels[8] == "+4 more"
    assert len(top.get_lines()) == 12 and len(bottom.get_legend().get_texts()) == 2
    assert top.get_title(loc="left") == "Time-series 1: a_0"
    fig.canvas.draw()
    ticks = [t.get_text() for t in top.get_xticklabels() if t.get_text()]
    assert ticks and any(":" in t or "Mar" in t for t in ticks)  # clock times / month names, not raw numbers


def test_long_series_are_thinned_but_keep_spikes():
    series = _series("a_0", 1, steps=20000)
    series.values[12345, 0] = 1e6
    fig = figure_of(series, width_px=500)
    (line,) = fig.axes[0].get_lines()
    assert len(line.get_ydata()) <= 1000 and np.nanmax(line.get_ydata()) == 1e6


def test_rendering_leaves_pyplot_alone():
    import matplotlib.pyplot as plt

    before = plt.get_fignums()
    render_plot(_series("a_0", 2))
    assert plt.get_fignums() == before
