"""What a reader sees of an HTML or XHTML document: headings, figures and text blocks, read
from its tree walked with its styles (verify/css.py), and its note marks and notes.

Text no reader sees (display: none, a font of no size, white on white …) is left out of the
blocks and named; text a stylesheet shows that the markup does not hold (::before, ::after)
is put in and named.
"""
from __future__ import annotations

import base64
import binascii
import posixpath
import re
from typing import Any, Callable
from urllib.parse import unquote

from ..facts import HeadingFact
from .css import Styled, Styles
from .difference import Difference, quote, short
from .edition import EditionFacts, FigureGroup, fingerprint, numbers_of, pair_figures, split_caption

#: elements whose text is not part of the body: the head, scripts, the contents list, tooltips
SKIP = {"head", "script", "style", "template", "noscript", "nav", "title"}
#: roles of links that are navigation, not text: note marks and their way back
SKIP_ROLES = {"doc-noteref", "doc-backlink", "doc-toc"}
#: elements that start a new block of text
BLOCKS = {"p", "li", "td", "th", "dd", "dt", "h1", "h2", "h3", "h4", "h5", "h6", "figcaption",
          "pre", "blockquote", "caption", "div", "section", "header", "footer", "figure",
          "tr", "table", "ul", "ol", "dl", "article", "main", "aside", "body"}
HEADINGS = {"h1": 1, "h2": 2, "h3": 3, "h4": 4, "h5": 5, "h6": 6}
EPUB_TYPE = "{http://www.idpf.org/2007/ops}type"
#: where notes are listed (role, EPUB type or the renderer's class); each <li> with an id is a note
NOTE_LISTS = {"doc-endnotes", "doc-footnotes", "endnotes", "footnotes", "rearnotes"}
#: an element that is one note by itself
NOTE_ROLES = {"doc-endnote", "doc-footnote", "endnote", "footnote", "rearnote"}
#: a link that is a note mark
NOTE_REFS = {"doc-noteref", "noteref"}
#: roles and EPUB types of links that are navigation, not text: note marks and their way back
MARKS = SKIP_ROLES | NOTE_REFS
#: how many hidden or generated texts are named, at most
MAX_NAMED = 50
#: generated text with a letter or a digit says something; a mark or a space is the layout's
_WORDY = re.compile(r"\w")
#: a first letter as ::first-letter takes it: punctuation before it, the letter, punctuation after
_FIRST_LETTER = re.compile(r"\s*[^\w\s]*\w[^\w\s]*", re.UNICODE)

LoadImage = Callable[[str], "bytes | None"]


class BodyReader:
    """Collects headings, pictures, captions, text blocks and notes from one or more documents."""

    def __init__(self) -> None:
        self.units: list[str] = []
        self.headings: list[HeadingFact] = []
        self.groups: list[FigureGroup] = []
        #: what a reader does not see, what only the stylesheet says, broken note links
        self.seen: list[Difference] = []
        self.notes = Notes()
        self._load_image: LoadImage = lambda src: None
        #: the page's elements by id (an SVG <use> points at one), gathered when first asked
        self._ids: dict[str, Any] | None = None
        self._name = ""
        self._figure: FigureGroup | None = None
        self._block: list[str] = []
        self._hidden: list[str] = []
        self._hidden_why = ""
        #: open elements: (tag, skipped, capture buffer or None, opens a list of notes)
        self._open: list[tuple[str, bool, list[str] | None, bool]] = []
        self._skipping = 0
        self._in_notes = 0
        self._captures: list[list[str]] = []
        self._section = ""
        #: why the next letter is not seen (::first-letter)
        self._letter = ""
        self._named = 0
        self._pictures: dict[tuple[str, str], str] = {}

    def read(self, root: Any, styles: Styles, load_image: LoadImage, name: str = "") -> None:
        """Read one document (`name`: its path in the edition, for note links)."""
        self._load_image, self._name = load_image, name
        self._ids = None  # an EPUB's documents each have their own ids
        handlers = (self._start, self._text, self._end)
        for event, node, text in styles.walk(root):
            handlers[event](node, text)
        self._flush()
        self._open, self._captures, self._skipping, self._in_notes, self._figure = [], [], 0, 0, None

    # -- events
    def _start(self, node: Styled, _: str) -> None:
        tag = node.tag
        listing, mark = self._marks(node) if node.element.attrib else (False, False)
        skipped = tag in SKIP or mark
        capture: list[str] | None = [] if tag in HEADINGS or tag == "figcaption" else None
        self._open.append((tag, skipped, capture, listing))
        self._skipping += skipped
        self._in_notes += listing
        if capture is not None:
            self._captures.append(capture)
        if tag == "figure" and not self._skipping:
            self._figure = FigureGroup()
            self.groups.append(self._figure)
        if tag in BLOCKS:
            self._flush()
        if not self._skipping:
            self._letter = node.first_letter or self._letter
            self._generated(node.marker, "::marker")
            self._generated(node.before, "::before")
            self._replaced(node, tag)

    def _marks(self, node: Styled) -> tuple[bool, bool]:
        """Whether an element opens a list of notes, and whether it is a note mark (navigation,
        not text: the source's text has no marks); notes and marks are noted down."""
        attrs = node.element.attrib
        kinds, classes = _kinds(attrs), (attrs.get("class") or "").split()
        self.notes.saw(self._name, node.element, node.tag, kinds, self._in_notes > 0, self._section)
        return bool(kinds & NOTE_LISTS) or "footnotes" in classes, bool(kinds & MARKS) or "fnref" in classes

    def _replaced(self, node: Styled, tag: str) -> None:
        """A picture (when seen: font size and colour do not hide one) or a line break."""
        if tag == "img" and not (node.look.gone or node.look.hidden):
            self._group().pictures.append(self._fingerprint(node.element.get("src") or ""))
        elif tag == "use" and not (node.look.gone or node.look.hidden):  # a picture shown more than once
            self._group().pictures.append(self._fingerprint(self._used_picture(node.element)))
        elif tag == "br":
            self._data(" ")

    def _end(self, node: Styled, _: str) -> None:
        if not self._skipping:
            self._generated(node.after, "::after")
        tag, skipped, capture, listing = self._open.pop()
        self._skipping -= skipped
        self._in_notes -= listing
        if capture is not None:
            self._captures = [c for c in self._captures if c is not capture]
            self._captured(tag, "".join(capture))
        if tag == "figure":
            self._figure = None
        if tag in BLOCKS:
            self._flush()

    def _text(self, node: Styled, text: str) -> None:
        if self._skipping:
            return
        why = node.look.unseen()
        if why:
            self._hide(text, why)
            return
        if self._letter and text.strip():
            letter = _FIRST_LETTER.match(text)
            cut = letter.end() if letter else 1
            self._hide(text[:cut], self._letter + " (::first-letter)")
            text, self._letter = text[cut:], ""
        self._data(text)

    # -- what is kept
    def _data(self, data: str) -> None:
        self._block.append(data)
        for capture in self._captures:
            capture.append(data)

    def _hide(self, text: str, why: str) -> None:
        if text.strip():
            self._hidden.append(text)
            self._hidden_why = self._hidden_why or why

    def _generated(self, text: str, where: str) -> None:
        if not text:
            return
        self._data(text)
        if _WORDY.search(text):
            self._name_seen(Difference("text", "generated", quote(short(" ".join(text.split()), 24)),
                                       f"is shown by the stylesheet ({where}), not written in the text",
                                       section=self._section))

    def _name_seen(self, difference: Difference) -> None:
        if self._named < MAX_NAMED:
            self.seen.append(difference)
        self._named += 1

    def _captured(self, tag: str, text: str) -> None:
        if self._skipping:
            return
        if tag in HEADINGS and self._in_notes:
            return  # the list of notes' own title ("注释"): the edition's word, not the source's heading
        if tag in HEADINGS:
            self.headings.append(HeadingFact(HEADINGS[tag], " ".join(text.split())))
            self._section = self.headings[-1].text
        else:
            self._group().captions.append(split_caption(text))

    def _group(self) -> FigureGroup:
        """The open <figure>, or a group of its own for a picture or caption outside one."""
        if self._figure is not None:
            return self._figure
        self.groups.append(FigureGroup())
        return self.groups[-1]

    def _flush(self) -> None:
        self._letter = ""  # a first letter belongs to its own block
        if self._block:
            text = "".join(self._block)
            if text.strip():
                self.units.append(text)
            self._block = []
        if self._hidden:
            hidden = " ".join("".join(self._hidden).split())
            self._name_seen(Difference("text", "hidden", quote(short(hidden, 24)),
                                       f"is in the markup but no reader sees it ({self._hidden_why})",
                                       section=self._section))
            self._hidden, self._hidden_why = [], ""

    def _used_picture(self, use: Any) -> str:
        """The source of the SVG <image> an SVG <use href="#id"> shows ('' when it shows none)."""
        href = use.get("href") or use.get("xlink:href") or use.get("{http://www.w3.org/1999/xlink}href") or ""
        if not href.startswith("#"):
            return ""
        if self._ids is None:  # each page's ids gathered once
            root = use.getroottree().getroot()
            self._ids = {}
            for element in root.iter():
                if isinstance(element.tag, str) and element.get("id") is not None:
                    self._ids.setdefault(element.get("id"), element)
        target = self._ids.get(href[1:])
        if target is None or not isinstance(target.tag, str) or target.tag.rsplit("}", 1)[-1] != "image":
            return ""
        return str(target.get("href") or target.get("xlink:href") or target.get("{http://www.w3.org/1999/xlink}href") or "")

    def _fingerprint(self, src: str) -> str:
        """The fingerprint of the picture at `src` (each picture read once: a yearbook repeats its photos)."""
        key = (self._name if not src.startswith("data:") else "", src)
        if key not in self._pictures:
            data = decode_data_uri(src) if src.startswith("data:") else self._load_image(src)
            self._pictures[key] = fingerprint(data) if data else ""
        return self._pictures[key]

    def facts(self) -> EditionFacts:
        """What was read, as EditionFacts."""
        figures, _ = pair_figures(self.groups)
        return EditionFacts(headings=self.headings, figures=figures, numbers=numbers_of(self.units),
                            paragraphs=self.units, seen=self.seen + self.notes.differences())


class Notes:
    """The note marks and the notes of an edition's documents: each mark must lead to a note,
    and each note must be marked somewhere."""

    def __init__(self) -> None:
        #: (document, href, the mark's text, the section it is in)
        self.marks: list[tuple[str, str, str, str]] = []
        #: (document, id, the note's text)
        self.notes: list[tuple[str, str, str]] = []

    def saw(self, document: str, element: Any, tag: str, kinds: set[str], in_list: bool, section: str) -> None:
        """Take note of an element (`kinds`: its role and EPUB types): a note mark, or a note."""
        attrs = element.attrib
        ident = attrs.get("id")
        if tag == "a" and kinds & NOTE_REFS:
            self.marks.append((document, attrs.get("href") or "", text_of(element), section))
        elif ident and ((in_list and tag == "li") or kinds & NOTE_ROLES):
            self.notes.append((document, ident, text_of(element)))

    def differences(self) -> list[Difference]:
        """A mark that leads to no note, a note no mark leads to."""
        notes = {(document, ident) for document, ident, _ in self.notes}
        reached, out = set(), []
        for document, href, mark, section in self.marks:
            target = resolve(document, href)
            reached.add(target)
            if target not in notes:
                out.append(Difference("structure", "notes", f"note mark {quote(mark)}",
                                      f"points to {quote(href)}, which is no note of the edition", section=section))
        for document, ident, text in self.notes:
            if (document, ident) not in reached:
                out.append(Difference("structure", "notes", f"note {quote(short(text, 20))}",
                                      "is marked nowhere in the text (no note mark points to it)"))
        return out


def resolve(document: str, href: str) -> tuple[str, str]:
    """(document, id) a link leads to, from the document it is in."""
    path, _, fragment = href.partition("#")
    if not path:
        return document, unquote(fragment)
    return posixpath.normpath(posixpath.join(posixpath.dirname(document), unquote(path))), unquote(fragment)


def toc_entries(nav: Any) -> list[HeadingFact]:
    """The entries of a contents list: each item's label, at its depth (1: the outermost list)."""
    entries = []
    for item in nav.iter():
        if not isinstance(item.tag, str) or local(item.tag) != "li":
            continue
        label = next((c for c in item if isinstance(c.tag, str) and local(c.tag) in ("a", "span")), None)
        if label is not None:
            entries.append(HeadingFact(_depth_in(item, nav), " ".join(text_of(label).split())))
    return entries


def _depth_in(item: Any, nav: Any) -> int:
    depth = 1
    for ancestor in item.iterancestors():
        if ancestor is nav:
            break
        depth += local(ancestor.tag) == "li"
    return depth


def find_toc(root: Any) -> Any:
    """The document's contents list: a <nav> of EPUB type toc, role doc-toc or class toc."""
    for nav in root.iter():
        if isinstance(nav.tag, str) and local(nav.tag) == "nav" and (
                "toc" in _kinds(nav.attrib) or "doc-toc" in _kinds(nav.attrib)
                or "toc" in (nav.get("class") or "").split()):
            return nav
    return None


def text_of(element: Any) -> str:
    """All the text inside an element, as written (comments left out)."""
    return "".join(t for t in element.itertext() if isinstance(t, str))


def local(tag: Any) -> str:
    """An element's tag without its namespace, in lower case ("" for a comment)."""
    return tag.rsplit("}", 1)[-1].lower() if isinstance(tag, str) else ""


def _kinds(attrs: Any) -> set[str]:
    """The element's ARIA role and EPUB types."""
    return set((attrs.get("role") or "").split()) | set((attrs.get(EPUB_TYPE) or "").split())


def decode_data_uri(src: str) -> bytes | None:
    """The bytes of a base64 `data:` URI, or None."""
    head, _, payload = src.partition(",")
    if not head.endswith(";base64"):
        return None
    try:
        return base64.b64decode(payload, validate=False)
    except (binascii.Error, ValueError):
        return None
