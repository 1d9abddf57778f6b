"""Print preflight: missing glyphs, low-resolution images, unembedded fonts, ragged and badly broken lines.

Reads the written PDF with poppler's command-line tools (pdftotext, pdfimages,
pdffonts) and the layout's fonts' character sets from fontconfig (fc-match);
pypdf stays the verifier's.
"""
from __future__ import annotations

import bisect
import functools
import re
import statistics
import subprocess
import xml.etree.ElementTree as etree
from dataclasses import dataclass
from pathlib import Path


from .errors import PublisherError, line_of
from .terminal import command_name
from .layout import Layout
from .facts import document_facts
from .model import Document

#: images printed below this resolution get a warning
MIN_DPI = 200
#: a justified line ending further than this short of its column edge is ragged (pt)
RAGGED_TOLERANCE = 0.5
#: clreq: these never start a line ...
CLOSING = set("。，、；：？！）》」』】〕〉”’·%")
#: ... and these never end one
OPENING = set("（《「『【〔〈“‘")


@dataclass(frozen=True)
class Finding:
    """One preflight result: `level` is "error" (the print run must stop) or "warning"."""
    level: str
    message: str
    #: the source line it is about, where one is known
    line: int | None = None


@dataclass(frozen=True)
class Line:
    """One text line of the PDF as pdftotext lays it out (points, origin top left)."""
    page: int
    x0: float
    y0: float
    x1: float
    y1: float
    text: str

    @property
    def height(self) -> float:
        return self.y1 - self.y0


def _run(*command: str) -> str:
    try:
        return subprocess.run(command, check=True, capture_output=True, text=True).stdout
    except FileNotFoundError:
        package = "fontconfig" if command[0].startswith("fc-") else "poppler-utils"
        raise PublisherError(f"{command[0]} is missing", hint=f"install {package}") from None
    except subprocess.CalledProcessError as error:
        raise PublisherError(f"{command[0]} failed: {error.stderr.strip()}", command[-2]) from None


# ---- lines ---------------------------------------------------------------------------

def lines(pdf: Path) -> list[Line]:
    """Every text line of `pdf`, page by page, as pdftotext -bbox-layout finds them."""
    xml = _run("pdftotext", "-bbox-layout", str(pdf), "-")
    root = etree.fromstring(re.sub(r'\sxmlns="[^"]+"', "", xml, count=1))
    out = []
    for number, page in enumerate(root.iter("page"), 1):
        for line in page.iter("line"):
            words = list(line.iter("word"))
            if not words:
                continue
            # a line's box is its words' union (pdftotext sizes it by the first word's font)
            y0 = min(float(w.get("yMin", 0)) for w in words)
            y1 = max(float(w.get("yMax", 0)) for w in words)
            out.append(Line(number, float(line.get("xMin", 0)), y0, float(line.get("xMax", 0)), y1,
                            "".join(w.text or "" for w in words)))
    return out


def body_lines(all_lines: list[Line]) -> list[Line]:
    """The lines set in the body type: the most common line height.

    pdftotext sizes a line by the font of its first glyph, so lines opening with
    a Latin letter or digit (set in the Latin face) are sized apart, and only
    looked for between the page's first and last CJK body lines (not in footers).
    """
    body = _usual(_latin_start(all_lines, False))
    extent = {page: (min(l.y0 for l in body if l.page == page), max(l.y1 for l in body if l.page == page))
              for page in {l.page for l in body}}
    latin = [l for l in _latin_start(all_lines, True)
             if l.page in extent and extent[l.page][0] <= l.y0 and l.y1 <= extent[l.page][1]]
    return sorted(body + _usual(latin), key=lambda line: (line.page, line.x0, line.y0))


def _usual(group: list[Line]) -> list[Line]:
    heights = [round(line.height, 1) for line in group if len(line.text) > 3]
    if not heights:
        return []
    usual = statistics.mode(heights)
    return [line for line in group if abs(line.height - usual) < 0.15]


def _latin_start(all_lines: list[Line], latin: bool) -> list[Line]:
    return [line for line in all_lines if line.text and (ord(line.text[0]) < 0x2000) == latin]


def ragged_lines(all_lines: list[Line]) -> tuple[int, list[Line]]:
    """(number of justified body lines, those ending short of their column edge).

    Columns are found from the right edges that flush lines share; a line is
    paragraph-final (and exempt) when the next body line starts indented.
    """
    body = body_lines(all_lines)
    columns = _column_edges(body)
    measured, ragged = 0, []
    for page in sorted(columns):
        if not columns[page]:
            continue  # under three lines share a left edge (a one-paragraph story): no column to measure by
        ordered = _reading_order([l for l in body if l.page == page], columns[page])
        for (line, (left, right)), following in zip(ordered, ordered[1:] + [None]):
            if following is None or following[0].x0 - following[1][0] > line.height * 0.8:
                continue  # the last line of a paragraph is set flush left only
            measured += 1
            if right - line.x1 > RAGGED_TOLERANCE:
                ragged.append(line)
    return measured, ragged


def _column_edges(body: list[Line]) -> dict[int, list[tuple[float, float]]]:
    """Per page, the (left, right) of each column: left edges shared by 3+ lines, minus indents."""
    edges = {}
    for page in sorted({line.page for line in body}):
        on_page = [line for line in body if line.page == page]
        cols: list[tuple[float, float]] = []
        for left in _clusters(sorted(l.x0 for l in on_page)):
            if cols and left < cols[-1][1]:
                continue  # indented first lines inside the previous column
            cols.append((left, max(l.x1 for l in on_page if abs(l.x0 - left) < 1)))
        edges[page] = _bounded(cols, on_page)
    return edges


def _clusters(values: list[float], gap: float = 1.0, least: int = 3) -> list[float]:
    """The smallest value of each run of sorted `values` closer than `gap`, if it has `least` members."""
    runs: list[list[float]] = []
    for value in values:
        if runs and value - runs[-1][-1] < gap:
            runs[-1].append(value)
        else:
            runs.append([value])
    return [run[0] for run in runs if len(run) >= least]


def _bounded(cols: list[tuple[float, float]], on_page: list[Line]) -> list[tuple[float, float]]:
    """Each column's right edge: the furthest right a line starting in it reaches."""
    out = []
    for i, (left, _) in enumerate(cols):
        limit = cols[i + 1][0] if i + 1 < len(cols) else float("inf")
        out.append((left, max(l.x1 for l in on_page if left - 1 <= l.x0 < limit - 1)))
    return out


def _reading_order(on_page: list[Line], cols: list[tuple[float, float]]) -> list[tuple[Line, tuple[float, float]]]:
    placed = []
    for line in on_page:
        index = max((i for i, c in enumerate(cols) if c[0] - 1 <= line.x0), default=0)
        placed.append((index, line.y0, line, cols[index]))
    placed.sort(key=lambda item: (item[0], item[1]))
    return [(line, col) for _, _, line, col in placed]


def break_violations(all_lines: list[Line]) -> list[str]:
    """Lines that start with closing or end with opening punctuation (clreq line breaking)."""
    bad = []
    for line in all_lines:
        text = line.text.strip()
        if text and (text[0] in CLOSING or text[-1] in OPENING):
            bad.append(f"page {line.page}: {text}")
    return bad


# ---- fonts, glyphs, images -------------------------------------------------------------

def unembedded_fonts(pdf: Path) -> list[str]:
    """Names of fonts the PDF uses without embedding them (pdffonts 'emb' column)."""
    rows = _run("pdffonts", str(pdf)).splitlines()[2:]
    missing = []
    for row in rows:
        fields = row.split()
        if len(fields) >= 5 and fields[-5] == "no":
            missing.append(fields[0])
    return missing


@dataclass(frozen=True)
class Drawn:
    """An image as the PDF draws it: its page, its size in pixels and its effective resolution."""
    page: int
    pixels: tuple[int, int]
    dpi: int


def image_resolutions(pdf: Path) -> list[Drawn]:
    """Every image drawn in `pdf` (pdfimages -list)."""
    out = []
    for row in _run("pdfimages", "-list", str(pdf)).splitlines()[2:]:
        fields = row.split()
        if len(fields) >= 14 and fields[2] == "image":
            out.append(Drawn(int(fields[0]), (int(fields[3]), int(fields[4])), min(int(fields[12]), int(fields[13]))))
    return out


def low_resolution(doc: Document, pdf: Path) -> list[Finding]:
    """A warning for each image printed under MIN_DPI, naming its file and source line where its size tells it."""
    by_size: dict[tuple[int, int], Path] = {}
    for figure in doc.figures:
        by_size.setdefault((figure.width, figure.height), figure.src)
    source = source_text(doc.source)
    findings = []
    for drawn in image_resolutions(pdf):
        if drawn.dpi >= MIN_DPI:
            continue
        found = by_size.get(drawn.pixels)
        line = line_of(source, found.name) if found else None
        name = f"'{found.name}'" + (f" (line {line})" if line else "") + " " if found else ""
        findings.append(Finding("warning", f"image {name}on page {drawn.page} prints at {drawn.dpi} dpi "
                                           f"(under {MIN_DPI}; use a picture of at least "
                                           f"{_pixels_needed(drawn)} px wide)", line))
    return findings


def _pixels_needed(drawn: Drawn) -> int:
    return -(-drawn.pixels[0] * MIN_DPI // max(drawn.dpi, 1))


@dataclass(frozen=True)
class Charset:
    """The code points a font has glyphs for, as fontconfig's sorted ranges."""
    starts: tuple[int, ...]
    ends: tuple[int, ...]

    def __contains__(self, code: int) -> bool:
        i = bisect.bisect_right(self.starts, code) - 1
        return i >= 0 and code <= self.ends[i]


@functools.lru_cache(maxsize=16)
def font_charset(family: str) -> Charset:
    """Code points the installed font `family` has glyphs for.

    fontconfig picks the file and answers from its cache: the same coverage Pango
    falls back on, in milliseconds (reading a CJK font's cmap takes 0.1 s), kept
    as ranges (a set of 45,000 code points held 3 MB through the render).
    """
    found = _run("fc-match", "-f", "%{family}|%{charset}", family).split("|")
    if family.lower() not in found[0].lower() or len(found) != 2:
        raise PublisherError(f"font '{family}' is not installed", hint="see tools/setup.sh for the font packages")
    ranges = sorted(map(_charset_range, found[1].split()))
    return Charset(tuple(start for start, _ in ranges), tuple(end for _, end in ranges))


def _charset_range(text: str) -> tuple[int, int]:
    """'4e00-9fff' → (0x4E00, 0x9FFF); '3000' → (0x3000, 0x3000)."""
    first, _, last = text.partition("-")
    return int(first, 16), int(last or first, 16)


def text_places(doc: Document) -> list[tuple[str, str]]:
    """(where, text) for every piece of text the print edition shows (the model's facts)."""
    meta = doc.meta
    places = [(name, value) for name, value in (
        ("title", meta.title), ("subtitle", meta.subtitle), ("kicker", meta.kicker),
        ("byline", meta.byline), ("publication", meta.publication), ("section", meta.section),
        ("page label", meta.page)) if value]
    facts = document_facts(doc)
    places += [(f"heading '{h.text}'", h.text) for h in facts.headings]
    places += [(f"caption of figure {f.number}", f.caption) for f in facts.figures]
    places += [(f"section '{section or '(opening)'}', paragraph {index}", text)
               for text, (section, index) in zip(facts.paragraphs, facts.places)]
    return places


@dataclass(frozen=True)
class Tofu:
    """A character no font of the layout can draw, where it is first used."""
    char: str
    where: str
    line: int | None

    @property
    def named(self) -> str:
        return f"'{self.char}' (U+{ord(self.char):04X}" + (f", line {self.line})" if self.line else ")")


def tofu(doc: Document, families: list[str], places: list[tuple[str, str]] | None = None) -> list[Tofu]:
    """Every character no font of the layout can draw (it would print as tofu), first use first."""
    charsets = [font_charset(f) for f in families]
    found, seen = [], set()
    source = source_text(doc.source)
    for where, text in text_places(doc) if places is None else places:
        for char in dict.fromkeys(text):  # each character once, in reading order
            if char in seen:
                continue
            seen.add(char)
            if not (char.isspace() or not char.isprintable() or any(ord(char) in c for c in charsets)):
                found.append(Tofu(char, where, line_of(source, char)))
    return found


def missing_glyphs(doc: Document, families: list[str]) -> list[Finding]:
    """An error for each character without a glyph, with where it is first used."""
    return [Finding("error", f"character {t.named} has no glyph in the layout's fonts; first used in {t.where}",
                    t.line) for t in tofu(doc, families)]


def tofu_cause(found: list[Tofu]) -> str:
    """One line naming every character without a glyph and the line each is first used on."""
    if len(found) == 1:  # the message's FILE:LINE says the line
        char = found[0].char
        return f"character '{char}' (U+{ord(char):04X}) has no glyph in the layout's fonts; first used in {found[0].where}"
    return f"{len(found)} characters have no glyph in the layout's fonts: " + ", ".join(t.named for t in found)


def source_text(source: Path) -> str:
    """The source as written, to find the line a character is on ('' when it is not a file: stdin)."""
    try:
        return source.read_text(encoding="utf-8-sig", errors="replace") if source.is_file() else ""
    except OSError:
        return ""


# ---- the whole check -------------------------------------------------------------------

def preflight(doc: Document, pdf: Path, layout: Layout) -> list[Finding]:
    """Every preflight finding for the written PDF of `doc` in `layout`."""
    findings = missing_glyphs(doc, list(layout.get("pdf.fonts") or []))
    findings += [Finding("error", f"font {name} is not embedded") for name in unembedded_fonts(pdf)]
    findings += low_resolution(doc, pdf)
    all_lines = lines(pdf)
    measured, ragged = ragged_lines(all_lines)
    if measured and len(ragged) / measured > 0.02:
        pages = ", ".join(str(p) for p in sorted({line.page for line in ragged}))
        findings.append(Finding("warning", f"{len(ragged)} of {measured} justified lines end short of the column "
                                           f"edge (page{'s' if ',' in pages else ''} {pages})"))
    findings += [Finding("error", f"bad line break: {bad}") for bad in break_violations(all_lines)]
    return findings


def check(source: Path, pdf: Path, layout_name: str | None = None) -> list[Finding]:
    """Preflight the written PDF of `source` (for `publisher preflight SOURCE`)."""
    from . import build, reader
    from .layout import load
    doc = reader.read(source)
    if not pdf.is_file():
        raise PublisherError("PDF not found", pdf, hint=f"build it first: {command_name()} build {source} --formats pdf")
    return preflight(doc, pdf, load(build.layout_name(doc, "pdf", layout_name)))
