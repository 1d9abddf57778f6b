"""Passes over a source body that need no Markdown parser: inline notes before it, table
captions and small element-tree helpers after it."""
from __future__ import annotations

import html
import re
import xml.etree.ElementTree as etree
from dataclasses import replace

from .model import Block, Inline, Paragraph, Table, Text, plain_text

#: an entity or character reference with its semicolon: "&sect" in a URL's "&section=2" is none
_ENTITY = re.compile(r"&(?:#[0-9]+|#[xX][0-9a-fA-F]+|[A-Za-z][A-Za-z0-9]*);")


def unescape(text: str) -> str:
    """HTML entities in `text` decoded, only the ones written with their semicolon.

    (html.unescape also decodes legacy names without one, turning "?a=1&section=2" into "§ion=2".)
    """
    return _ENTITY.sub(lambda m: html.unescape(m.group()), text) if "&" in text else text


def inline_notes(body: str) -> str:
    """pandoc's inline notes `^[text]` (over several lines too) → footnotes Python-Markdown understands.

    Looked for paragraph by paragraph, never in fenced or indented code. (Warnings find
    their lines in the source itself, so the lines a note takes up need not be kept.)
    """
    if "^[" not in body:
        return body
    notes: list[str] = []
    out: list[str] = []
    paragraph: list[str] = []
    in_fence = False
    for line in body.split("\n") + [""]:
        fence = line.lstrip().startswith(("```", "~~~"))
        if in_fence or fence or not line.strip() or line.startswith(("    ", "\t")) and not paragraph:
            if paragraph:
                out.append(_take_inline_notes("\n".join(paragraph), notes))
            paragraph = []
            out.append(line)
            in_fence = in_fence != fence
        else:
            paragraph.append(line)
    out.pop()  # the blank line added above
    out += [f"\n[^inline-{n}]: {text}" for n, text in enumerate(notes, start=1)]
    return "\n".join(out)


def _take_inline_notes(text: str, notes: list[str]) -> str:
    """`text` with each `^[…]` replaced by a reference; brackets nest, code spans may hold `]`."""
    out, pos = [], 0
    code = [(m.start(), m.end()) for m in _CODE_SPAN.finditer(text)]
    while (start := text.find("^[", pos)) >= 0:
        end = _note_end(text, start + 2)
        in_code = any(a <= start < b for a, b in code)
        if end < 0 or in_code or (start and text[start - 1] == "\\"):
            out.append(text[pos:start + 2])
            pos = start + 2
            continue
        body = text[start + 2:end]
        notes.append(" ".join(body.split()))
        out.append(text[pos:start] + f"[^inline-{len(notes)}]")
        pos = end + 1
    return "".join(out) + text[pos:]


#: a code span: its backticks, then anything up to as many backticks
_CODE_SPAN = re.compile(r"(`+)(?!`).*?(?<!`)\1(?!`)", re.S)


def _note_end(text: str, pos: int) -> int:
    """Index of the `]` closing a note whose text starts at `pos`, or -1."""
    depth = 0
    while pos < len(text):
        char = text[pos]
        if char == "`":
            ticks = len(text[pos:]) - len(text[pos:].lstrip("`"))
            close = text.find("`" * ticks, pos + ticks)
            pos = (close + ticks) if close >= 0 else pos + ticks
            continue
        if char == "\\":
            pos += 2
            continue
        if char == "[":
            depth += 1
        elif char == "]":
            if depth == 0:
                return pos
            depth -= 1
        pos += 1
    return -1


#: pandoc's table caption: a paragraph "Table: …" (or ": …") right before or after a table
_TABLE_CAPTION = re.compile(r"^(?:Table|表)?\s*[:：]\s*")


def table_captions(blocks: list[Block]) -> list[Block]:
    """Blocks with each "Table: …" paragraph next to a table made that table's caption."""
    out: list[Block] = []
    for block in blocks:
        caption = _caption_of(block)
        if caption and out and isinstance(out[-1], Table) and not out[-1].caption:
            out[-1] = replace(out[-1], caption=caption)
        elif isinstance(block, Table) and out and not block.caption and _caption_of(out[-1]):
            out[-1] = replace(block, caption=_caption_of(out[-1]))
        else:
            out.append(block)
    return out


def _caption_of(block: Block) -> tuple[Inline, ...]:
    if not (isinstance(block, Paragraph) and block.inlines and isinstance(block.inlines[0], Text)):
        return ()
    found = _TABLE_CAPTION.match(block.inlines[0].text)
    if found is None or not block.inlines[0].text.startswith(("Table", "表", ":", "：")):
        return ()
    return tuple(merge_text([Text(block.inlines[0].text[found.end():]), *block.inlines[1:]]))


def lone_picture(element: etree.Element) -> tuple[etree.Element, str] | None:
    """(img, link target) when a paragraph holds one picture and nothing else (a figure)."""
    children = [c for c in element if isinstance(c.tag, str)]
    if len(children) != 1 or (element.text or "").strip() or (children[0].tail or "").strip():
        return None
    child = children[0]
    if child.tag == "img":
        return child, ""
    inner = [c for c in child if isinstance(c.tag, str)]
    if child.tag == "a" and len(inner) == 1 and inner[0].tag == "img" \
            and not (child.text or "").strip() and not (inner[0].tail or "").strip():
        return inner[0], child.get("href", "")
    return None


_ZOOM = re.compile(r"zoom\s*:\s*(\d+(?:\.\d+)?)%")
_CSS_WIDTH = re.compile(r"(?<![-\w])width\s*:\s*(\d+(?:\.\d+)?)(%|px)")


def size_of(img: etree.Element, natural_width: int) -> str:
    """The printed size an author asked for: "50%" of the text width, or "300px"; "" for none
    (a size of 0 would hide the picture: none)."""
    style = img.get("style") or ""
    zoom = _ZOOM.search(style)
    if zoom and natural_width and float(zoom.group(1)) > 0:
        return f"{max(1, round(natural_width * float(zoom.group(1)) / 100))}px"
    width = _CSS_WIDTH.search(style)
    if width and float(width.group(1)) > 0:
        return f"{width.group(1)}{width.group(2)}"
    value = (img.get("width") or "").strip()
    found = re.fullmatch(r"(\d+(?:\.\d+)?)\s*(%|px)?", value)
    return f"{found.group(1)}{found.group(2) or 'px'}" if found and float(found.group(1)) > 0 else ""


def alignment(cell: etree.Element) -> str:
    style = (cell.get("style") or "") + ";text-align:" + (cell.get("align") or "")
    found = re.search(r"text-align\s*:\s*(left|center|right)", style)
    return found.group(1) if found else ""


def tex(text: str) -> str:
    """arithmatex wraps math in \\( \\) or \\[ \\]: shown as written, with dollars."""
    text = text.strip()
    if text.startswith("\\(") and text.endswith("\\)"):
        return "$" + text[2:-2] + "$"
    if text.startswith("\\[") and text.endswith("\\]"):
        return "$$" + text[2:-2].strip("\n") + "$$"
    return text


def text_of(block: Block) -> str:
    return plain_text(getattr(block, "inlines", ())) or getattr(block, "text", "")


def collapse_space(root: etree.Element) -> None:
    """HTML collapses runs of white space (outside <pre>): so does the reader."""
    kept = {id(e) for pre in root.iter("pre") for e in pre.iter()}
    for element in root.iter():
        for attr in ("text", "tail"):
            value = getattr(element, attr)
            if value and not (attr == "text" and id(element) in kept) \
                    and not (attr == "tail" and id(element) in kept and element.tag != "pre"):
                setattr(element, attr, re.sub(r"[ \t\r\n]+", " ", value))


def merge_text(nodes: list[Inline]) -> list[Inline]:
    out: list[Inline] = []
    for node in nodes:
        if isinstance(node, Text) and out and isinstance(out[-1], Text):
            out[-1] = Text(out[-1].text + node.text)
        elif not (isinstance(node, Text) and not node.text):
            out.append(node)
    if out and isinstance(out[0], Text):
        out[0] = Text(out[0].text.lstrip())
    if out and isinstance(out[-1], Text):
        out[-1] = Text(out[-1].text.rstrip())
    return [n for n in out if not (isinstance(n, Text) and not n.text)]


#: elements whose raw HTML runs to their end tag: left open, they would take the rest of the source
_RUNS_TO_END = ("script", "style", "textarea", "pre")


def unclosed_raw(body: str) -> tuple[str, list[str]]:
    """The body without opening <script>/<style>/<textarea>/<pre> tags that are never closed,
    and the tags taken out: Markdown would read everything after one as raw HTML."""
    taken: list[str] = []
    for tag in _RUNS_TO_END:
        for found in re.finditer(rf"<{tag}\b[^>]*>", body, re.I):
            if not re.search(rf"</{tag}\s*>", body[found.end():], re.I):
                taken.append(found.group())
    for opening in taken:
        body = body.replace(opening, "", 1)
    return body, taken
