"""Dashboard-style line charts of one series, or of a pair stacked, as the image a vision model is shown.

They are drawn with matplotlib's Agg backend (a `Figure` and its canvas: no pyplot, no global state, no display),
and Pillow writes the PNG; the PNG bytes are a function of the input alone (fixed size and dpi, no metadata). Making a
figure and its axes costs about as much as drawing it, so a figure is made once per layout (panels, width, height)
and reused (`ChartPool`): each chart replaces the lines' data (`set_data`), the titles, the limits (autoscaled from
the new data) and the legend, then draws. A reused figure draws the same pixels as a fresh one (the tests compare
them).

A series of up to `MAX_LINES` channels is drawn one line per channel. A wider one (ARFBench's reach 2,000 channels)
draws its `WIDE_LINES` most unusual channels (`arfbench.channel_rank`) as lines over one grey band that spans the
others' range at each point, so the cost of a chart no longer grows with a line per channel and what stands out
stays visible.
"""

import io
import threading
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.dates import AutoDateLocator, ConciseDateFormatter
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from PIL import Image

from tsqa.arfbench.schema import Series

DPI = 100
GRID_COLOR, GRID_WIDTH, LINE_WIDTH = "#e6e6e6", 0.6, 1.1
TICK_SIZE, TITLE_SIZE, LEGEND_SIZE = 8.0, 10.0, 7.0
LEGEND_ANCHOR = (1.01, 1.0)  # the legend's upper left corner, in axes coordinates
PALETTE = (
    "#3d7cc9", "#e8743b", "#19a979", "#ed4a7b", "#945ecf", "#13a4b4", "#525df4", "#bf399e",
    "#6c8893", "#ee6868", "#2f6497", "#a2a50a",
)  # fmt: skip
BAND_COLOR = "#d3d3d3"  # the range of the channels a wide series does not draw as lines
MAX_LINES = 64  # channels drawn one line each
WIDE_LINES = len(PALETTE)  # lines of a wider series: its most unusual channels, one colour each
SECONDS_PER_DAY = 86400.0
PNG_COMPRESSION = 1  # zlib level: charts are mostly flat white; level 1 is as small as 6 (0.6%) and faster


@dataclass(frozen=True)
class PanelData:
    """What one panel (axes) shows."""

    x: np.ndarray  # (points,) matplotlib day numbers
    values: np.ndarray  # (points, channels); NaN leaves a gap
    colours: tuple[str, ...]  # one per channel
    title: str
    xlim: tuple[float, float] | None  # None: autoscaled
    legend: tuple[tuple[str, str | None], ...]  # (label, line colour, or None for a row without a line)


def margins(panels: int) -> dict:
    """Fixed subplot margins (room on the right for the legend) rather than tight_layout, which costs a second draw."""
    top, bottom = (0.9, 0.14) if panels == 1 else (0.94, 0.08)
    return {"left": 0.07, "right": 0.79, "top": top, "bottom": bottom, "hspace": 0.45}


def _style(ax) -> None:
    """What the chart changes from matplotlib's defaults on an axes, besides its data, title and legend."""
    ax.grid(True, color=GRID_COLOR, linewidth=GRID_WIDTH)
    ax.set_facecolor("white")
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    locator = AutoDateLocator(minticks=3, maxticks=8)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(ConciseDateFormatter(locator))
    ax.tick_params(labelsize=TICK_SIZE)


class Chart:
    """One figure of `panels` stacked axes at a fixed size in pixels, redrawn for each chart shown on it."""

    def __init__(self, panels: int, width_px: int, height_px: int) -> None:
        self.figure = Figure(figsize=(width_px / DPI, height_px / DPI), dpi=DPI, facecolor="white")
        self.canvas = FigureCanvasAgg(self.figure)
        self.axes = list(self.figure.subplots(panels, 1, squeeze=False)[:, 0])
        self.figure.subplots_adjust(**margins(panels))
        for ax in self.axes:
            _style(ax)

    def draw(self, panels: Sequence[PanelData]) -> np.ndarray:
        """Show `panels` (one per axes, top to bottom) and return the (height, width, 4) uint8 RGBA image (opaque)."""
        if len(panels) != len(self.axes):
            raise ValueError(f"a chart of {len(self.axes)} panels cannot show {len(panels)}")
        for ax, panel in zip(self.axes, panels):
            _show(ax, panel)
        self.canvas.draw()
        return np.array(self.canvas.buffer_rgba())


def _show(ax, panel: PanelData) -> None:
    if not np.isfinite(panel.values).any():
        # without data, autoscaling keeps the view an earlier chart set: start from a fresh axes instead
        ax.clear()
        _style(ax)
    lines = ax.get_lines()
    for line in lines[len(panel.colours):]:
        line.remove()
    for c, colour in enumerate(panel.colours):
        if c < len(lines):
            lines[c].set_data(panel.x, panel.values[:, c])
            lines[c].set_color(colour)
        else:
            ax.plot(panel.x, panel.values[:, c], color=colour, linewidth=LINE_WIDTH)
    ax.relim()  # data limits from the new lines only
    ax.set_autoscaley_on(True)
    if panel.xlim is None:
        ax.set_autoscalex_on(True)
    else:
        ax.set_xlim(*panel.xlim)
    ax.autoscale_view()
    ax.set_title(panel.title, loc="left", fontsize=TITLE_SIZE)
    if panel.legend:
        handles = [
            Line2D([], [], color=colour, linewidth=LINE_WIDTH) if colour else Line2D([], [], linestyle="none")
            for _, colour in panel.legend
        ]
        labels = [label for label, _ in panel.legend]
        ax.legend(handles, labels, loc="upper left", bbox_to_anchor=LEGEND_ANCHOR, fontsize=LEGEND_SIZE,
                  frameon=False)  # fmt: skip
    elif ax.get_legend() is not None:
        ax.get_legend().remove()


class ChartPool:
    """Lends a `Chart` of the layout a drawing needs, made when none is free: threads draw at once on different
    figures, and a server's short-lived threads reuse them."""

    def __init__(self) -> None:
        self._free: dict[tuple[int, int, int], list[Chart]] = {}
        self._lock = threading.Lock()

    def draw(self, panels: Sequence[PanelData], width_px: int, height_px: int) -> np.ndarray:
        """(height, width, 4) uint8 RGBA image of `panels` stacked."""
        key = (len(panels), width_px, height_px)
        with self._lock:
            free = self._free.setdefault(key, [])
            chart = free.pop() if free else None
        if chart is None:
            chart = Chart(*key)
        try:
            return chart.draw(panels)
        finally:
            with self._lock:
                self._free[key].append(chart)


_CHARTS = ChartPool()


def thin_points(series: Series, max_points: int) -> tuple[np.ndarray, np.ndarray]:
    """(x in matplotlib day numbers, values) with long series thinned to min/max per bucket, so spikes survive."""
    return thin(series.timestamps / SECONDS_PER_DAY, series.values, max_points)


def thin(x: np.ndarray, values: np.ndarray, max_points: int) -> tuple[np.ndarray, np.ndarray]:
    """(x, values (time, channels)) with at most `max_points` points: each bucket's minimum and maximum at its start
    (as is when short enough). Used for the PNG plots and for the labelling page's chart alike."""
    steps = len(x)
    if steps <= max_points:
        return x, values
    buckets = max_points // 2
    edges = np.linspace(0, steps, buckets + 1).astype(np.int64)
    low = np.fmin.reduceat(values, edges[:-1], axis=0)  # fmin/fmax skip NaN unless a whole bucket is missing
    high = np.fmax.reduceat(values, edges[:-1], axis=0)
    centers = x[edges[:-1]]
    thinned = np.empty((2 * buckets, values.shape[1]))
    thinned[0::2], thinned[1::2] = low, high
    return np.repeat(centers, 2), thinned


def plain_text(label: str) -> str:
    """One line, and a '$' shown as itself rather than opening mathtext."""
    return label.replace("\n", " ").replace("$", r"\$")


def legend_label(channel: str, limit: int = 36) -> str:
    label = channel if len(channel) <= limit else channel[: limit - 1] + "\u2026"
    return plain_text(label)


def x_limits(series: Series, x: np.ndarray) -> tuple[float, float] | None:
    """The first to the last plotted point; one interval wide for a single point; None (autoscale) without points."""
    if not len(x):
        return None
    return x[0], x[-1] if x[-1] > x[0] else x[0] + series.interval / SECONDS_PER_DAY


def chart_titles(group: Sequence[Series]) -> list[str]:
    if len(group) == 1:
        return [plain_text(group[0].name)]
    return [plain_text(f"Time-series {k + 1}: {s.name}") for k, s in enumerate(group)]


def drawn_channels(series: Series) -> list[int]:
    """The channels drawn as lines, ascending: all of them up to `MAX_LINES`, else the `WIDE_LINES` that score
    highest (`arfbench.channel_rank`)."""
    if len(series.channels) <= MAX_LINES:
        return list(range(len(series.channels)))
    from tsqa.arfbench.channel_rank import top_channels  # wide series only

    return top_channels(series.values, WIDE_LINES).tolist()


def legend_entries(series: Series, max_legend: int, drawn: list[int] | None = None) -> list[tuple[str, str | None]]:
    """(label, line colour) per legend row: the first `max_legend` drawn channels (default all), then "+N more"
    without a line, or with the band's colour when a band stands for channels not drawn. Labels starting with "_"
    are left out, as matplotlib's legend does."""
    drawn = list(range(len(series.channels))) if drawn is None else drawn
    entries = []
    for position, c in enumerate(drawn[:max_legend]):
        label = legend_label(series.channels[c])
        if label and not label.startswith("_"):
            entries.append((label, PALETTE[position % len(PALETTE)]))
    hidden = len(series.channels) - min(max_legend, len(drawn))
    if hidden > 0:
        entries.append((f"+{hidden} more", BAND_COLOR if len(drawn) < len(series.channels) else None))
    return entries


def panel_lines(series: Series, max_points: int, drawn: list[int]) -> tuple[np.ndarray, np.ndarray, tuple[str, ...]]:
    """(x (points,), values (points, lines), a colour per line): the band of the channels not in `drawn` first (when
    any), then a line per drawn channel. The band alternates between the others' lowest value (even points) and
    highest (odd points): thinned points come in (minimum, maximum) pairs per bucket, so it spans their range."""
    x, values = thin_points(series, max_points)  # (points,), (points, channels)
    colours = tuple(PALETTE[p % len(PALETTE)] for p in range(len(drawn)))
    if len(drawn) == len(series.channels):
        return x, values, colours
    others = np.setdiff1d(np.arange(len(series.channels)), drawn)
    rest = values[:, others]  # (points, others): at most max_points rows
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # a point where every other channel is missing: NaN
        low, high = np.nanmin(rest, axis=1), np.nanmax(rest, axis=1)
    band = np.where(np.arange(len(x)) % 2 == 0, low, high)
    return x, np.column_stack([band, values[:, drawn]]), (BAND_COLOR, *colours)


def as_group(series: Series | Sequence[Series]) -> list[Series]:
    """One series or a sequence of them (panels stacked top to bottom) as a non-empty list."""
    group = [series] if isinstance(series, Series) else list(series)
    if not group:
        raise ValueError("render_plot needs at least one series")
    return group


def chart_options(
    group: Sequence[Series],
    width_px: int = 960,
    height_px: int | None = None,
    max_legend: int = 8,
    titles: Sequence[str] | None = None,
) -> dict:
    """The drawing options for `group`, defaults filled in and checked (the plot cache keys on them too).

    width_px, height_px (default 320, or 560 for stacked panels), max_legend (channels named in the legend, then
    "+N more"), titles (one per panel; default the series names)."""
    if titles is not None and len(titles) != len(group):
        raise ValueError(f"titles: {len(titles)} given for {len(group)} series")
    height_px = height_px or (320 if len(group) == 1 else 560)
    if width_px < 16 or height_px < 16:
        raise ValueError(f"plot size {width_px}x{height_px} px: both sides must be at least 16")
    return {"width_px": width_px, "height_px": height_px, "max_legend": max_legend,
            "titles": None if titles is None else tuple(titles)}  # fmt: skip


def chart_panels(group: Sequence[Series], options: dict) -> list[PanelData]:
    """What each panel of `group`'s chart shows, for options filled in by `chart_options`."""
    titles = chart_titles(group) if options["titles"] is None else [plain_text(t) for t in options["titles"]]
    panels = []
    for s, title in zip(group, titles):
        drawn = drawn_channels(s)
        x, values, colours = panel_lines(s, 2 * options["width_px"], drawn)
        legend = tuple(legend_entries(s, options["max_legend"], drawn))
        panels.append(PanelData(x, values, colours, title, x_limits(s, x), legend))
    return panels


def draw_chart(series: Series | Sequence[Series], **options) -> np.ndarray:
    """The chart (one panel per series) as an (height, width, 3) uint8 array. options: see `chart_options`."""
    group = as_group(series)
    options = chart_options(group, **options)
    return _CHARTS.draw(chart_panels(group, options), options["width_px"], options["height_px"])[:, :, :3]


def encode_png(image: Image.Image) -> bytes:
    """PNG bytes without metadata: they depend on the pixels alone."""
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", compress_level=PNG_COMPRESSION)
    return buffer.getvalue()


def png_bytes(series: Series | Sequence[Series], **options) -> bytes:
    """The chart as PNG bytes (RGB); identical bytes for identical input. options: see `chart_options`."""
    return encode_png(Image.fromarray(draw_chart(series, **options)))


def render_plot(series: Series | Sequence[Series], path: str | Path | None = None, **options) -> Image.Image:
    """Render one series or a pair; write the PNG to `path` when given. Returns the image (RGB).
    options: see `chart_options`."""
    image = Image.fromarray(draw_chart(series, **options))
    if path is not None:
        Path(path).write_bytes(encode_png(image))
    return image


def open_png(data: bytes) -> Image.Image:
    """PNG bytes as an RGB image."""
    with Image.open(io.BytesIO(data)) as image:
        return image.convert("RGB")
