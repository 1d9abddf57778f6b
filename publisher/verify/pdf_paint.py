"""What a PDF page paints: which of its text a reader sees, and how its pictures are drawn.

A small content-stream interpreter. pikepdf parses each page (and the Form XObjects
and annotation appearances it draws); this follows the graphics state a viewer
keeps: q/Q, cm, clip paths (as bounding boxes), fill colour and alpha, the text
matrix, font size and render mode. Each text-showing operator is judged by one
point inside its first glyph (a third of an em up and in), in page space: it is
hidden when it is invisible, too small, off the page, outside the clip, too close
in colour to what was painted beneath it (WeasyPrint sets white text on dark
bands and badges, so the page's white is only the last resort), or when an opaque
area is painted over it later. Glyph widths are not read: only the operators'
origins move the point. Words are decoded (ToUnicode) only for what is reported.
"""
from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal
from functools import partial
from itertools import groupby
from operator import itemgetter
from typing import TYPE_CHECKING, Any, Callable, Iterable

import pikepdf

from .contrast import luminance, ratio

if TYPE_CHECKING:  # built by the extractor, once per file
    from .pdf_fonts import Fonts
    from .pdf_pictures import Pictures

Matrix = tuple[float, float, float, float, float, float]
#: x0, y0, x1, y1 in page space (the page's default user space, y up)
Box = tuple[float, float, float, float]
#: relative luminance (0 black … 1 white) and how the report names the colour
Colour = tuple[float, str]
Handler = Callable[[Any], None]
#: one text-showing operator: the areas painted before it, the point judged (x, y), its colour
#: and alpha, its marked content (MCID, ActualText index), its font and operands
Shown = tuple[int, float, float, "Colour | None", float, "tuple[int, int] | None", Any, Any]

IDENTITY: Matrix = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)
WHITE: Colour = (1.0, "white")
BLACK: Colour = (0.0, "black")
NOWHERE: Box = (0.0, 0.0, -1.0, -1.0)
#: the operators followed; pikepdf leaves all others (and inline images) unparsed
OPERATORS = ("q Q cm gs BT Tm Td TD T* TL Tf Tr Tz Tj TJ ' \" g rg k G RG K cs sc scn CS SC SCN "
             "re m l c v y W W* n f F f* B B* b b* S s sh Do")
#: marked content, parsed only where a page needs it (an ActualText, a tagged heading's MCIDs)
MARKS = " BDC BMC EMC"
#: Form XObjects and pictures one page may draw, counted through all nesting; and how deep
MAX_DRAWS = 10_000
MAX_DEPTH = 16
#: text whose glyphs are smaller than this (points) cannot be read
MIN_SIZE = 1.5
#: WCAG contrast ratio below which text does not stand out from what is beneath it
MIN_CONTRAST = 1.5
#: fill alpha from which a painted area hides what lies beneath it
OPAQUE = 0.9
#: painted areas thinner than this (points) are rules and borders: they hide no text
MIN_SIDE = 2.0
#: hidden runs reported per page (a whole page hidden is one run; this bounds a patchwork)
MAX_SEEN = 20
#: painted areas kept per page, subpaths per area, and area tests per page: a page built to
#: make the interpreter slow is judged only in part (WeasyPrint's pages paint a few dozen)
MAX_REGIONS = 5_000
MAX_PARTS = 256
MAX_TESTS = 2_000_000
#: a name written with #xx escapes could spell ActualText unseen by a plain byte search
_ESCAPED_NAME = re.compile(rb"/[A-Za-z]*#[0-9A-Fa-f]{2}")
_HYPHENS = dict.fromkeys(map(ord, "-\u00ad\u2010\u2011"))
_SPACES = {"/DeviceGray": "gray", "/G": "gray", "/CalGray": "gray", "/DeviceRGB": "rgb", "/RGB": "rgb",
           "/CalRGB": "rgb", "/DeviceCMYK": "cmyk", "/CMYK": "cmyk", "/Lab": "lab"}


class Overdrawn(Exception):
    """A page draws more nested objects than a viewer would, or a form that draws itself."""


@dataclass
class PagePaint:
    """What one page shows, as far as the verifier checks it."""
    #: the image XObjects drawn, in drawing order (the pictures' fingerprints are read from these)
    images: list[Any] = field(default_factory=list)
    #: (words, how they are hidden) for each run of text no reader sees
    hidden: list[tuple[str, str]] = field(default_factory=list)
    #: (index into `images`, how it is drawn wrong)
    pictures: list[tuple[int, str]] = field(default_factory=list)
    #: (words painted, the ActualText copied and read aloud instead) where the two differ
    copied: list[tuple[str, str]] = field(default_factory=list)
    #: the decoded text of each marked-content id asked for
    marked: dict[int, str] = field(default_factory=dict)
    #: the annotations drawn on the page that cover no text ("/Square")
    annotations: list[str] = field(default_factory=list)


def paint(page: Any, marked: set[int], fonts: Fonts, pictures: Pictures) -> PagePaint:
    """Interpret one page (its content, then its annotations) and judge what it shows."""
    painter = Painter(page_box(page), marked, fonts, pictures)
    painter.run(page.obj, inherited(page.obj, "/Resources") or pikepdf.Dictionary(), 0)
    painter.annotate(page.obj.get("/Annots") or [])
    return painter.result()


def inherited(node: Any, key: str) -> Any:
    """A page's attribute, or its nearest ancestor's in the page tree (/Resources may be shared)."""
    for _ in range(32):
        if not isinstance(node, pikepdf.Dictionary):
            return None
        if key in node:
            return node[key]
        node = node.get("/Parent")
    return None


def page_box(page: Any) -> Box:
    """The part of the page a viewer shows: the CropBox within the MediaBox."""
    return meet(rect(page.mediabox), rect(page.cropbox))


# ---- geometry ---------------------------------------------------------------------------

def multiply(m: Matrix, n: Matrix) -> Matrix:
    """m then n (PDF's row-vector order: m × n)."""
    return (m[0] * n[0] + m[1] * n[2], m[0] * n[1] + m[1] * n[3], m[2] * n[0] + m[3] * n[2],
            m[2] * n[1] + m[3] * n[3], m[4] * n[0] + m[5] * n[2] + n[4], m[4] * n[1] + m[5] * n[3] + n[5])


def matrix(values: Any) -> Matrix:
    a, b, c, d, e, f = values
    return (float(a), float(b), float(c), float(d), float(e), float(f))


def rect(values: Any) -> Box:
    """A PDF rectangle as a box, its corners in any order."""
    x0, y0, x1, y1 = (float(v) for v in values)
    return (min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1))


def bounds(m: Matrix, points: Iterable[tuple[float, float]]) -> list[float]:
    """The bounding box (x0, y0, x1, y1) of the points under m."""
    xs, ys = [], []
    for x, y in points:
        xs.append(x * m[0] + y * m[2] + m[4])
        ys.append(x * m[1] + y * m[3] + m[5])
    return [min(xs), min(ys), max(xs), max(ys)]


def meet(a: Box | None, b: Box) -> Box:
    """The overlap of two boxes (a None: unbounded); an empty box when they do not meet."""
    if a is None:
        return b
    box = (max(a[0], b[0]), max(a[1], b[1]), min(a[2], b[2]), min(a[3], b[3]))
    return box if box[0] <= box[2] and box[1] <= box[3] else NOWHERE


def empty(box: Box) -> bool:
    return box[0] > box[2] or box[1] > box[3]


def inside(box: Box, x: float, y: float) -> bool:
    return box[0] <= x <= box[2] and box[1] <= y <= box[3]


def _union(parts: list[list[float]]) -> Box:
    return (min(p[0] for p in parts), min(p[1] for p in parts),
            max(p[2] for p in parts), max(p[3] for p in parts))


# ---- colour -----------------------------------------------------------------------------

def colour_space(name: Any, resources: Any) -> str | None:
    """'gray', 'rgb', 'cmyk' or 'lab' for a colour space; None for one not followed (a pattern)."""
    if str(name) in _SPACES:
        return _SPACES[str(name)]
    spaces = resources.get("/ColorSpace")
    found = spaces.get(name) if spaces is not None else None
    if isinstance(found, pikepdf.Array) and len(found) > 0:
        family = str(found[0])
        if family == "/ICCBased":
            return {1: "gray", 3: "rgb", 4: "cmyk"}.get(int(found[1].get("/N", 0)))
        return _SPACES.get(family)
    return _SPACES.get(str(found)) if found is not None else None


def colour_of(space: str | None, values: list[float]) -> Colour | None:
    """The colour of components in a space (None: unknown)."""
    if space == "gray" and len(values) == 1:
        return _rgb(values[0], values[0], values[0])
    if space == "rgb" and len(values) == 3:
        return _rgb(*values)
    if space == "cmyk" and len(values) == 4:
        c, m, y, k = values
        return _rgb((1 - c) * (1 - k), (1 - m) * (1 - k), (1 - y) * (1 - k))
    if space == "lab" and len(values) == 3:
        lightness = values[0]
        bright = ((lightness + 16) / 116) ** 3 if lightness > 8 else lightness / 903.3
        return (min(max(bright, 0.0), 1.0), f"lab({lightness:g} {values[1]:g} {values[2]:g})")
    return None


def _rgb(r: float, g: float, b: float) -> Colour:
    r, g, b = (min(max(v, 0.0), 1.0) for v in (r, g, b))
    bright = luminance(r, g, b)
    name = "#" + "".join(f"{round(v * 255):02x}" for v in (r, g, b))
    if max(r, g, b) - min(r, g, b) < 0.02 and (r > 0.98 or r < 0.02):
        name = "white" if r > 0.98 else "black"
    return (bright, name)


def beneath(regions: list[Region]) -> Colour | None:
    """The colour at a point under these areas (painted in this order) on the white page."""
    colour: Colour | None = WHITE
    for region in regions:
        if region.colour is None:
            colour = None if region.alpha > 0.01 else colour
        elif colour is None or region.alpha >= OPAQUE:
            colour = region.colour if region.alpha >= OPAQUE else None
        else:
            alpha = region.alpha
            colour = (alpha * region.colour[0] + (1 - alpha) * colour[0],
                      region.colour[1] if alpha >= 0.5 else colour[1])
    return colour


def contrast_verdict(colour: Colour | None, alpha: float, under: Colour | None) -> str:
    """'' when text of this colour stands out from what is beneath it; else how it does not."""
    if colour is None or under is None:
        return ""  # a pattern or a picture: not judged
    seen = alpha * colour[0] + (1 - alpha) * under[0]
    return "" if ratio(seen, under[0]) >= MIN_CONTRAST else f"is drawn in {colour[1]} on {under[1]}"


# ---- what a page paints ----------------------------------------------------------------

class State:
    """The graphics state q saves and Q restores (the text state included)."""
    __slots__ = ("ctm", "clip", "fill", "stroke", "fill_alpha", "stroke_alpha", "fill_space",
                 "stroke_space", "font", "size", "mode", "scale", "leading")

    def __init__(self, ctm: Matrix = IDENTITY) -> None:
        self.ctm: Matrix = ctm
        self.clip: Box | None = None
        self.fill: Colour | None = BLACK
        self.stroke: Colour | None = BLACK
        self.fill_space: str | None = "gray"
        self.stroke_space: str | None = "gray"
        self.fill_alpha = self.stroke_alpha = 1.0
        self.font: Any = None
        self.size, self.mode, self.scale, self.leading = 0.0, 0, 1.0, 0.0

    def copy(self) -> State:
        other = State.__new__(State)
        for name in State.__slots__:
            setattr(other, name, getattr(self, name))
        return other


class Region:
    """A painted area: its box (clipped), its subpaths' boxes, colour (None: unknown), alpha."""
    __slots__ = ("seq", "box", "parts", "evenodd", "colour", "alpha", "what")

    def __init__(self, seq: int, box: Box, parts: list[list[float]], evenodd: bool,
                 colour: Colour | None, alpha: float, what: str) -> None:
        self.seq, self.box, self.evenodd, self.colour, self.alpha = seq, box, evenodd, colour, alpha
        self.parts, self.what = parts if len(parts) > 1 else None, what

    def holds(self, x: float, y: float) -> bool:
        """Whether the point is painted (even-odd or nonzero over the subpaths' boxes)."""
        if not inside(self.box, x, y):
            return False
        if self.parts is None:
            return True
        count = sum(1 for p in self.parts if p[0] <= x <= p[2] and p[1] <= y <= p[3])
        return count % 2 == 1 if self.evenodd else count > 0


class Grid:
    """The painted areas by 100-point cell, so a point is tested against its neighbours only."""
    CELL = 100.0

    #: an area over more cells than this is kept apart and tested at every point (a page of a
    #: huge MediaBox filled many times would otherwise fill millions of cells)
    MAX_CELLS = 64

    def __init__(self, regions: list[Region]) -> None:
        self.cells: dict[tuple[int, int], list[Region]] = {}
        self.large: list[Region] = []
        for region in regions:
            x0, y0, x1, y1 = (int(v // self.CELL) for v in region.box)
            if (x1 - x0 + 1) * (y1 - y0 + 1) > self.MAX_CELLS:
                self.large.append(region)
                continue
            for i in range(x0, x1 + 1):
                for j in range(y0, y1 + 1):
                    self.cells.setdefault((i, j), []).append(region)

    def at(self, x: float, y: float) -> list[Region]:
        """The areas near a point, in painting order."""
        near = self.cells.get((int(x // self.CELL), int(y // self.CELL)), [])
        if not self.large:
            return near
        return sorted(near + self.large, key=lambda region: region.seq)


class Painter:
    """Follows one page's drawing operators, gathering its texts, painted areas and pictures."""

    def __init__(self, box: Box, wanted: set[int], fonts: Fonts, pictures: Pictures) -> None:
        self.box, self.wanted, self.fonts, self.pictures = box, wanted, fonts, pictures
        self.state, self.saved = State(), list[State]()
        self.tm = self.tlm = IDENTITY
        self.texts: list[Shown] = []
        self.reasons: list[str] = []  # how each text is hidden ("": it is not)
        self.regions: list[Region] = []
        self.out = PagePaint()
        self.path: list[list[float]] = []
        self.clipping: bool | None = None  # W (False) or W* (True), applied at the path's end
        self.marks: list[tuple[int, int] | None] = []  # (MCID or -1, ActualText index or -1)
        self.may_replace = False  # the stream being run may hold an ActualText
        self.actual: list[str] = []
        self.open_forms: list[tuple[int, int]] = []
        self.draws = self.depth = self.painted = 0
        self.annotation = ""  # while drawing an annotation's appearance: its subtype
        self.resources: Any = pikepdf.Dictionary()
        self.font_names: dict[str, Any] = {}
        self.handlers = self._handlers()

    def run(self, content: Any, resources: Any, depth: int) -> None:
        """Interpret one content stream (a page's or a form's) with its resources."""
        outer = self.resources, self.font_names, self.depth, self.may_replace
        self.resources, self.font_names, self.depth = resources, {}, depth
        self.may_replace = self._may_replace(content, depth)
        operators = OPERATORS + (MARKS if self.may_replace or (self.wanted and depth == 0) else "")
        handlers, name = self.handlers, str
        for instruction in pikepdf.parse_content_stream(content, operators):
            try:
                handlers[name(instruction.operator)](instruction.operands)
            except (TypeError, ValueError, IndexError, KeyError, ArithmeticError):
                pass  # an operator with wrong operands: viewers skip it too
        self.resources, self.font_names, self.depth, self.may_replace = outer

    def _may_replace(self, content: Any, depth: int) -> bool:
        """Whether a content stream may mark text with an ActualText (a byte search)."""
        streams = content.get("/Contents") if depth == 0 and not self.annotation else content
        streams = list(streams) if isinstance(streams, pikepdf.Array) else [streams]
        data = b"".join(s.read_bytes() for s in streams if isinstance(s, pikepdf.Stream))
        return b"ActualText" in data or _ESCAPED_NAME.search(data) is not None

    def _handlers(self) -> dict[str, Handler]:
        state = self._state_handlers() | self._text_handlers() | self._path_handlers()
        return state | {"Do": self._draw, "BDC": self._begin_marked, "BMC": self._begin_mark,
                        "EMC": self._end_marked}

    # ---- graphics state ----------------------------------------------------------------

    def _state_handlers(self) -> dict[str, Handler]:
        colours: dict[str, Handler] = {}
        for stroke, names in ((False, ("g", "rg", "k", "cs", "sc", "scn")),
                              (True, ("G", "RG", "K", "CS", "SC", "SCN"))):
            for name, space in zip(names, ("gray", "rgb", "cmyk")):
                colours[name] = partial(self._set_colour, space, stroke, True)
            colours[names[3]] = partial(self._space, stroke)
            colours[names[4]] = colours[names[5]] = partial(self._colour, stroke)
        return colours | {"q": self._save, "Q": self._restore, "cm": self._concat, "gs": self._extgstate}

    def _save(self, _: Any) -> None:
        self.saved.append(self.state.copy())

    def _restore(self, _: Any) -> None:
        if self.saved:
            self.state = self.saved.pop()

    def _concat(self, operands: Any) -> None:
        self.state.ctm = multiply(matrix(operands), self.state.ctm)

    def _extgstate(self, operands: Any) -> None:
        states = self.resources.get("/ExtGState")
        found = states.get(operands[0]) if states is not None else None
        if not isinstance(found, pikepdf.Dictionary):
            return
        if "/ca" in found:
            self.state.fill_alpha = float(found.ca)
        if "/CA" in found:
            self.state.stroke_alpha = float(found.CA)
        if "/Font" in found:
            self.state.font, self.state.size = found.Font[0], float(found.Font[1])

    def _space(self, stroke: bool, operands: Any) -> None:
        space = colour_space(operands[0], self.resources)
        initial = colour_of(space, [0.0] * {"gray": 1, "rgb": 3, "cmyk": 4, "lab": 3}.get(space or "", 0))
        if stroke:
            self.state.stroke_space, self.state.stroke = space, initial
        else:
            self.state.fill_space, self.state.fill = space, initial

    def _colour(self, stroke: bool, operands: Any) -> None:
        self._set_colour(self.state.stroke_space if stroke else self.state.fill_space, stroke, False, operands)

    def _set_colour(self, space: str | None, stroke: bool, device: bool, operands: Any) -> None:
        colour = colour_of(space, [float(v) for v in operands if isinstance(v, (int, float, Decimal))])
        if stroke:
            self.state.stroke = colour
            self.state.stroke_space = space if device else self.state.stroke_space
        else:
            self.state.fill = colour
            self.state.fill_space = space if device else self.state.fill_space

    # ---- text ---------------------------------------------------------------------------

    def _text_handlers(self) -> dict[str, Handler]:
        return {"BT": self._begin_text, "Tm": self._text_matrix, "Td": self._move, "TD": self._move_lead,
                "T*": self._next_line, "TL": self._leading, "Tf": self._font, "Tr": self._render_mode,
                "Tz": self._scale, "Tj": self._show, "TJ": self._show, "'": self._show_next,
                '"': self._show_next}

    def _begin_text(self, _: Any) -> None:
        self.tm = self.tlm = IDENTITY

    def _text_matrix(self, operands: Any) -> None:
        self.tm = self.tlm = matrix(operands)

    def _move(self, operands: Any) -> None:
        self.tm = self.tlm = multiply((1.0, 0.0, 0.0, 1.0, float(operands[0]), float(operands[1])), self.tlm)

    def _move_lead(self, operands: Any) -> None:
        self.state.leading = -float(operands[1])
        self._move(operands)

    def _next_line(self, _: Any) -> None:
        self._move((0.0, -self.state.leading))

    def _leading(self, operands: Any) -> None:
        self.state.leading = float(operands[0])

    def _font(self, operands: Any) -> None:
        name, size = operands
        font = self.font_names.get(key := str(name), self)
        if font is self:
            fonts = self.resources.get("/Font")
            font = self.font_names[key] = fonts.get(key) if fonts is not None else None
        self.state.font, self.state.size = font, float(size)

    def _render_mode(self, operands: Any) -> None:
        self.state.mode = int(operands[0])

    def _scale(self, operands: Any) -> None:
        self.state.scale = float(operands[0]) / 100

    def _show_next(self, operands: Any) -> None:
        self._next_line(None)
        self._show(operands)

    def _show(self, operands: Any) -> None:
        """Record one text-showing operator with what can be told of it at once."""
        self.painted += 1
        if self.annotation:
            return  # an annotation's own words are none of the page's text
        st, (ta, tb, tc, td, te, tf) = self.state, self.tm
        ca, cb, cc, cd, ce, cf = st.ctm
        a, b, c, d = ta * ca + tb * cc, ta * cb + tb * cd, tc * ca + td * cc, tc * cb + td * cd
        size, wide = st.size, st.size * st.scale
        x = te * ca + tf * cc + ce + 0.3 * (wide * a + size * c)
        y = te * cb + tf * cd + cf + 0.3 * (wide * b + size * d)
        stroked = st.mode == 1 or st.mode == 5
        alpha = st.stroke_alpha if stroked else st.fill_alpha
        self.texts.append((len(self.regions), x, y, st.stroke if stroked else st.fill, alpha,
                           self.marks[-1] if self.marks else None, st.font, operands))
        height, width = abs(size) * math.hypot(c, d), abs(wide) * math.hypot(a, b)
        box, clip = self.box, st.clip
        if st.mode == 0 and height >= MIN_SIZE and width >= MIN_SIZE and alpha > 0.01 and box[0] <= x <= box[2] \
                and box[1] <= y <= box[3] and (clip is None or clip[0] <= x <= clip[2] and clip[1] <= y <= clip[3]):
            self.reasons.append("")  # the common case, judged against the areas at the page's end
        else:
            self.reasons.append(self._hidden_at_once((height, width), alpha, x, y))

    def _hidden_at_once(self, size: tuple[float, float], alpha: float, x: float, y: float) -> str:
        """How a text is hidden by its own state: render mode, size (an em's height, width),
        place, clip, alpha."""
        mode, clip = self.state.mode, self.state.clip
        if mode in (3, 7):
            return f"is drawn invisible (text render mode {mode})"
        if min(size) < MIN_SIZE:
            return f"is drawn {size[0]:.1f} pt high" if size[0] <= size[1] else f"is drawn {size[1]:.1f} pt wide"
        if not inside(self.box, x, y):
            return "is drawn off the page"
        if clip is not None and not inside(clip, x, y):
            return "is clipped away"
        return "is drawn fully transparent" if alpha <= 0.01 else ""

    # ---- paths and clipping -----------------------------------------------------------

    def _path_handlers(self) -> dict[str, Handler]:
        fills = dict.fromkeys(("f", "F", "B", "b"), self._fill)
        fills |= dict.fromkeys(("f*", "B*", "b*"), self._fill_evenodd)
        return fills | {"re": self._rectangle, "m": self._move_to, "l": self._line_to, "c": self._line_to,
                        "v": self._line_to, "y": self._line_to, "W": self._clip, "W*": self._clip_evenodd,
                        "n": self._end_path, "S": self._stroke, "s": self._stroke, "sh": self._shading}

    def _rectangle(self, operands: Any) -> None:
        x, y, w, h = (float(v) for v in operands)
        self._subpath(bounds(self.state.ctm, ((x, y), (x + w, y), (x, y + h), (x + w, y + h))), True)

    def _move_to(self, operands: Any) -> None:
        self._subpath(bounds(self.state.ctm, ((float(operands[0]), float(operands[1])),)), True)

    def _line_to(self, operands: Any) -> None:
        values = [float(v) for v in operands]
        self._subpath(bounds(self.state.ctm, zip(values[::2], values[1::2])), not self.path)

    def _subpath(self, more: list[float], new: bool) -> None:
        """Start a subpath with this box, or widen the current one (past MAX_PARTS subpaths,
        all merge into the last, and the path paints no judged area)."""
        if new and len(self.path) <= MAX_PARTS:
            self.path.append(more)
            return
        box = self.path[-1]
        box[:] = [min(box[0], more[0]), min(box[1], more[1]), max(box[2], more[2]), max(box[3], more[3])]

    def _clip(self, _: Any) -> None:
        self.clipping = False

    def _clip_evenodd(self, _: Any) -> None:
        self.clipping = True

    def _end_path(self, _: Any) -> None:
        if self.clipping is not None:  # the clip path's bounding box: an empty path shows nothing
            self.state.clip = meet(self.state.clip, _union(self.path) if self.path else NOWHERE)
        self.path, self.clipping = [], None

    def _stroke(self, _: Any) -> None:
        self.painted += 1
        self._end_path(None)

    def _fill(self, _: Any) -> None:
        self._paint_path(evenodd=False)

    def _fill_evenodd(self, _: Any) -> None:
        self._paint_path(evenodd=True)

    def _paint_path(self, evenodd: bool) -> None:
        self.painted += 1
        if self.path:
            self._add_region(_union(self.path), self.path, evenodd, self.state.fill, self.state.fill_alpha, "box")
        self._end_path(None)

    def _shading(self, _: Any) -> None:
        self.painted += 1
        self._add_region(self.box, [], False, None, self.state.fill_alpha, "shading")

    def _add_region(self, box: Box, parts: list[list[float]], evenodd: bool, colour: Colour | None,
                    alpha: float, what: str) -> None:
        seen = meet(self.state.clip, meet(self.box, box))
        if seen[2] - seen[0] < MIN_SIDE or seen[3] - seen[1] < MIN_SIDE:
            return
        if len(self.regions) >= MAX_REGIONS or len(parts) > MAX_PARTS:
            return
        what = f"an annotation ({self.annotation})" if self.annotation else what
        self.regions.append(Region(len(self.regions), seen, parts, evenodd, colour, alpha, what))

    # ---- XObjects -----------------------------------------------------------------------

    def _draw(self, operands: Any) -> None:
        xobjects = self.resources.get("/XObject")
        xobject = xobjects.get(operands[0]) if xobjects is not None else None
        if not isinstance(xobject, pikepdf.Stream):
            return
        self.draws += 1
        if self.draws > MAX_DRAWS:
            raise Overdrawn("too many nested objects")
        subtype = xobject.get("/Subtype")
        if subtype == "/Image":
            self._draw_image(xobject)
        elif subtype == "/Form":
            self.draw_form(xobject, self.state.ctm)

    def draw_form(self, form: Any, ctm: Matrix) -> None:
        """Draw a Form XObject: its matrix, its BBox as a clip, its own resources."""
        key = form.objgen
        if key in self.open_forms:
            raise Overdrawn("a form that draws itself")
        if self.depth >= MAX_DEPTH:
            raise Overdrawn("too many nested objects")
        saved, tm, tlm, marks = self.saved, self.tm, self.tlm, len(self.marks)
        self.saved, outer = [], self.state
        self.state = outer.copy()
        self.state.ctm = multiply(matrix(form.get("/Matrix", IDENTITY)), ctm)
        if "/BBox" in form:
            x0, y0, x1, y1 = rect(form.BBox)
            frame = bounds(self.state.ctm, ((x0, y0), (x1, y0), (x0, y1), (x1, y1)))
            self.state.clip = meet(self.state.clip, (frame[0], frame[1], frame[2], frame[3]))
        self.open_forms.append(key)
        try:
            self.run(form, form.get("/Resources") or self.resources, self.depth + 1)
        finally:
            self.open_forms.pop()
            del self.marks[marks:]
            self.state, self.saved, self.tm, self.tlm = outer, saved, tm, tlm

    def _draw_image(self, image: Any) -> None:
        self.painted += 1
        ctm, clip = self.state.ctm, self.state.clip
        corners = bounds(ctm, ((0.0, 0.0), (1.0, 0.0), (0.0, 1.0), (1.0, 1.0)))
        drawn = (corners[0], corners[1], corners[2], corners[3])
        if not self.annotation:
            problem = self.pictures.problem(image, ctm, self.state.fill_alpha,
                                            not empty(meet(self.box, drawn)), meet(clip, meet(self.box, drawn)))
            if problem:
                self.out.pictures.append((len(self.out.images), problem))
            self.out.images.append(image)
        opaque = "/SMask" not in image and not image.get("/ImageMask", False)
        self._add_region(drawn, [], False, None, self.state.fill_alpha if opaque else 0.0, "a picture")

    # ---- marked content -----------------------------------------------------------------

    def _begin_mark(self, _: Any) -> None:
        self.marks.append(self.marks[-1] if self.marks else None)

    def _begin_marked(self, operands: Any) -> None:
        outer = self.marks[-1] if self.marks else None
        properties = operands[1]
        if isinstance(properties, pikepdf.Name):
            found = self.resources.get("/Properties")
            properties = found.get(properties) if found is not None else None
        mcid, span = outer if outer is not None else (-1, -1)
        if self.wanted and self.depth == 0 and isinstance(properties, pikepdf.Dictionary):
            found = properties.get("/MCID")
            mcid = int(found) if found is not None and int(found) in self.wanted else mcid
        if self.may_replace and span < 0 and isinstance(properties, pikepdf.Dictionary) \
                and "/ActualText" in properties:  # the outermost ActualText replaces all within
            span = len(self.actual)
            self.actual.append(str(properties.ActualText))
        self.marks.append((mcid, span) if mcid >= 0 or span >= 0 else None)

    def _end_marked(self, _: Any) -> None:
        if self.marks:
            self.marks.pop()

    # ---- annotations --------------------------------------------------------------------

    def annotate(self, annotations: Iterable[Any]) -> None:
        """Draw each annotation's appearance over the page, as a viewer does."""
        for annotation in annotations:
            if not isinstance(annotation, pikepdf.Dictionary):
                continue
            subtype = str(annotation.get("/Subtype", "/Annot"))
            if subtype == "/Popup" or _flags(annotation) & (2 | 32):  # Hidden, NoView
                continue
            appearance, painted = _appearance(annotation), self.painted
            if appearance is not None and "/Rect" in annotation:
                self.annotation, self.state, self.saved, self.marks = subtype, State(), [], []
                try:
                    self.draw_form(appearance, _fit(appearance, rect(annotation.Rect)))
                except (TypeError, ValueError, IndexError, KeyError, ArithmeticError):
                    pass  # a malformed appearance: drawn as far as it goes, as a viewer would
                self.annotation = ""
            if self.painted > painted or (appearance is None and subtype != "/Link"):
                self.out.annotations.append(subtype)

    # ---- the verdict --------------------------------------------------------------------

    def result(self) -> PagePaint:
        """The page's verdict: hidden runs, copied text, the marked text asked for."""
        self._judge()
        out = self.out
        out.hidden = self._runs() if any(self.reasons) else []
        hiding = set(self.reasons) if out.annotations else set()
        out.annotations = [a for a in out.annotations
                           if f"is covered by an annotation ({a}) drawn over it" not in hiding]
        out.copied = self._copied() if self.actual else []
        for text in self.texts if self.wanted else []:
            if text[5] is not None and text[5][0] >= 0:
                out.marked[text[5][0]] = out.marked.get(text[5][0], "") + self.fonts.decode(text[6], text[7])
        return out

    def _judge(self) -> None:
        """Set the reason of each text an area painted before or after it hides (the white
        page beneath those no area holds)."""
        grid, reasons, tests = Grid(self.regions), self.reasons, MAX_TESTS
        verdicts: dict[tuple[Colour | None, float, Colour | None], str] = {}
        for k, text in enumerate(self.texts):
            if reasons[k]:
                continue
            x, y = text[1], text[2]
            near = grid.at(x, y) if (grid.cells or grid.large) and tests > 0 else []
            tests -= len(near)
            here = [r for r in near if r.holds(x, y)] if near else near
            cover = next((r for r in here if r.seq >= text[0] and r.alpha >= OPAQUE), None) if here else None
            if cover is not None:
                reasons[k] = f"is covered by {_named(cover)} drawn over it"
                continue
            key = (text[3], text[4], beneath([r for r in here if r.seq < text[0]]) if here else WHITE)
            verdict = verdicts.get(key)
            if verdict is None:
                verdict = verdicts[key] = contrast_verdict(*key)
            reasons[k] = verdict

    def _runs(self) -> list[tuple[str, str]]:
        """Consecutive texts hidden the same way, as (words, how)."""
        runs: list[tuple[str, str]] = []
        for reason, group in groupby(zip(self.reasons, self.texts), key=itemgetter(0)):
            if reason and len(runs) < MAX_SEEN:
                words = " ".join("".join(self.fonts.decode(t[6], t[7]) for _, t in group).split())
                runs += [(words, reason)] if words else []
        return runs

    def _copied(self) -> list[tuple[str, str]]:
        """(painted, ActualText) for each ActualText span that differs from its glyphs' text."""
        painted = ["" for _ in self.actual]
        for text in self.texts:
            if text[5] is not None and text[5][1] >= 0:
                painted[text[5][1]] += self.fonts.decode(text[6], text[7])
        return [(" ".join(words.split()), actual) for words, actual in zip(painted, self.actual)
                if _as_read(words) != _as_read(actual)]


def _as_read(text: str) -> str:
    """Text as a reader takes it: ligatures and widths folded, no spaces or hyphens (an
    ActualText may rightly spell out "ﬁ" or drop a line-end hyphen)."""
    return "".join(unicodedata.normalize("NFKC", text).translate(_HYPHENS).split())


def _named(region: Region) -> str:
    if region.what != "box":
        return region.what
    return f"a {region.colour[1]} box" if region.colour is not None else "a box"


def _flags(annotation: Any) -> int:
    """An annotation's /F flags (0 when they are not a number)."""
    try:
        return int(annotation.get("/F", 0))
    except (TypeError, ValueError):
        return 0


def _appearance(annotation: Any) -> Any:
    """The normal appearance stream an annotation shows (its /AS state's, if it has several)."""
    normal = annotation.get("/AP", {}).get("/N") if isinstance(annotation.get("/AP"), pikepdf.Dictionary) else None
    if isinstance(normal, pikepdf.Dictionary) and not isinstance(normal, pikepdf.Stream):
        normal = normal.get(annotation.get("/AS", "/Off"))
    return normal if isinstance(normal, pikepdf.Stream) else None


def _fit(form: Any, target: Box) -> Matrix:
    """The matrix that maps an appearance's (transformed) BBox onto the annotation's Rect."""
    m = matrix(form.get("/Matrix", IDENTITY))
    x0, y0, x1, y1 = rect(form.get("/BBox", [0, 0, 1, 1]))
    box = bounds(m, ((x0, y0), (x1, y0), (x0, y1), (x1, y1)))
    sx = (target[2] - target[0]) / (box[2] - box[0]) if box[2] > box[0] else 1.0
    sy = (target[3] - target[1]) / (box[3] - box[1]) if box[3] > box[1] else 1.0
    return (sx, 0.0, 0.0, sy, target[0] - box[0] * sx, target[1] - box[1] * sy)
