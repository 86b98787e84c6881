"""Charts drawn once per distinct content: questions sharing a series (ARFBench: 750 over 142) share its plot.

The key is what the picture depends on: each series' digest and name (the title shows it), the order of a stacked
pair, the size, the legend cap and explicit titles. Entries are PNG bytes (~70 KB for 960x320), evicted least
recently used. Threads asking for the same chart at once wait for one drawing of it.
"""

import threading
from collections import OrderedDict
from collections.abc import Sequence
from concurrent.futures import Future

from PIL import Image

from tsqa.arfbench.digest import series_digest
from tsqa.arfbench.plot import as_group, chart_options, open_png, png_bytes
from tsqa.arfbench.schema import Series


class PlotCache:
    """PNG bytes of charts by content. `renders` counts charts drawn, `hits` the ones served from memory."""

    def __init__(self, capacity: int = 512) -> None:
        if capacity < 1:
            raise ValueError(f"PlotCache capacity must be at least 1, got {capacity}")
        self.capacity = capacity
        self.renders = 0
        self.hits = 0
        self._entries: OrderedDict[tuple, Future] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._entries)

    def png(self, series: Series | Sequence[Series], **options) -> bytes:
        """The chart of `series` (one, or a pair stacked) as `plot.png_bytes` draws it, drawn at most once.
        options: see `plot.chart_options`."""
        group = as_group(series)
        options = chart_options(group, **options)
        key = (tuple((s.name, series_digest(s)) for s in group), *options.values())
        with self._lock:
            entry = self._entries.get(key)
            drawer = entry is None
            if drawer:
                entry = self._entries[key] = Future()
                self.renders += 1
                if len(self._entries) > self.capacity:
                    self._entries.popitem(last=False)
            else:
                self._entries.move_to_end(key)
                self.hits += 1
        if not drawer:
            return entry.result()  # waits while another thread draws it
        try:
            entry.set_result(png_bytes(group, **options))
        except BaseException as error:
            with self._lock:
                if self._entries.get(key) is entry:
                    del self._entries[key]
            entry.set_exception(error)
            raise
        return entry.result()

    def image(self, series: Series | Sequence[Series], **options) -> Image.Image:
        """The chart as an RGB image (decoded from the cached PNG; options as `png`)."""
        return open_png(self.png(series, **options))
