"""Chart strings drawn exactly as `RendererAgg.draw_text` draws them, without its per-string and per-glyph costs.

matplotlib 3.11 shapes a string (~150 us) to measure it, shapes it again to draw it, and renders each glyph through
FreeType (~25 us), on every draw. All of it is deterministic: the layout depends on the string and size, and a
glyph's bitmap on its pen position rounded to 1/64 pixel only modulo whole pixels (a whole-pixel move shifts the
bitmap and its corner exactly). So a string is shaped once per thread (FreeType fonts are per thread), its glyph
positions read from the measuring call where no shaping rule can have changed the glyphs, and bitmaps are kept in a
shared table keyed by that remainder; each glyph is blended by the same `draw_text_image` call, in the same order:
the same pixels as `draw_text`.

This uses the font methods `RendererAgg.draw_text` itself uses (`_layout`, `_set_transform`, `_render_glyph`);
without them (another matplotlib) every string goes through the public `draw_text`, same pixels, slower. The
line-box rule is 3.11's `Text._get_layout` for one unrotated line: ascent and descent are at least the font's
typographic ones, so a line's box does not depend on which letters it holds.
"""

import threading
import unicodedata

import matplotlib as mpl
import numpy as np
from matplotlib.backends.backend_agg import RendererAgg, get_hinting_flag
from matplotlib.font_manager import FontProperties, findfont, get_font
from matplotlib.ft2font import FT2Font, RenderMode

TEXT_COLOR = (0.0, 0.0, 0.0, 1.0)
_GLYPH_API = all(hasattr(FT2Font, name) for name in ("_layout", "_set_transform", "_render_glyph"))
_UNIT_MATRIX = (0x10000 * np.array([[1.0, -0.0], [0.0, 1.0]]) @ [[1, 0], [0, 1]]).round().astype(int)  # angle 0


class AggText:
    """Metrics and pixels of chart strings at one dpi; safe to share between threads."""

    def __init__(self, dpi: float, capacity: int = 50_000) -> None:
        self.dpi = dpi
        self.capacity = capacity  # glyph bitmaps (a few hundred bytes each)
        self._glyphs: dict = {}  # (font file, size, glyph, x remainder, y remainder) -> (bitmap, left, top)
        self._floors: dict = {}  # size -> (ascent, descent) every line is given at least
        self._local = threading.local()  # per thread: shaped strings, and a renderer whose fonts they use

    def _renderer(self) -> RendererAgg:
        if not hasattr(self._local, "renderer"):
            self._local.renderer = RendererAgg(8, 8, self.dpi)
        return self._local.renderer

    def _shaped(self, text: str, size: float) -> tuple:
        """((width, height, descent) in pixels, [(font, glyph index, x, y offset)] or None), as Agg's measuring and
        drawing of `text` find them; one shaping call per string and thread where it is enough."""
        shaped = self._local.__dict__.setdefault("shaped", {})
        key = (text, size)
        found = shaped.get(key)
        if found is None:
            # RendererAgg.get_text_width_height_descent, step by step
            font = self._renderer()._prepare_font(FontProperties(size=size))
            positions = font.set_text(text, 0.0, flags=get_hinting_flag())
            width, height = font.get_width_height()
            metrics = (width / 64.0, height / 64.0, font.get_descent() / 64.0)
            glyphs = _glyphs_as_measured(font, text, positions) if _GLYPH_API else None
            if _GLYPH_API and glyphs is None:
                items = font._layout(text, flags=get_hinting_flag(), features=None,
                                     language=mpl.rcParams["text.language"])  # fmt: skip
                glyphs = [(item.ft_object, item.glyph_index, item.x, item.y) for item in items]
            if len(shaped) >= self.capacity // 10:
                shaped.clear()
            found = shaped[key] = (metrics, glyphs)
        return found

    def metrics(self, text: str, size: float) -> tuple[float, float, float]:
        """(width, height, descent) in pixels, from Agg's text measurement."""
        return self._shaped(text, size)[0]

    def _floor(self, size: float) -> tuple[float, float]:
        """The font's typographic ascent and descent at `size` (OS/2 table, else hhea), as Text lays lines out."""
        found = self._floors.get(size)
        if found is None:
            font = get_font(findfont(FontProperties(size=size)))
            for table_name, ascent_key, descent_key in (
                ("OS/2", "sTypoAscender", "sTypoDescender"),
                ("hhea", "ascent", "descent"),
            ):
                table = font.get_sfnt_table(table_name)
                if table is not None:
                    scale = 1 / font.get_sfnt_table("head")["unitsPerEm"] * size * self.dpi / 72
                    found = (table[ascent_key] * scale, -table[descent_key] * scale)
                    break
            else:
                _, height, descent = self.metrics("lp", size)
                found = (height - descent, descent)
            self._floors[size] = found
        return found

    def line_box(self, text: str, size: float) -> tuple[float, float, float]:
        """(width, ascent, descent) of one line as `Text` lays it out."""
        width, height, descent = self.metrics(text, size) if text else (0, 0, 0)
        min_ascent, min_descent = self._floor(size)
        return width, max(height - descent, min_ascent), max(descent, min_descent)

    def draw(self, renderer: RendererAgg, x: float, y: float, text: str, size: float) -> None:
        """Draw `text` with its pen at x and its baseline at y (from the top): `renderer.draw_text` with a Text's
        graphics context."""
        if not text:
            return
        gc = renderer.new_gc()
        gc.set_foreground(TEXT_COLOR, isRGBA=True)
        gc.set_antialiased(mpl.rcParams["text.antialiased"])
        if not (_GLYPH_API and gc.get_antialiased()):
            renderer.draw_text(gc, x, y, text, FontProperties(size=size), 0)
            gc.restore()
            return
        height = renderer.height
        for font, index, dx, dy in self._shaped(text, size)[1]:
            # the 26.6 pen position RendererAgg computes (cos 0 = 1, sin 0 = 0)
            pen_x = round(0x40 * (x + dx * 1.0 - dy * 0.0))
            pen_y = round(0x40 * (height - y + dx * 0.0 + dy * 1.0))
            key = (font.fname, size, index, pen_x % 64, pen_y % 64)
            glyph = self._glyphs.get(key)
            if glyph is None:
                glyph = self._render(font, size, index, pen_x % 64, pen_y % 64, key)
            bitmap, left, top = glyph
            top += pen_y // 64
            renderer._renderer.draw_text_image(bitmap, left + pen_x // 64, int(height) - top + bitmap.shape[0], 0, gc)
        gc.restore()

    def _render(self, font: FT2Font, size: float, index: int, sub_x: int, sub_y: int, key: tuple) -> tuple:
        """A glyph rendered with its pen `sub_x`, `sub_y` 1/64 pixels past the origin: (bitmap, left, top)."""
        font.set_size(size, self.dpi)
        font._set_transform(_UNIT_MATRIX, [sub_x, sub_y])
        rendered = font._render_glyph(index, get_hinting_flag(), RenderMode.NORMAL)
        glyph = (np.array(rendered.buffer), rendered.left, rendered.top)
        if len(self._glyphs) >= self.capacity:
            self._glyphs.clear()
        self._glyphs[key] = glyph
        return glyph


def _glyphs_as_measured(font: FT2Font, text: str, positions) -> list[tuple] | None:
    """The glyphs `font._layout` gives, read from `set_text`'s positions (26.6) instead of shaping again: one glyph
    per character from the font's own character map, which holds when nothing merged, split or substituted them (no
    ligature, combining mark or character from a fallback font). None where that cannot be told."""
    positions = np.asarray(positions, dtype=float).reshape(-1, 2) / 64
    if len(positions) != len(text) or any(unicodedata.combining(c) for c in text):
        return None
    indices = [font.get_char_index(ord(c)) for c in text]
    if not all(indices):
        return None
    return [(font, index, x, y) for index, (x, y) in zip(indices, positions)]
