"""A figure reused for chart after chart draws what a fresh figure draws: nothing of an earlier chart (lines, limits,
ticks, legend rows, titles) survives into the next."""

import threading

import numpy as np
import pytest

from tsqa.arfbench.plot import Chart, as_group, chart_options, chart_panels, draw_chart
from tsqa.arfbench.schema import Series

T0 = 1741370400  # 2025-03-07 18:00 UTC


def _series(name, values, interval=60, channels=None):
    values = np.asarray(values, dtype=float)
    values = values[:, None] if values.ndim == 1 else values
    channels = channels or [f"service:s{c:02d},dc:us1" for c in range(values.shape[1])]
    return Series(name, channels, T0 + interval * np.arange(len(values)), values, interval)


def _walk(steps, channels=1, seed=0):
    return np.random.default_rng(seed).normal(size=(steps, channels)).cumsum(axis=0)


def _with_gaps():
    values = _walk(300, 3, seed=1)
    values[40:80, 0] = np.nan
    values[::7, 2] = np.nan
    return values


def _one_channel_missing():
    values = _walk(200, 2, seed=2)
    values[:, 1] = np.nan
    return values


CASES = {
    "one channel": lambda: _series("a_0", _walk(300)),
    "many channels": lambda: _series("m_0", _walk(500, 14, seed=3)),
    "pair": lambda: [_series("p_0", _walk(300, 2, seed=4)), _series("p_1", _walk(120, 1, seed=5))],
    "gaps": lambda: _series("g_0", _with_gaps()),
    "channel all missing": lambda: _series("n_0", _one_channel_missing()),
    "constant": lambda: _series("c_0", np.full((100, 2), 5.0)),
    "huge values": lambda: _series("h_0", 1e12 + _walk(300, 2, seed=6) * 1e9),
    "large offset": lambda: _series("o_0", 1e6 + _walk(300, seed=7)),
    "all missing": lambda: _series("z_0", np.full((50, 2), np.nan)),
    "no points": lambda: _series("e_0", np.zeros((0, 2))),
    "one point": lambda: _series("s_1", [[3.0]]),
    "two points": lambda: _series("s_2", [[3.0], [4.0]]),
    "long, thinned": lambda: _series("l_0", _walk(20000, 2, seed=8), interval=10),
    "daily": lambda: _series("d_0", _walk(400, seed=9), interval=86400),
    "odd labels": lambda: _series(
        "cost $5_0", _walk(100, 5, seed=10), channels=["_hidden", "é ünïcode:ß", "a$b$", "x" * 60, "(b)|[c]{d}"]
    ),
}
SIZES = {"default": {}, "small, crowded": {"width_px": 400, "height_px": 200, "max_legend": 3}}




def _fresh(group, **options) -> np.ndarray:
    options = chart_options(group, **options)
    chart = Chart(len(group), options["width_px"], options["height_px"])
    return chart.draw(chart_panels(group, options))[:, :, :3]


@pytest.mark.parametrize("size", SIZES)
def test_a_reused_figure_draws_what_a_fresh_one_draws(size):
    options = SIZES[size]
    for name, make in CASES.items():  # each case drawn after another one, on the pooled figures
        group = as_group(make())
        assert np.array_equal(draw_chart(group, **options), _fresh(group, **options)), name


def test_threads_draw_the_same_pixels():
    groups = [CASES[name]() for name in ("one channel", "pair", "gaps", "huge values")] * 3
    alone = [draw_chart(g) for g in groups]
    results = [None] * len(groups)

    def work(k):
        results[k] = draw_chart(groups[k])

    threads = [threading.Thread(target=work, args=(k,)) for k in range(len(groups))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert all(np.array_equal(a, b) for a, b in zip(alone, results))
