"""HTML extractor: headings (h1–h6), figures (img + figcaption) and text of an HTML edition."""
from __future__ import annotations

import base64
import binascii
from html.parser import HTMLParser
from pathlib import Path
from typing import Callable

from ..errors import PublisherError
from ..facts import HeadingFact
from .edition import EditionFacts, FigureGroup, fingerprint, numbers_of, pair_figures, split_caption

#: elements without an end tag
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
        "track", "wbr"}
#: elements whose text is not part of the body: the head, scripts, the contents list
SKIP = {"head", "script", "style", "template", "noscript", "nav"}
#: roles of links that are navigation, not text: note marks and their way back
SKIP_ROLES = {"doc-noteref", "doc-backlink", "doc-toc"}
#: elements that start a new block of text
BLOCKS = {"p", "li", "td", "th", "dd", "dt", "h1", "h2", "h3", "h4", "h5", "h6", "figcaption",
          "pre", "blockquote", "caption", "div", "section", "header", "footer", "figure",
          "tr", "table", "ul", "ol", "dl", "article", "main", "aside", "body"}
HEADINGS = {"h1": 1, "h2": 2, "h3": 3, "h4": 4, "h5": 5, "h6": 6}

LoadImage = Callable[[str], "bytes | None"]


class BodyReader(HTMLParser):
    """Collects headings, pictures, captions and text blocks from one or more documents."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.units: list[str] = []
        self.headings: list[HeadingFact] = []
        self.groups: list[FigureGroup] = []
        self._figure: FigureGroup | None = None
        self.load_image: LoadImage = lambda src: None
        self.seen_html = False
        #: the <title> of the first document read
        self.title: str | None = None
        self._in_title = False
        self._block: list[str] = []
        #: open elements: (tag, skipped, capture buffer or None)
        self._open: list[tuple[str, bool, list[str] | None]] = []
        self._skipping = 0
        self._captures: list[list[str]] = []

    def read(self, text: str, load_image: LoadImage) -> None:
        """Read one document; images are loaded through `load_image(src)`."""
        self.load_image = load_image
        self.feed(text)
        self.close()
        self._flush()
        self._open, self._captures, self._skipping, self._figure = [], [], 0, None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("html", "body"):
            self.seen_html = True
        if tag == "title" and self.title is None:
            self._in_title, self.title = True, ""
        if tag in VOID:
            self.handle_startendtag(tag, attrs)
            return
        skipped = tag in SKIP or _is_note_mark(dict(attrs))
        capture: list[str] | None = [] if tag in HEADINGS or tag == "figcaption" else None
        self._open.append((tag, skipped, capture))
        self._skipping += skipped
        if capture is not None:
            self._captures.append(capture)
        if tag == "figure" and not self._skipping:
            self._figure = FigureGroup()
            self.groups.append(self._figure)
        if tag in BLOCKS:
            self._flush()

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "img" and not self._skipping:
            self._group().pictures.append(self._fingerprint(dict(attrs).get("src") or ""))
        elif tag == "br":
            self._data(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self._in_title = False
        if tag in VOID or not any(t == tag for t, _, _ in self._open):
            return
        while self._open:
            name, skipped, capture = self._open.pop()
            self._skipping -= skipped
            if capture is not None:
                self._captures = [c for c in self._captures if c is not capture]
                self._captured(name, "".join(capture))
            if name == "figure":
                self._figure = None
            if name == tag:
                break
        if tag in BLOCKS:
            self._flush()

    def handle_data(self, data: str) -> None:
        if self._in_title and self.title is not None:
            self.title += data
        if not self._skipping:
            self._data(data)

    def _data(self, data: str) -> None:
        self._block.append(data)
        for capture in self._captures:
            capture.append(data)

    def _captured(self, tag: str, text: str) -> None:
        if self._skipping:
            return
        if tag in HEADINGS:
            self.headings.append(HeadingFact(HEADINGS[tag], " ".join(text.split())))
        else:
            self._group().captions.append(split_caption(text))

    def _group(self) -> FigureGroup:
        """The open <figure>, or a group of its own for a picture or caption outside one."""
        if self._figure is not None:
            return self._figure
        self.groups.append(FigureGroup())
        return self.groups[-1]

    def _flush(self) -> None:
        if self._block:
            text = "".join(self._block)
            if text.strip():
                self.units.append(text)
            self._block = []

    def _fingerprint(self, src: str) -> str:
        data = decode_data_uri(src) if src.startswith("data:") else self.load_image(src)
        return fingerprint(data) if data else ""

    def facts(self) -> EditionFacts:
        """What was read, as EditionFacts."""
        figures, _ = pair_figures(self.groups)
        return EditionFacts(headings=self.headings, figures=figures,
                            numbers=numbers_of(self.units), paragraphs=self.units, title=self.title)


def _is_note_mark(attr: dict[str, str | None]) -> bool:
    """A footnote mark or back link: navigation, not text (the source's text has no marks)."""
    return attr.get("role") in SKIP_ROLES or "fnref" in (attr.get("class") or "").split()


def decode_data_uri(src: str) -> bytes | None:
    """The bytes of a base64 `data:` URI, or None."""
    head, _, payload = src.partition(",")
    if not head.endswith(";base64"):
        return None
    try:
        return base64.b64decode(payload, validate=False)
    except (binascii.Error, ValueError):
        return None


def read_text(path: Path) -> str:
    """A file's UTF-8 text, or a one-line error."""
    try:
        return path.read_bytes().decode("utf-8-sig")
    except OSError as error:
        raise PublisherError(f"cannot read edition: {error.strerror}", path) from None
    except UnicodeDecodeError:
        raise PublisherError("edition is not UTF-8 HTML", path, hint="rebuild it") from None


def extract(path: Path) -> EditionFacts:
    """Read an HTML edition; images come from data URIs or files beside it."""
    reader = BodyReader()
    folder = path.resolve().parent

    def load(src: str) -> bytes | None:
        file = (folder / src).resolve()
        return file.read_bytes() if file.is_relative_to(folder) and file.is_file() else None

    try:
        reader.read(read_text(path), load)
    except AssertionError as error:  # html.parser asserts on some malformed markup (<![x[ … ]]>)
        raise PublisherError(f"not readable HTML: {error}", path, hint="rebuild it") from None
    if not reader.seen_html:
        raise PublisherError("not an HTML document (no <html> or <body>)", path, hint="rebuild it")
    return reader.facts()
