import threading

import numpy as np
import pytest
from PIL import Image

from tsqa.arfbench.plot import draw_chart
from tsqa.bridges.images import plot_cache, question_images, reset_plot_cache


@pytest.fixture
def fresh_cache():
    reset_plot_cache()
    yield plot_cache()
    reset_plot_cache()


def test_questions_sharing_series_render_each_once(make_sample, fresh_cache):
    single = [make_sample(k) for k in (0, 1, 0, 2, 0, 1)]  # three distinct series, asked six times
    pairs = [make_sample(3, pair=True) for _ in range(4)]
    images = [question_images(s)[0] for s in single + pairs]
    assert fresh_cache.renders == 4 and fresh_cache.hits == 6
    assert images[0].size == (960, 320) and images[-1].size == (960, 560)
    assert np.array_equal(np.asarray(images[2]), draw_chart(single[2].series[0]))
    assert np.array_equal(np.asarray(images[-1]), draw_chart(pairs[0].series))


def test_own_image_is_used_unless_redrawn(make_sample, fresh_cache, tmp_path):
    sample = make_sample(0)
    Image.new("RGB", (64, 48), "red").save(tmp_path / "own.png")
    sample.images = [tmp_path / "own.png"]
    (own,) = question_images(sample)
    assert own.size == (64, 48) and fresh_cache.renders == 0
    (drawn,) = question_images(sample, redraw=True)
    assert drawn.size == (960, 320) and fresh_cache.renders == 1


def test_threads_share_one_cache_and_one_render_per_series(make_sample):
    reset_plot_cache()
    samples = [make_sample(k % 2) for k in range(16)]
    sizes = []
    threads = [threading.Thread(target=lambda s=s: sizes.append(question_images(s)[0].size)) for s in samples]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sizes == [(960, 320)] * 16 and plot_cache().renders == 2 and plot_cache().hits == 14
    reset_plot_cache()
