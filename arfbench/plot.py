"""Dashboard-style line charts of one series, or of a pair stacked, as the image a vision model is shown.

Uses `matplotlib.figure.Figure` with the Agg canvas directly: no pyplot, no global state, no display needed.
The PNG bytes are a function of the input alone (fixed size and dpi, no software/date metadata).
"""

import io
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.dates import AutoDateLocator, ConciseDateFormatter
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from PIL import Image

from tsqa.arfbench.schema import Series

PALETTE = (
    "#3d7cc9", "#e8743b", "#19a979", "#ed4a7b", "#945ecf", "#13a4b4", "#525df4", "#bf399e",
    "#6c8893", "#ee6868", "#2f6497", "#a2a50a",
)  # fmt: skip
DPI = 100
SECONDS_PER_DAY = 86400.0


def _points(series: Series, max_points: int) -> tuple[np.ndarray, np.ndarray]:
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


def _short(label: str, limit: int = 36) -> str:
    return label if len(label) <= limit else label[: limit - 1] + "\u2026"


def _draw(ax, series: Series, title: str, max_legend: int, max_points: int) -> None:
    x, values = _points(series, max_points)
    for c, channel in enumerate(series.channels):
        label = _short(channel) if c < max_legend else None
        ax.plot(x, values[:, c], color=PALETTE[c % len(PALETTE)], linewidth=1.1, label=label)
    ax.set_title(title, loc="left", fontsize=10)
    ax.grid(True, color="#e6e6e6", linewidth=0.6)
    ax.set_facecolor("white")
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    locator = AutoDateLocator(minticks=3, maxticks=8)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(ConciseDateFormatter(locator))
    ax.tick_params(labelsize=8)
    if len(x):
        ax.set_xlim(x[0], x[-1] if x[-1] > x[0] else x[0] + series.interval / SECONDS_PER_DAY)
    handles, labels = ax.get_legend_handles_labels()
    hidden = len(series.channels) - max_legend
    if hidden > 0:
        handles.append(Line2D([], [], linestyle="none"))
        labels.append(f"+{hidden} more")
    if handles:
        ax.legend(handles, labels, loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=7, frameon=False)


def figure_of(
    series: Series | Sequence[Series],
    *,
    width_px: int = 960,
    height_px: int | None = None,
    max_legend: int = 8,
    titles: Sequence[str] | None = None,
) -> Figure:
    """The chart as a Figure (one panel per series), for callers that want to add to it before saving."""
    group = [series] if isinstance(series, Series) else list(series)
    if not group:
        raise ValueError("render_plot needs at least one series")
    height_px = height_px or (320 if len(group) == 1 else 560)
    fig = Figure(figsize=(width_px / DPI, height_px / DPI), dpi=DPI, facecolor="white")
    FigureCanvasAgg(fig)
    axes = fig.subplots(len(group), 1, squeeze=False)[:, 0]
    if titles is None:
        titles = [group[0].name] if len(group) == 1 else [f"Time-series {k + 1}: {s.name}" for k, s in enumerate(group)]
    for ax, s, title in zip(axes, group, titles):
        _draw(ax, s, title, max_legend, max_points=2 * width_px)
    # fixed margins (room on the right for the legend) rather than tight_layout, which costs a second draw
    single = len(group) == 1
    top, bottom = (0.9, 0.14) if single else (0.94, 0.08)
    fig.subplots_adjust(left=0.07, right=0.79, top=top, bottom=bottom, hspace=0.45)
    return fig


def png_bytes(series: Series | Sequence[Series], **kwargs) -> bytes:
    """The chart as PNG bytes; identical bytes for identical input."""
    buffer = io.BytesIO()
    figure_of(series, **kwargs).savefig(buffer, format="png", dpi=DPI, metadata={"Software": None})
    return buffer.getvalue()


def render_plot(series: Series | Sequence[Series], path: str | Path | None = None, **kwargs) -> Image.Image:
    """Render one series or a pair; write the PNG to `path` when given. Returns the image (RGB).

    kwargs: width_px (default 960), height_px, max_legend (channels named in the legend, then "+N more"), titles.
    """
    data = png_bytes(series, **kwargs)
    if path is not None:
        Path(path).write_bytes(data)
    with Image.open(io.BytesIO(data)) as image:
        return image.convert("RGB")
