"""Word list numbering from layout data: one bullet definition, a restarted number per list."""
from __future__ import annotations

from typing import Any, Callable

from docx.oxml.ns import qn

from .docx_xml import Element, el, twips, val

LEVELS = 9


class Numbering:
    """Adds list definitions to numbering.xml on first use."""

    def __init__(self, root: Callable[[], Element], config: dict[str, Any], char_size: str) -> None:
        #: gives the <w:numbering> element (python-docx creates the part on demand)
        self._root = root
        self.config = config
        #: the width of one character of body text, for the twips fallbacks
        self.char = twips(char_size)
        self._abstract: dict[bool, int] = {}
        self._bullets = 0

    def new_list(self, ordered: bool, start: int = 1) -> int:
        """A numId for a new list: bullets share one, every numbered list restarts (at `start`)."""
        if not ordered and self._bullets:
            return self._bullets
        root = self._root()
        if ordered not in self._abstract:
            self._abstract[ordered] = self._add_abstract(root, ordered)
        num_id = 1 + max((int(n.get(qn("w:numId"))) for n in root.iter(qn("w:num"))), default=0)
        num = el("w:num", {"w:numId": num_id}, [val("w:abstractNumId", self._abstract[ordered])])
        if ordered:
            num.append(el("w:lvlOverride", {"w:ilvl": 0}, [val("w:startOverride", start)]))
        root.append(num)
        if not ordered:
            self._bullets = num_id
        return num_id

    def indent(self, level: int) -> Element:
        """<w:ind> of list level `level` (also used for an item's later paragraphs)."""
        step = float(self.config.get("indent_chars", 2))
        left = float(self.config.get("start_chars", 0)) + step * (level + 1)
        return el("w:ind", {"w:leftChars": round(left * 100), "w:left": round(left * self.char),
                            "w:hangingChars": round(step * 100), "w:hanging": round(step * self.char)})

    def _add_abstract(self, root: Element, ordered: bool) -> int:
        ids = [int(a.get(qn("w:abstractNumId"))) for a in root.iter(qn("w:abstractNum"))]
        abstract_id = 1 + max(ids, default=-1)
        abstract = el("w:abstractNum", {"w:abstractNumId": abstract_id},
                      [val("w:multiLevelType", "hybridMultilevel")]
                      + [self._level(level, ordered) for level in range(LEVELS)])
        first_num = root.find(qn("w:num"))
        if first_num is None:
            root.append(abstract)
        else:
            first_num.addprevious(abstract)  # schema: every abstractNum before any num
        return abstract_id

    def _level(self, level: int, ordered: bool) -> Element:
        marks = self.config["numbers" if ordered else "bullets"]
        text = marks[level] if level < len(marks) else (f"%{level + 1}." if ordered else marks[-1])
        return el("w:lvl", {"w:ilvl": level}, [
            val("w:start", 1), val("w:numFmt", "decimal" if ordered else "bullet"),
            val("w:lvlText", text), val("w:lvlJc", "left"),
            el("w:pPr", children=[self.indent(level)])])
