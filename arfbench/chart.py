"""Dashboard line charts drawn by matplotlib's Agg backend (a `Figure` and its canvas, never pyplot).

Making a figure and its axes costs about as much as drawing it, so a figure is made once per layout (panels, width,
height) and reused: each chart replaces the lines' data (`set_data`), the titles, the limits (autoscaled from the
new data) and the legend, then draws. A reused figure draws the same pixels as a fresh one (the tests compare them).
"""

import threading
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.dates import AutoDateLocator, ConciseDateFormatter
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

DPI = 100
GRID_COLOR, GRID_WIDTH, LINE_WIDTH = "#e6e6e6", 0.6, 1.1
TICK_SIZE, TITLE_SIZE, LEGEND_SIZE = 8.0, 10.0, 7.0
LEGEND_ANCHOR = (1.01, 1.0)  # the legend's upper left corner, in axes coordinates


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
