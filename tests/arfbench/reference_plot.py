"""The chart drawn the way arfbench/plot.py drew it before `arfbench.chart`: a matplotlib Figure per chart, drawn in
full and saved through PIL. Kept only as the reference the fast renderer is compared with."""

import io
from collections.abc import Sequence

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from PIL import Image

from tsqa.arfbench.chart import LEGEND_ANCHOR, LEGEND_SIZE, LINE_WIDTH, TITLE_SIZE, margins, style_axes
from tsqa.arfbench.plot import DPI, PALETTE, chart_titles, legend_label, thin_points, x_limits
from tsqa.arfbench.schema import Series


def _draw(ax, series: Series, title: str, max_legend: int, max_points: int) -> None:
    x, values = thin_points(series, max_points)
    for c, channel in enumerate(series.channels):
        label = legend_label(channel) if c < max_legend else None
        ax.plot(x, values[:, c], color=PALETTE[c % len(PALETTE)], linewidth=LINE_WIDTH, label=label)
    ax.set_title(title, loc="left", fontsize=TITLE_SIZE)
    style_axes(ax)
    limits = x_limits(series, x)
    if limits is not None:
        ax.set_xlim(*limits)
    handles, labels = ax.get_legend_handles_labels()
    hidden = len(series.channels) - max_legend
    if hidden > 0:
        handles.append(Line2D([], [], linestyle="none"))
        labels.append(f"+{hidden} more")
    if handles:
        ax.legend(handles, labels, loc="upper left", bbox_to_anchor=LEGEND_ANCHOR, fontsize=LEGEND_SIZE, frameon=False)


def reference_figure(
    series: Series | Sequence[Series], *, width_px: int = 960, height_px: int | None = None, max_legend: int = 8
) -> Figure:
    group = [series] if isinstance(series, Series) else list(series)
    height_px = height_px or (320 if len(group) == 1 else 560)
    fig = Figure(figsize=(width_px / DPI, height_px / DPI), dpi=DPI, facecolor="white")
    FigureCanvasAgg(fig)
    axes = fig.subplots(len(group), 1, squeeze=False)[:, 0]
    for ax, s, title in zip(axes, group, chart_titles(group)):
        _draw(ax, s, title, max_legend, max_points=2 * width_px)
    fig.subplots_adjust(**margins(len(group)))
    return fig


def reference_png(series: Series | Sequence[Series], **kwargs) -> bytes:
    """The PNG the old path wrote."""
    buffer = io.BytesIO()
    reference_figure(series, **kwargs).savefig(buffer, format="png", dpi=DPI, metadata={"Software": None})
    return buffer.getvalue()


def reference_pixels(series: Series | Sequence[Series], **kwargs) -> np.ndarray:
    """(height, width, 3) uint8, through the PNG the old path wrote."""
    with Image.open(io.BytesIO(reference_png(series, **kwargs))) as image:
        return np.asarray(image.convert("RGB"))
