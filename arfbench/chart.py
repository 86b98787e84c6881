"""The dashboard chart painted with Agg's primitives, pixel for pixel what `Figure.draw` paints, in a few ms.

A full draw costs ~50 ms, half of it walking artists and the rest mostly re-rasterising strings. Here a figure
that is never drawn (one per layout, pooled) supplies everything matplotlib decides: axes boxes, limits, tick
locations and labels, offsets, transforms. The pixels come from the calls a draw makes (`draw_path` for lines and
grid, `draw_markers` for ticks, spines drawn by their own artists) in the same order, and strings come from
`AggText`. The placement rules copied here (text alignment, offset texts, title clearance, legend packing) are
matplotlib 3.11's; tests/arfbench/test_plot_faithful.py compares the result with a full draw.
"""

import threading
from dataclasses import dataclass, field

import matplotlib as mpl
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import to_rgba
from matplotlib.dates import AutoDateLocator, ConciseDateFormatter
from matplotlib.figure import Figure
from matplotlib.markers import TICKDOWN, TICKLEFT, MarkerStyle
from matplotlib.path import Path
from matplotlib.transforms import (
    Affine2D, Bbox, BboxTransformTo, IdentityTransform, ScaledTranslation, TransformedBbox, blended_transform_factory,
)  # fmt: skip

from tsqa.arfbench.agg_text import AggText

GRID_COLOR, GRID_WIDTH, LINE_WIDTH = "#e6e6e6", 0.6, 1.1
TICK_SIZE, TITLE_SIZE, LEGEND_SIZE = 8.0, 10.0, 7.0
LEGEND_ANCHOR = (1.01, 1.0)  # the legend's upper left corner, in axes coordinates


def margins(panels: int) -> dict:
    """Fixed subplot margins (room on the right for the legend) rather than tight_layout, which costs a second draw."""
    top, bottom = (0.9, 0.14) if panels == 1 else (0.94, 0.08)
    return {"left": 0.07, "right": 0.79, "top": top, "bottom": bottom, "hspace": 0.45}


def style_axes(ax) -> None:
    """What the chart changes from matplotlib's defaults on an axes, besides its data, title and legend."""
    ax.grid(True, color=GRID_COLOR, linewidth=GRID_WIDTH)
    ax.set_facecolor("white")
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    locator = AutoDateLocator(minticks=3, maxticks=8)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(ConciseDateFormatter(locator))
    ax.tick_params(labelsize=TICK_SIZE)


@dataclass
class Label:
    """A string where Agg draws it: pen x and baseline y in pixels from the top left."""

    text: str
    size: float
    x: float
    y: float


@dataclass
class Panel:
    """What one panel shows, as painted (the faithful-rendering tests and callers may inspect it)."""

    title: Label
    x_ticks: list[Label]
    y_ticks: list[Label]
    x_offset: Label
    y_offset: Label
    lines: list[tuple[np.ndarray, str]]  # ((points, 2) data x and y, colour) per channel
    legend: list[Label] = field(default_factory=list)


class _Layout:
    """One never-drawn figure of `panels` stacked axes, with the renderer its draw would use."""

    def __init__(self, panels: int, width_px: int, height_px: int, dpi: float) -> None:
        self.figure = Figure(figsize=(width_px / dpi, height_px / dpi), dpi=dpi, facecolor="white")
        self.renderer = FigureCanvasAgg(self.figure).get_renderer()
        self.canvas = np.asarray(self.renderer.buffer_rgba())  # (height, width, 4), written in place
        self.axes = list(self.figure.subplots(panels, 1, squeeze=False)[:, 0])
        self.figure.subplots_adjust(**margins(panels))
        for ax in self.axes:
            style_axes(ax)
        rc = mpl.rcParams
        self.x_pad = rc["xtick.major.pad"] + rc["xtick.major.size"]  # points from the spine to a label
        self.y_pad = rc["ytick.major.pad"] + rc["ytick.major.size"]
        self.offset_pad = 3 * dpi / 72  # Axis.OFFSETTEXTPAD, in pixels
        self.offset_sizes = (
            mpl.font_manager.FontProperties(size=rc["xtick.labelsize"]).get_size_in_points(),
            mpl.font_manager.FontProperties(size=rc["ytick.labelsize"]).get_size_in_points(),
        )
        dpi_scale = self.figure.dpi_scale_trans
        self.transforms = [
            {
                "x_grid": ax.get_xaxis_transform("grid"),
                "x_tick": ax.get_xaxis_transform("tick1"),
                "x_label": ax.get_xaxis_text1_transform(self.x_pad)[0],
                "y_grid": ax.get_yaxis_transform("grid"),
                "y_tick": ax.get_yaxis_transform("tick1"),
                "y_label": ax.get_yaxis_text1_transform(self.y_pad)[0],
                "offset": blended_transform_factory(ax.transAxes, IdentityTransform()),
                "title": ax.transAxes + ScaledTranslation(0.0, rc["axes.titlepad"] / 72, dpi_scale),
                "anchor": TransformedBbox(Bbox.from_bounds(*LEGEND_ANCHOR, 0, 0), BboxTransformTo(ax.bbox)),
            }
            for ax in self.axes
        ]


class ChartPainter:
    """Paints charts; one per process is enough. Threads may paint at once: each borrows a figure of the layout it
    needs from a pool (made when none is free), so a server's short-lived threads reuse them."""

    def __init__(self, dpi: float) -> None:
        self.dpi = dpi
        self.text = AggText(dpi)
        self._free: dict[tuple, list[_Layout]] = {}
        self._lock = threading.Lock()

    def paint(self, panels: list[dict], width_px: int, height_px: int) -> tuple[np.ndarray, list[Panel]]:
        """panels: per axes, {"lines": [((points, 2) data array, colour)], "title": str, "xlim": (low, high) or None
        (autoscale), "legend": [(label, colour or None)]}. Returns the (height, width, 4) uint8 RGBA image (opaque)
        and what each panel shows."""
        key = (len(panels), width_px, height_px)
        with self._lock:
            free = self._free.setdefault(key, [])
            layout = free.pop() if free else None
        if layout is None:
            layout = _Layout(*key, self.dpi)
        try:
            layout.canvas[:] = 255
            drawn = [self._panel(layout, k, spec) for k, spec in enumerate(panels)]
            return layout.canvas.copy(), drawn
        finally:
            with self._lock:
                self._free[key].append(layout)

    def _panel(self, layout: _Layout, k: int, spec: dict) -> Panel:
        ax, transforms = layout.axes[k], layout.transforms[k]
        paths = [Path(xy) for xy, _ in spec["lines"]]
        _set_limits(ax, paths, spec["xlim"])
        renderer = layout.renderer
        if k:  # white on white, but it covers whatever an earlier panel's labels spilled onto this one
            ax.patch.draw(renderer)
        x_ticks, x_offset = self._axis(layout, ax.xaxis, transforms, "x")
        y_ticks, y_offset = self._axis(layout, ax.yaxis, transforms, "y")
        for path, (_, colour) in zip(paths, spec["lines"]):
            if len(path.vertices):
                _draw_line(renderer, path, ax.transData.get_affine().frozen(), colour, LINE_WIDTH, ax.bbox)
        for side in ("left", "right", "bottom", "top"):
            ax.spines[side].draw(renderer)
        title = self._title(layout, ax, transforms, spec["title"], y_offset)
        self.text.draw(renderer, title.x, title.y, title.text, title.size)
        legend = self._legend(layout, transforms, spec["legend"])
        return Panel(title, x_ticks, y_ticks, x_offset, y_offset, [(xy, c) for xy, c in spec["lines"]], legend)

    def _box(self, text: str, size: float, ha: str, va: str) -> tuple[Bbox, float, float, float]:
        """`Text._get_layout` for one unrotated line, step by step so positions agree to the last bit: the text's box
        relative to its anchor, the pen offset from the anchor (x, y up), and the line's descent."""
        w, a, d = self.text.line_box(_shown(text), size)
        ymin = -a - d
        height_rot = 0 - ymin
        offsetx = {"left": 0, "right": w, "center": (0 + w) / 2}[ha]
        offsety = {
            "bottom": ymin, "top": 0, "center": (ymin + 0) / 2, "baseline": ymin + d,
            "center_baseline": ymin + height_rot - a / 2,
        }[va]  # fmt: skip
        return Bbox.from_bounds(0 - offsetx, ymin - offsety, w, height_rot), 0.0 - offsetx, -a - offsety, d

    def _place(self, height: int, text: str, size: float, pos, ha: str, va: str) -> tuple[Label, Bbox]:
        """Where `Text.draw` puts a one-line string anchored at display `pos`, and its window extent."""
        posx, posy = pos
        if not text:
            return Label(text, size, posx, height - posy), Bbox.from_bounds(posx, posy, 0, 0)
        box, dx, dy, _ = self._box(text, size, ha, va)
        return Label(_shown(text), size, dx + posx, height - (dy + posy)), box.translated(posx, posy)

    def _axis(self, layout: _Layout, axis, transforms: dict, name: str) -> tuple[list[Label], Label]:
        """Grid lines, tick marks and labels of one axis, then its offset text, as `Axis.draw` paints them."""
        renderer, height, rc = layout.renderer, layout.canvas.shape[0], mpl.rcParams
        locs = axis.get_major_locator()()
        formatter = axis.get_major_formatter()
        texts = formatter.format_ticks(locs)  # all of them: the labels may depend on ticks outside the view
        low, high = sorted(axis.get_view_interval())
        tolerance = (high - low) * 1e-10
        grid_gc = _line_gc(renderer, GRID_COLOR, GRID_WIDTH, axis.axes.bbox, alpha=rc["grid.alpha"])
        grid = transforms[f"{name}_grid"].get_affine().frozen()
        marker, marker_transform, tick_gc, tick_colour = self._tick_style(renderer, name)
        tick = transforms[f"{name}_tick"].get_affine().frozen()
        label_transform = transforms[f"{name}_label"]
        align = (rc["xtick.alignment"], "top") if name == "x" else ("right", rc["ytick.alignment"])
        labels, extents = [], []
        for loc, text in zip(locs, texts):
            if not low - tolerance <= loc <= high + tolerance:
                continue
            if name == "x":
                grid_path, point, anchor = [[loc, 0], [loc, 1]], [[loc, 0]], (loc, 0)
            else:
                grid_path, point, anchor = [[0, loc], [1, loc]], [[0, loc]], (0, loc)
            renderer.draw_path(grid_gc, Path(grid_path), grid)
            renderer.draw_markers(tick_gc, marker.get_path(), marker_transform, Path(point), tick, tick_colour)
            label, extent = self._place(height, text, TICK_SIZE, label_transform.transform(anchor), *align)
            self.text.draw(renderer, label.x, label.y, label.text, label.size)
            labels.append(label)
            extents.append(extent)
        grid_gc.restore()
        tick_gc.restore()
        offset_text = formatter.get_offset()
        if name == "x":
            bottom = Bbox.union(extents).y0 if extents else axis.axes.bbox.ymin
            y = bottom - layout.offset_pad
            offset, _ = self._place(height, offset_text, layout.offset_sizes[0],
                                    transforms["offset"].transform((1, y)), "right", "top")  # fmt: skip
        else:
            y = axis.axes.bbox.ymax + layout.offset_pad
            offset, _ = self._place(height, offset_text, layout.offset_sizes[1],
                                    transforms["offset"].transform((0, y)), "left", "baseline")  # fmt: skip
        self.text.draw(renderer, offset.x, offset.y, offset.text, offset.size)
        return labels, offset

    @staticmethod
    def _tick_style(renderer, name: str) -> tuple:
        """A tick mark as `Line2D.draw` stamps its marker: (marker, its transform, graphics context, face colour)."""
        rc = mpl.rcParams
        marker = MarkerStyle(TICKDOWN if name == "x" else TICKLEFT)
        colour = to_rgba(rc[f"{name}tick.color"])
        pixels = renderer.points_to_pixels(rc[f"{name}tick.major.size"])
        gc = renderer.new_gc()
        gc.set_linewidth(rc[f"{name}tick.major.width"])
        gc.set_antialiased(rc["lines.antialiased"])
        gc.set_foreground(colour, isRGBA=True)
        gc.set_snap(pixels >= marker.get_snap_threshold())
        gc.set_joinstyle(marker.get_joinstyle())
        gc.set_capstyle(marker.get_capstyle())
        return marker, marker.get_transform().scale(pixels), gc, colour

    def _title(self, layout: _Layout, ax, transforms: dict, text: str, y_offset: Label) -> Label:
        """The left title above the axes, raised clear of the y axis' offset text as `_update_title_position` does."""
        height = layout.canvas.shape[0]
        label, extent = self._title_at(height, transforms, text, 1.0)
        if not text or not y_offset.text:
            return label
        offset_size = layout.offset_sizes[1]
        _, offset_extent = self._place(height, y_offset.text, offset_size,
                                       transforms["offset"].transform((0, ax.bbox.ymax + layout.offset_pad)),
                                       "left", "baseline")  # fmt: skip
        if Bbox.intersection(offset_extent, extent) is None:
            return label
        top = offset_extent.ymax
        if extent.ymin < top:
            _, y = ax.transAxes.inverted().transform((0, top))
            label, extent = self._title_at(height, transforms, text, y)
            if extent.ymin < top:
                _, y = ax.transAxes.inverted().transform((0.0, 2 * top - extent.ymin))
                label, extent = self._title_at(height, transforms, text, y)
        return label

    def _title_at(self, height: int, transforms: dict, text: str, y: float) -> tuple[Label, Bbox]:
        return self._place(height, text, TITLE_SIZE, transforms["title"].transform((0.0, y)), "left", "baseline")

    def _legend(self, layout: _Layout, transforms: dict, entries: list[tuple[str, str | None]]) -> list[Label]:
        """A one-column legend, frameless, its upper left corner at `LEGEND_ANCHOR`: the sizes and offsets of
        `Legend`'s packing (handle area and text per row, rows stacked) computed the way the packers compute them.
        entries: (label, line colour, or None for a row without a line)."""
        if not entries:
            return []
        rc, renderer = mpl.rcParams, layout.renderer
        fontsize, dpicor = LEGEND_SIZE, renderer.points_to_pixels(1.0)
        sep = rc["legend.labelspacing"] * fontsize * dpicor
        descent = 0.35 * fontsize * (rc["legend.handleheight"] - 0.7)
        handle_w, handle_h = rc["legend.handlelength"] * fontsize, fontsize * rc["legend.handleheight"] - descent
        handle_box = Bbox.from_bounds(-0.0 * dpicor, -descent * dpicor, handle_w * dpicor, handle_h * dpicor)
        _, lp_height, lp_descent = self.text.metrics("lp", fontsize)
        rows, text_x = [], []
        for label, _ in entries:
            box, _, _, d = self._box(label, fontsize, "left", "baseline")
            w, h = box.size
            text_box = Bbox.from_bounds(0, -d, w, max(lp_height - lp_descent, h - d) + d)
            boxes = [handle_box, text_box]
            y0, y1 = min(b.y0 for b in boxes), max(b.y1 for b in boxes)
            widths = [b.width for b in boxes]
            packed = np.cumsum([0] + [width + rc["legend.handletextpad"] * fontsize * dpicor for width in widths])
            x_offsets = packed[:-1] - (np.array([b.x0 for b in boxes]) - boxes[0].x0)
            total = packed[-1] - rc["legend.handletextpad"] * fontsize * dpicor
            rows.append(Bbox.from_bounds(boxes[0].x0, y0, total, y1 - y0))
            text_x.append(x_offsets)
        x0, x1 = min(b.x0 for b in rows), max(b.x1 for b in rows)
        packed = np.cumsum([0] + [b.height + sep for b in rows])
        column_h = packed[-1] - sep
        y_offsets = column_h - (packed[:-1] + [b.y1 for b in rows])
        column = Bbox.from_bounds(x0, -y_offsets[0], x1 - x0, column_h)
        y_offsets = y_offsets - y_offsets[0]
        column_sep = rc["legend.columnspacing"] * fontsize * dpicor
        box = Bbox.from_bounds(column.x0, column.y0, (column.width + column_sep) - column_sep, column.y1 - column.y0)
        span = box.x1 - box.x0  # the legend box centres its one child: the row of columns
        outer_x = (span - (box.x1 - box.x0)) * 0.5 - box.x0
        total = (box.height + sep) - sep
        outer_y = total - (0 + box.y1)
        outer = Bbox.from_bounds(0, -outer_y, span - 0, total).padded(rc["legend.borderpad"] * fontsize * dpicor)
        pad = rc["legend.borderaxespad"] * renderer.points_to_pixels(fontsize)
        corner = Bbox.from_bounds(0, 0, outer.width, outer.height).anchored(
            "NW", container=transforms["anchor"].padded(-pad, -pad)
        ).p0
        column_x, column_y = corner[0] + -outer.x0 + outer_x, corner[1] + -outer.y0  # the packers' offsets add 0.0
        height, labels = layout.canvas.shape[0], []
        for (label, colour), row_y, x_offsets in zip(entries, y_offsets, text_x):
            rx, ry = column_x, column_y + row_y
            if colour is not None:
                xs = np.linspace(-0.0, -0.0 + handle_w, 3)
                handle = Path(np.column_stack([xs, np.full_like(xs, (handle_h - descent) / 2)]))
                affine = Affine2D().scale(dpicor).translate(rx + x_offsets[0], ry).frozen()
                _draw_line(renderer, handle, affine, colour, LINE_WIDTH, None)
            text, _ = self._place(height, label, fontsize, (rx + x_offsets[1], ry), "left", "baseline")
            self.text.draw(renderer, text.x, text.y, text.text, text.size)
            labels.append(text)
        return labels


def _shown(text: str) -> str:
    """What `Text` draws for plain text: an escaped dollar as a dollar (labels reach here through `plain_text`)."""
    return text.replace(r"\$", "$")


def _set_limits(ax, paths: list[Path], xlim: tuple | None) -> None:
    """The limits a freshly plotted axes gets at draw time: data limits from the paths, y autoscaled with margins,
    x as given (autoscaled too when there is no point)."""
    limits, ignore = Bbox.null(), True
    for path in paths:
        if path.vertices.size:
            limits.update_from_path(path, ignore)
            ignore = False
    ax.dataLim.set_points(limits.get_points())
    ax.viewLim.set_points(Bbox.unit().get_points())  # a fresh axes' view, which autoscaling may keep
    ax.set_autoscaley_on(True)
    if xlim is not None:
        ax.set_xlim(*xlim)
    else:
        ax.set_autoscalex_on(True)
    ax.autoscale_view(scalex=xlim is None, scaley=True)


def _line_gc(renderer, colour, width: float, clip, alpha=None):
    """The graphics context `Line2D.draw` strokes a solid line with (round joins, projecting caps, clipped)."""
    rc = mpl.rcParams
    gc = renderer.new_gc()
    gc.set_clip_rectangle(clip)
    gc.set_antialiased(rc["lines.antialiased"])
    gc.set_linewidth(width)
    gc.set_joinstyle(rc["lines.solid_joinstyle"])
    gc.set_capstyle(rc["lines.solid_capstyle"])
    gc.set_foreground(to_rgba(colour, alpha), isRGBA=True)
    return gc


def _draw_line(renderer, path: Path, affine, colour, width: float, clip) -> None:
    gc = _line_gc(renderer, colour, width, clip)
    renderer.draw_path(gc, path, affine)
    gc.restore()
