"""DOCX extractor: headings by paragraph style, pictures, captions and text, in body order."""
from __future__ import annotations

import posixpath
import re
import zipfile
from pathlib import Path
from typing import Any, Callable, TypeVar

import docx
from lxml import etree
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.opc.exceptions import PackageNotFoundError
from docx.oxml import parse_xml
from docx.oxml.ns import qn

from ..errors import PublisherError
from ..facts import HeadingFact
from .difference import Difference, quote as _q, short
from .docx_runs import Looks, fill_of, unseen
from .package import check_bounds
from .edition import EditionFacts, FigureGroup, fingerprint, numbers_of, pair_figures, split_authors, split_caption

#: heading level of each paragraph style (lower-cased style names); see renderers/docx.py
LEVELS = {"title": 1, **{f"heading {n}": n + 1 for n in range(1, 9)}}
CAPTION_STYLE = "caption"
#: the text-bearing elements of a run: text, tabs and line breaks
W_TEXT = (qn("w:t"), qn("w:tab"), qn("w:br"), qn("w:cr"), qn("w:noBreakHyphen"))
W_P, W_RUN, W_TC = qn("w:p"), qn("w:r"), qn("w:tc")
W_INS, W_DEL, W_MOVE_TO, W_DEL_TEXT = qn("w:ins"), qn("w:del"), qn("w:moveTo"), qn("w:delText")
W_COMMENT_REFERENCE = qn("w:commentReference")
W_NOTE_REFERENCE, W_INSTR = qn("w:footnoteReference"), qn("w:instrText")
A_BLIP = "{http://schemas.openxmlformats.org/drawingml/2006/main}blip"
R_EMBED = qn("r:embed")
#: footnote kinds that hold Word's separator lines, not notes
SEPARATORS = {"separator", "continuationSeparator", "continuationNotice"}


class _Reader:
    """Walks paragraphs in body order and sorts them into headings, captions and text."""

    def __init__(self, document: Any) -> None:
        self.part = document.part
        self.styles = style_names(document)
        self.levels = heading_levels(document)
        self.looks = Looks(document.styles.element, document.element.body)
        #: the core properties' title
        self.title = ""
        self.units: list[str] = []
        self.headings: list[HeadingFact] = []
        #: figures so far; the last group collects pictures until a caption closes it
        self.groups: list[FigureGroup] = [FigureGroup()]
        self.seen: list[Difference] = []
        #: the heading above the paragraph read, and the paragraph's index under it
        self.section, self.index = "", 0
        #: comment id → (section, index) of the paragraph it is anchored in
        self.comment_places: dict[str, tuple[str, int]] = {}
        #: the counters of the SEQ fields seen (Word numbers figures with them)
        self.sequences: dict[str, int] = {}
        #: the footnote ids referenced from the body and the notes, in order
        self.note_references: list[str] = []
        #: the notes part being read (its pictures' relationships are its own), and the figure
        #: its pictures gather in until a caption closes it
        self.notes_part: Any = None
        self.note_group: FigureGroup | None = None

    def paragraph(self, p: Any) -> None:
        style_id = _style_id(p)
        style = self.styles.get(style_id, "")
        if style.startswith("toc"):  # a contents entry repeats a heading with a page number
            return
        self.pictures(p, self.groups[-1])
        text = self.visible_text(p, style_id)
        level = self.levels.get(style_id) or _outline_level(p)
        if text.strip():
            self.units.append(text)
            if level:
                self.headings.append(HeadingFact(level, " ".join(text.split())))
                self.section, self.index = " ".join(text.split()), 0
            else:
                self.index += 1
            if style == CAPTION_STYLE:
                self.groups[-1].captions.append(split_caption(text))
                self.groups.append(FigureGroup())
                self.numbered(p, split_caption(text)[0])
        self.tracked_changes(p)
        for reference in _own(p, W_COMMENT_REFERENCE):
            self.comment_places[reference.get(qn("w:id"), "")] = (self.section, self.index)
        self.note_references += [r.get(qn("w:id"), "") for r in _own(p, W_NOTE_REFERENCE)]

    def pictures(self, p: Any, group: FigureGroup, part: Any = None) -> None:
        """The pictures a paragraph draws, into `group`; one drawn other than as it is is named."""
        for blip in _own(p, A_BLIP):
            picture = self._fingerprint(blip.get(R_EMBED, ""), part)
            group.pictures.append(picture)
            problem = drawn_problem(blip, picture)
            if problem:
                self.seen.append(Difference("figures", "drawn", f"picture {self._name(blip, part)}", problem,
                                            self.section, self.index))

    def note_pictures(self, p: Any, text: str) -> None:
        """The pictures and captions of a note's paragraph (its pictures' relationships are the
        notes part's), as figures after the body's."""
        if self.note_group is None:
            self.note_group = FigureGroup()
            self.groups.insert(len(self.groups) - 1, self.note_group)
        self.pictures(p, self.note_group, self.notes_part)
        if self.styles.get(_style_id(p), "") == CAPTION_STYLE and text.strip():
            self.note_group.captions.append(split_caption(text))
            self.note_group = None

    def numbered(self, p: Any, shown: int) -> None:
        """A caption's number is a SEQ field's result: Word renumbers by position when fields
        are updated, so the number shown must be the one the field will give."""
        code = " ".join(" ".join((t.text or "") for t in p.iter(W_INSTR)).split())
        match = re.search(r"\bSEQ\s+(\S+)", code)
        if match is None or not shown:
            return
        counter = self.sequences[match.group(1)] = self.sequences.get(match.group(1), 0) + 1
        if counter != shown:
            self.seen.append(Difference("figures", "field", f"图{shown}",
                                        f"is number {counter} of its SEQ {match.group(1)} field: Word will "
                                        "renumber it when fields are updated", self.section, self.index))

    def visible_text(self, p: Any, style_id: str) -> str:
        """The text of a paragraph a reader sees (field results included, field codes not);
        text Word hides, or sets in its background's colour or at a dot's size, is named."""
        background = fill_of(p, "w:pPr") or _cell_fill(p) or self.looks.page
        shown, hidden, why = [], [], ""
        for run in p.iter(W_RUN):
            if _paragraph_of(run) is not p:  # a text box's paragraph is read on its own
                continue
            text = run_text(run)
            if not text:
                continue
            reason = unseen(self.looks.of(run, style_id), run, background)
            if reason:
                hidden.append(text)
                why = why or reason
            else:
                shown.append(text)
        hidden_text = " ".join("".join(hidden).split())
        if hidden_text:
            self.seen.append(Difference("text", "hidden", _q(short(hidden_text, 24)), f"is {why}",
                                        self.section, self.index + 1))
        return "".join(shown)

    def tracked_changes(self, p: Any) -> None:
        """Insertions and deletions tracked but not yet accepted: each named with its author."""
        for change, tag, text_tag in (("insertion", W_INS, W_TEXT[0]), ("deletion", W_DEL, W_DEL_TEXT),
                                      ("move", W_MOVE_TO, W_TEXT[0])):
            for element in _own(p, tag):
                text = " ".join("".join(t.text or "" for t in element.iter(text_tag)).split())
                if text:
                    author = element.get(qn("w:author")) or "someone"
                    self.seen.append(Difference("text", "tracked", f"{change} {_q(short(text, 40))}",
                                                f"by {author} is a tracked change not yet accepted",
                                                self.section, self.index))

    def _name(self, blip: Any, owner: Any = None) -> str:
        part = (owner or self.part).related_parts.get(blip.get(R_EMBED, ""))
        return posixpath.basename(str(part.partname)) if part is not None else "(missing)"

    def _fingerprint(self, rid: str, owner: Any = None) -> str:
        part = (owner or self.part).related_parts.get(rid)
        return fingerprint(part.blob) if part is not None else ""

    def facts(self) -> EditionFacts:
        figures, _ = pair_figures(self.groups)
        return EditionFacts(headings=self.headings, figures=figures,
                            numbers=numbers_of(self.units), paragraphs=self.units, title=self.title,
                            seen=self.seen)


def style_names(document: Any) -> dict[str, str]:
    """Paragraph style id → lower-cased style name ('Heading1' → 'heading 1')."""
    names = {}
    for style in document.styles.element.iterchildren(qn("w:style")):
        name = style.find(qn("w:name"))
        if name is not None:
            names[style.get(qn("w:styleId"))] = name.get(qn("w:val"), "").lower()
    return names


def _style_id(p: Any) -> str:
    style = p.find(f"{qn('w:pPr')}/{qn('w:pStyle')}")
    return style.get(qn("w:val"), "") if style is not None else ""


#: how far a picture's drawn shape may stray from its own before it reads as squashed
MAX_SQUASH = 0.03
#: DrawingML picture effects that change what a picture shows
_EFFECTS = {"lum": "brightness or contrast changed", "grayscl": "drawn in grey", "biLevel": "drawn in black and white",
            "duotone": "drawn in two colours", "clrChange": "a colour replaced", "alphaModFix": "drawn faded",
            "alphaInv": "drawn inverted"}
A_NS = "{http://schemas.openxmlformats.org/drawingml/2006/main}"
WP_NS = "{http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing}"


def drawn_problem(blip: Any, picture: str) -> str:
    """How Word draws a picture other than as it is ("" when it draws it as it is): squashed,
    cropped, or with an effect that changes what it shows."""
    for effect in blip:
        name = etree.QName(effect).localname
        if name in _EFFECTS and not (name == "alphaModFix" and _whole(effect.get("amt"), 100000) >= 90000):
            return f"is {_EFFECTS[name]} in Word" if name != "clrChange" else "has a colour replaced in Word"
    fill = blip.getparent()
    crop = fill.find(f"{A_NS}srcRect") if fill is not None else None
    if crop is not None:
        cut = max(abs(_whole(crop.get(side), 0)) for side in "ltrb") / 1000
        if cut > 1:
            return f"is cropped by {cut:g}% of a side"
    frame = next((node for node in blip.iterancestors() if node.tag in (f"{WP_NS}inline", f"{WP_NS}anchor")), None)
    extent = frame.find(f"{WP_NS}extent") if frame is not None else None
    ratio = float(picture.split(":")[1]) if picture.count(":") >= 1 else 0.0
    if extent is not None and ratio:
        width, height = _whole(extent.get("cx"), 0), _whole(extent.get("cy"), 0)
        if width <= 0 or height <= 0:
            return "is drawn with no size"
        if abs(width / height - ratio) / ratio > MAX_SQUASH + 0.01 / ratio:  # the ratio has two decimals
            return f"is drawn squashed ({width / height:.2f}:1 for a {ratio:.2f}:1 picture)"
    return ""


def _whole(value: str | None, default: int) -> int:
    """A whole-number attribute, or `default` when it is missing or not a number."""
    try:
        return int(value) if value is not None else default
    except ValueError:
        return default


def run_text(run: Any) -> str:
    """The characters of one run: its text, tabs and breaks as spaces, hyphens Word keeps."""
    return "".join(_piece(node) for node in run.iter(*W_TEXT))


def _piece(node: Any) -> str:
    if node.tag == W_TEXT[0]:
        return node.text or ""
    return "-" if node.tag == W_TEXT[4] else " "


def paragraph_text(p: Any) -> str:
    """All the text of a paragraph, seen or not (the notes, the page headers)."""
    return "".join(run_text(run) for run in p.iter(W_RUN))


def _own(p: Any, tag: str) -> list[Any]:
    """The `tag` elements of paragraph `p` itself, not of a text box's paragraph inside it
    (that one is read on its own)."""
    return [element for element in p.iter(tag) if _paragraph_of(element) is p]


def _paragraph_of(run: Any) -> Any:
    node = run.getparent()
    while node is not None and node.tag != W_P:
        node = node.getparent()
    return node


def _cell_fill(p: Any) -> str:
    node = p.getparent()
    while node is not None and node.tag != W_TC:
        node = node.getparent()
    return fill_of(node, "w:tcPr") if node is not None else ""


def heading_levels(document: Any) -> dict[str, int]:
    """Paragraph style id → heading level: by Word's built-in names (in English or Chinese),
    else by the outline level the style gives (a department's house style: "公文标题一")."""
    styles = {style.get(qn("w:styleId")): style for style in document.styles.element.iterchildren(qn("w:style"))}
    levels = {}
    for style_id, style in styles.items():
        name = style.find(qn("w:name"))
        level = _named_level(name.get(qn("w:val"), "").lower() if name is not None else "")
        level = level or _style_outline(styles, style)
        if level:
            levels[style_id] = level
    return levels


def _named_level(name: str) -> int:
    if name in LEVELS:
        return LEVELS[name]
    match = re.fullmatch(r"标题\s*(\d)", name)
    return int(match.group(1)) + 1 if match else (1 if name == "标题" else 0)


def _style_outline(styles: dict[str, Any], style: Any) -> int:
    """The heading level from the outline level of a style or the styles it is based on."""
    for _ in range(20):
        level = _outline_of(style.find(qn("w:pPr")))
        if level >= 0:
            return level
        based = style.find(qn("w:basedOn"))
        style = styles.get(based.get(qn("w:val"))) if based is not None else None
        if style is None:
            break
    return 0


def _outline_of(ppr: Any) -> int:
    """Heading level of an outline level (0 → 2, Heading 1); 0 for body text; -1 when unset."""
    element = ppr.find(qn("w:outlineLvl")) if ppr is not None else None
    if element is None:
        return -1
    value = element.get(qn("w:val"), "9")
    return int(value) + 2 if value.isdigit() and int(value) < 9 else 0


def _outline_level(p: Any) -> int:
    return max(_outline_of(p.find(qn("w:pPr"))), 0)


def related_parts(document: Any, *kinds: str) -> list[Any]:
    """The document's parts of these relationship types (notes, headers …)."""
    return [rel.target_part for rel in document.part.rels.values() if not rel.is_external and rel.reltype in kinds]


def related_roots(document: Any, *kinds: str) -> list[Any]:
    """The parsed XML of the document's parts of these relationship types."""
    return [parse_xml(part.blob) for part in related_parts(document, *kinds)]


def notes_text(reader: _Reader, document: Any) -> list[str]:
    """The visible paragraphs of the footnotes and endnotes, in note order; a footnote no
    reference leads to (no reader finds it) or a reference to no footnote is named."""
    out, ids = [], []
    for part in related_parts(document, RT.FOOTNOTES, RT.ENDNOTES):
        reader.notes_part, root = part, parse_xml(part.blob)
        for note in root:
            if note.get(qn("w:type")) in SEPARATORS:
                continue
            ids += [note.get(qn("w:id"), "")] if note.tag == qn("w:footnote") else []
            for p in note.iter(W_P):
                text = reader.visible_text(p, _style_id(p))
                reader.note_pictures(p, text)
                out += [text] if text.strip() else []
            # a note may mark another note
            reader.note_references += [r.get(qn("w:id"), "") for r in note.iter(W_NOTE_REFERENCE)]
    referenced = set(reader.note_references)
    for number, note_id in enumerate(ids, start=1):
        if note_id not in referenced:
            reader.seen.append(Difference("structure", "notes", f"footnote {number}", "has no reference in the text"))
    for note_id in dict.fromkeys(reader.note_references):
        if note_id not in ids:
            reader.seen.append(Difference("structure", "notes", "a footnote reference", f"leads to no footnote (id {note_id})"))
    return out


def margin_texts(reader: _Reader, document: Any) -> list[str]:
    """The text of the running heads and feet (every header and footer part), as printed."""
    return [text for root in related_roots(document, RT.HEADER, RT.FOOTER)
            for text in (reader.visible_text(p, _style_id(p)) for p in root.iter(W_P)) if text.strip()]


def comments(reader: _Reader, document: Any) -> list[Difference]:
    """Each comment, with its author and the paragraph it is on: what a department wrote back."""
    out = []
    for root in related_roots(document, RT.COMMENTS):
        for comment in root.iter(qn("w:comment")):
            text = " ".join(paragraph_text(p) for p in comment.iter(W_P)).strip()
            section, index = reader.comment_places.get(comment.get(qn("w:id"), ""), ("", 0))
            author = comment.get(qn("w:author")) or "someone"
            out.append(Difference("text", "comment", f"comment by {author}", _q(short(" ".join(text.split()), 60)),
                                  section, index))
    return out


def languages(document: Any) -> str:
    """The languages the document's defaults declare, Latin and East Asian ("en-US zh-CN")."""
    lang = document.styles.element.find(f"{qn('w:docDefaults')}/{qn('w:rPrDefault')}/{qn('w:rPr')}/{qn('w:lang')}")
    if lang is None:
        return ""
    return " ".join(v for v in (lang.get(qn("w:val")), lang.get(qn("w:eastAsia"))) if v)


T = TypeVar("T")


def _read_part(name: str, read: Callable[[_Reader, Any], list[T]], reader: _Reader, document: Any,
               path: Path) -> list[T]:
    """What `read` gives of a part; a damaged part is a one-line error of its own."""
    try:
        return read(reader, document)
    except (etree.XMLSyntaxError, ValueError) as error:
        raise PublisherError(f"not a readable DOCX: its {name} part is damaged ({error})", path,
                             hint="rebuild it") from None


def extract(path: Path) -> EditionFacts:
    """Read a DOCX edition's body, then its notes, running heads and feet, and comments."""
    check_bounds(path, "DOCX")
    try:
        document = docx.Document(str(path))
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError, OSError,
            SyntaxError) as error:
        raise PublisherError(f"not a readable DOCX: {error}", path, hint="rebuild it") from None
    reader = _Reader(document)
    for p in document.element.body.iter(W_P):
        reader.paragraph(p)
    reader.units += _read_part("notes", notes_text, reader, document, path)
    margins = _read_part("header or footer", margin_texts, reader, document, path)
    remarks = _read_part("comments", comments, reader, document, path)
    reader.title = document.core_properties.title or ""
    facts = reader.facts()
    facts.margins, facts.language = margins, languages(document)
    facts.authors = split_authors(document.core_properties.author or "")
    facts.seen += remarks
    return facts
