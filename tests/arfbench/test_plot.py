import io

import numpy as np
import pytest
from PIL import Image

from tsqa.arfbench import render_plot
from tsqa.arfbench.plot import draw_chart, png_bytes
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
        assert np.array_equal(np.asarray(image.convert("RGB")), draw_chart(series)[0])


def test_size_and_paired_layout(tmp_path):
    single = render_plot(_series("a_0", 2), tmp_path / "a.png")
    assert single.size == (960, 320) and single.mode == "RGB"
    assert Image.open(tmp_path / "a.png").size == (960, 320)
    pair = render_plot([_series("a_0", 2), _series("b_0", 1, steps=100)], None)
    assert pair.size == (960, 560)
    assert render_plot(_series("a_0", 1), width_px=400, height_px=200).size == (400, 200)


def test_legend_is_capped_and_axis_shows_dates():
    _, (top, bottom) = draw_chart([_series("a_0", 12), _series("b_0", 2)], max_legend=8)
    labels = [label.text for label in top.legend]
    assert labels[:8] == [f"service:s{c:02d},dc:us1" for c in range(8)] and labels[8] == "+4 more"
    assert len(top.lines) == 12 and len(bottom.legend) == 2
    assert top.title.text == "Time-series 1: a_0"
    ticks = [t.text for t in top.x_ticks if t.text]
    assert ticks and all(":" in t for t in ticks) and top.x_offset.text == "2025-Mar-07"  # clock times and the day
    values = [float(t.text.replace("\u2212", "-")) for t in top.y_ticks]  # matplotlib's minus sign
    assert len(values) >= 3 and values == sorted(values) and [t.y for t in top.y_ticks] == sorted(
        (t.y for t in top.y_ticks), reverse=True
    )  # rising values, drawn from the bottom up


def test_long_series_are_thinned_but_keep_spikes():
    series = _series("a_0", 1, steps=20000)
    series.values[12345, 0] = 1e6
    _, (panel,) = draw_chart(series, width_px=500)
    ((points, _),) = panel.lines
    assert len(points) <= 1000 and np.nanmax(points[:, 1]) == 1e6


def test_names_with_dollars_or_newlines_are_plain_text():
    series = Series("cost $5 and $6\nper host", ["a$b$"], 1741370400 + 60 * np.arange(50), np.ones((50, 1)), 60)
    _, (panel,) = draw_chart(series)
    assert panel.title.text == "cost $5 and $6 per host" and panel.legend[0].text == "a$b$"


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
