import io
import threading

import numpy as np
import pytest
from PIL import Image

from tsqa.arfbench import Sample, Series
from tsqa.arfbench.layout import image_path
from tsqa.arfbench.options import PRESENCE_NO, PRESENCE_YES
from tsqa.arfbench.plot import draw_chart, png_bytes
from tsqa.arfbench.plot_cache import PlotCache
from tsqa.arfbench.writer import write_dataset

T0 = 1741370400


def _series(name: str, seed: int = 0, steps: int = 120) -> Series:
    values = np.random.default_rng(seed).normal(size=(steps, 2)).cumsum(axis=0)
    return Series(name, ["host:a", "host:b"], T0 + 60 * np.arange(steps), values, 60)


def _sample(k: int, series: list[Series]) -> Sample:
    return Sample(
        id=f"{series[0].name}#{k}", query_group=", ".join(s.name for s in series),
        category="Anomaly Correlation" if len(series) == 2 else "Anomaly Presence",
        question="Is there an anomaly?", options=[PRESENCE_YES, PRESENCE_NO], answer=PRESENCE_YES, series=series,
    )  # fmt: skip


def test_one_render_per_content_and_size():
    cache = PlotCache()
    a, b = _series("1_0", seed=1), _series("2_0", seed=2)
    for _ in range(5):
        assert cache.png(a) == png_bytes(a)
        cache.png(b)
        cache.png([a, b])
        cache.png(a, width_px=480, height_px=200)
    assert cache.renders == 4 and cache.hits == 16
    cache.png(_series("1_0", seed=1))  # equal content in a new object: no new render
    cache.png(_series("1_9", seed=1))  # same values, another name: the title differs
    changed = _series("1_0", seed=1)
    changed.values[5, 0] += 1e-9
    cache.png(changed)
    cache.png(a, titles=["other title"])
    cache.png(a, max_legend=1)
    assert cache.renders == 8


def test_least_recently_used_is_evicted():
    cache = PlotCache(capacity=2)
    a, b, c = (_series(f"{k}_0", seed=k) for k in range(3))
    cache.png(a), cache.png(b), cache.png(a), cache.png(c)  # b is the least recently used when c arrives
    assert len(cache) == 2 and cache.renders == 3
    cache.png(a)
    assert cache.renders == 3
    cache.png(b)
    assert cache.renders == 4
    with pytest.raises(ValueError, match="capacity"):
        PlotCache(capacity=0)


def test_threads_asking_at_once_share_one_render():
    cache = PlotCache()
    series = _series("1_0")
    results = []
    threads = [threading.Thread(target=lambda: results.append(cache.png(series))) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert cache.renders == 1 and cache.hits == 7 and len(set(results)) == 1


def test_bad_requests_and_failed_renders_are_not_cached(monkeypatch):
    cache = PlotCache()
    with pytest.raises(ValueError, match="at least one series"):
        cache.png([])
    with pytest.raises(ValueError, match="plot size 960x8"):
        cache.png(_series("1_0"), height_px=8)

    def broken(*_, **__):
        raise RuntimeError("renderer failed")

    monkeypatch.setattr("tsqa.arfbench.plot_cache.png_bytes", broken)
    with pytest.raises(RuntimeError, match="renderer failed"):
        cache.png(_series("1_0"))
    assert len(cache) == 0
    monkeypatch.undo()
    assert cache.png(_series("1_0")) == png_bytes(_series("1_0"))


def test_writer_draws_each_series_and_pair_once(tmp_path):
    a, b, c = _series("1_0", seed=1), _series("2_0", seed=2), _series("3_0", seed=3)
    samples = [_sample(k, [s]) for k, s in enumerate([a, b, a, c, a, b])]
    samples += [_sample(10 + k, [a, b]) for k in range(3)]
    cache = PlotCache()
    write_dataset(samples, tmp_path, plot_cache=cache)
    assert cache.renders == 4  # a, b, c and the pair (a, b)
    with Image.open(image_path(tmp_path, ["1_0", "2_0"])) as image:
        assert np.array_equal(np.asarray(image.convert("RGB")), draw_chart([a, b]))
    with Image.open(image_path(tmp_path, ["3_0"])) as image, Image.open(io.BytesIO(cache.png(c))) as cached:
        assert image.size == (960, 320) and np.array_equal(np.asarray(image), np.asarray(cached))
