"""The verifier's own reading of a source: markdown-it-py (CommonMark), not the reader's Python-Markdown.

The text an editor wrote, read a second way and independently of the document model the
renderers consume, so that a mistake of the reader (a construct it drops or misreads) or
of a renderer shows as a difference in every edition that lacks the text.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from markdown_it import MarkdownIt
from mdit_py_plugins.admon import admon_plugin
from mdit_py_plugins.deflist import deflist_plugin
from mdit_py_plugins.dollarmath import dollarmath_plugin
from mdit_py_plugins.footnote import footnote_plugin
from mdit_py_plugins.subscript import sub_plugin
from mdit_py_plugins.superscript import superscript_plugin
from mdit_py_plugins.tasklists import tasklists_plugin

from ..frontmatter import split

#: Python-Markdown's attribute lists ({: .lead}, {#id}, {width=50%}): markup, never text
_ATTR_TOKEN = r"""(?:[#.][\w\-:]+|[\w\-:]+=(?:"[^"\n]*"|'[^'\n]*'|[^\s{}"']+))"""
_ATTR_LIST = re.compile(r"\{:[^{}\n]*\}|\{[ \t]*" + _ATTR_TOKEN + r"(?:[ \t]+" + _ATTR_TOKEN + r")*[ \t]*\}")
_CONTROL = re.compile("[\x01-\x08\x0b\x0c\x0e-\x1f\x7f]")
#: GitHub's alert marker at the start of a quote ([!NOTE]): printed as the box's title
_ALERT = re.compile(r"^\[!(?:NOTE|TIP|IMPORTANT|WARNING|CAUTION)\]\s*", re.I)
#: pandoc's table caption line ("Table: …"): the words are the caption, the word "Table:" is not
_CAPTION_LINE = re.compile(r"^(?:Table|表)\s*[:：]\s*")
#: ==mark== (pymdown-extensions), which markdown-it leaves as typed
_MARK = re.compile(r"==(\S(?:[^=\n]*\S)?)==")
#: elements whose content no edition shows as text (dropped with a warning by the reader)
_HIDDEN = frozenset("script style template iframe object noscript form frame frameset svg canvas video "
                    "audio head title".split())
#: media no edition can play: printed as a link to their source
_MEDIA = frozenset("iframe video audio embed object".split())


@dataclass(frozen=True)
class SourceText:
    """One block of text as the second reading found it, and its line in the source."""
    text: str
    line: int


@dataclass(frozen=True)
class SourcePicture:
    """A picture the source shows (Markdown or raw HTML), as written, and its line."""
    src: str
    line: int


def _parser() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"typographer": True}).enable(["table", "strikethrough", "smartquotes"])
    for plugin in (footnote_plugin, deflist_plugin, tasklists_plugin, admon_plugin, sub_plugin,
                   superscript_plugin):
        md = md.use(plugin)
    # math as the reader's arithmatex finds it: no space inside the dollars, no digit outside
    return md.use(dollarmath_plugin, allow_space=False, allow_digits=False, double_inline=True)


def read(path: Path) -> list[SourceText]:
    """The text blocks of the source at `path` (paragraphs, headings, cells, code …), in order."""
    return reading(path)[0]


def reading(path: Path) -> tuple[list[SourceText], list[SourcePicture]]:
    """The text blocks of the source at `path` (paragraphs, headings, cells, code …) and the
    pictures it shows, in order."""
    text = path.read_text(encoding="utf-8-sig").replace("\r\n", "\n").replace("\r", "\n")
    text = _CONTROL.sub("", text)  # invisible control characters: no edition can carry them
    front = split(text, path)
    out: list[SourceText] = []
    pictures: list[SourcePicture] = []
    for token in _parser().parse(front.body):
        line = (token.map[0] if token.map else 0) + front.body_line
        if token.type == "html_block":
            blocks, sources = _html_blocks(token.content)
        else:
            blocks, sources = [_text_of(token)], _pictures_of(token)
        out += [SourceText(block, line) for block in blocks if block.strip()]
        pictures += [SourcePicture(src, line) for src in sources if src]
    return out, pictures


def _pictures_of(token: Any) -> list[str]:
    """The picture sources of an inline token: Markdown images and raw <img> elements."""
    if token.type != "inline":
        return []
    out = []
    for child in token.children or []:
        if child.type == "image":
            out.append(str(child.attrGet("src") or ""))
        elif child.type == "html_inline":
            out += _html_blocks(child.content)[1]
    return out


def _text_of(token: Any) -> str:
    """The text a leaf token contributes ("" for structure)."""
    if token.type == "inline":
        return _CAPTION_LINE.sub("", _ALERT.sub("", _inline_text(token.children or [], token)))
    if token.type in ("fence", "code_block"):
        return str(token.content)
    if token.type == "math_block":
        return f"$${token.content.strip()}$$"
    return ""


def _inline_text(children: list[Any], parent: Any) -> str:
    parts: list[str] = []
    lone_image = len([c for c in children if c.type not in ("link_open", "link_close", "softbreak")
                      and not (c.type == "text" and not c.content.strip())]) == 1
    for child in children:
        kind = child.type
        if kind == "text":
            parts.append(_ATTR_LIST.sub("", child.content))
        elif kind == "code_inline":
            parts.append(child.content)
        elif kind in ("softbreak", "hardbreak"):
            parts.append(" ")
        elif kind == "math_inline":
            parts.append(f"${child.content}$")
        elif kind == "math_inline_double":
            parts.append(f"$${child.content}$$")
        elif kind == "image" and lone_image:  # a picture alone is a figure: its alt is the caption
            parts.append(child.content or "")
        elif kind == "html_inline" and child.content.lstrip().startswith("<!--"):
            continue
    return _MARK.sub(r"\1", "".join(parts))  # joined: a note mark may split ==mark[^1]==


#: elements that start a block of text of their own (a cell, a paragraph, a caption …)
_HTML_BLOCKS = frozenset("p div li td th tr table caption figcaption figure dt dd h1 h2 h3 h4 h5 h6 "
                         "blockquote pre details summary section article header footer ul ol dl hr br".split())


class _HtmlText(HTMLParser):
    """The visible text of raw HTML, one string per block-level element."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.blocks: list[list[str]] = [[]]
        self.pictures: list[str] = []
        self.hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _HTML_BLOCKS:
            self.blocks.append([])
        if tag == "img" and not self.hidden:
            self.pictures.append(dict(attrs).get("src") or "")
        if tag in _MEDIA and not self.hidden:
            self.blocks.append([dict(attrs).get("src") or dict(attrs).get("data") or ""])
        if tag in _HIDDEN:
            self.hidden += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in _HIDDEN and self.hidden:
            self.hidden -= 1
        if tag in _HTML_BLOCKS:
            self.blocks.append([])

    def handle_data(self, data: str) -> None:
        if not self.hidden:
            self.blocks[-1].append(data)


def _html_blocks(fragment: str) -> tuple[list[str], list[str]]:
    """The text blocks of raw HTML, and the sources of its pictures."""
    parser = _HtmlText()
    try:
        parser.feed(fragment)
        parser.close()
    except AssertionError:  # html.parser on a marked section (<![x[ … ]]>): what was read stands
        pass
    return [" ".join(parts) for parts in parser.blocks], parser.pictures
