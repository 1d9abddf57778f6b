"""Every node type in the Word edition: lists, tables, quotes, code, footnotes, links."""
from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

import docx
import pytest

from publisher import layout as layouts
from publisher import reader
from publisher.renderers import docx as docx_renderer

SOURCE = """---
title: 功能测试
byline: 文 测试员
date: 2024-03-05
---

正文含*强调*、**加粗**、`代码`和[链接](https://example.org/a)，以及脚注[^1]。

## 一、列表

- 第一项
- 第二项
    1. 子项一
    2. 子项二

中间一段。

1. 甲
2. 乙

## 二、表格与引用

| 项目 | 数量 |
|---|---|
| 培训班 | 3000期 |

> 引用的一段话。

    code line 1
      indented

---

[^1]: 脚注的内容，共12条。
"""


@pytest.fixture(scope="module")
def package(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    folder = tmp_path_factory.mktemp("docx-blocks")
    (folder / "blocks.md").write_text(SOURCE, encoding="utf-8")
    return docx_renderer.render(reader.read(folder / "blocks.md"), layouts.load("department"))


def xml(package: bytes, name: str) -> str:
    with zipfile.ZipFile(io.BytesIO(package)) as archive:
        return archive.read(name).decode("utf-8")


def test_lists_use_word_numbering(package: bytes) -> None:
    word = docx.Document(io.BytesIO(package))
    items = [p for p in word.paragraphs if p._p.pPr is not None and p._p.pPr.numPr is not None]
    assert [p.text for p in items] == ["第一项", "第二项", "子项一", "子项二", "甲", "乙"]
    levels = [p._p.pPr.numPr.ilvl.val for p in items]
    assert levels == [0, 0, 1, 1, 0, 0]
    numbering = xml(package, "word/numbering.xml")
    assert 'w:val="bullet"' in numbering and 'w:val="decimal"' in numbering
    assert "<w:startOverride" in numbering  # each numbered list starts again at 1


def test_table_has_head_row_and_cells(package: bytes) -> None:
    word = docx.Document(io.BytesIO(package))
    table = word.tables[0]
    assert [[c.text for c in row.cells] for row in table.rows] == [["项目", "数量"], ["培训班", "3000期"]]
    assert table._tbl.tr_lst[0].trPr.find(docx.oxml.ns.qn("w:tblHeader")) is not None


def test_quote_code_and_rule_have_styles(package: bytes) -> None:
    word = docx.Document(io.BytesIO(package))
    by_style = {p.style.name: p.text for p in word.paragraphs}
    assert by_style["Quote"] == "引用的一段话。"
    assert "code line 1" in by_style["Source Code"] and "  indented" in by_style["Source Code"]
    assert "Rule" in by_style


def test_footnote_is_a_real_word_footnote(package: bytes) -> None:
    document, notes = xml(package, "word/document.xml"), xml(package, "word/footnotes.xml")
    assert '<w:footnoteReference w:id="1"/>' in document
    assert re.search(r'<w:footnote w:id="1">.*脚注的内容，共12条。', notes, re.S)
    assert 'w:type="separator"' in notes


def test_link_points_outside(package: bytes) -> None:
    rels = xml(package, "word/_rels/document.xml.rels")
    assert 'Target="https://example.org/a" TargetMode="External"' in rels
    assert re.search(r"<w:hyperlink r:id=\"rId\d+\">.*?链接", xml(package, "word/document.xml"), re.S)


def test_inline_styles(package: bytes) -> None:
    document = xml(package, "word/document.xml")
    for style, text in (("Emphasis", "强调"), ("Strong", "加粗"), ("VerbatimChar", "代码")):
        assert re.search(rf'<w:rStyle w:val="{style}"/></w:rPr><w:t>{text}</w:t>', document), style


def test_toc_field_is_prefilled_when_the_layout_asks(tmp_path: Path) -> None:
    (tmp_path / "blocks.md").write_text(SOURCE, encoding="utf-8")
    chosen = layouts.load("department")
    chosen = layouts.Layout(chosen.name, chosen.dirs, layouts.merge(chosen.config, {"docx": {"toc": {
        "title": "目录", "levels": "1-2", "title_style": "TOC Heading", "entry_styles": ["toc 1", "toc 2"]}}}))
    word = docx.Document(io.BytesIO(docx_renderer.render(reader.read(tmp_path / "blocks.md"), chosen)))
    entries = [p.text for p in word.paragraphs if re.fullmatch(r"toc \d", p.style.name.lower())]
    assert entries == ["一、列表", "二、表格与引用"]
    assert 'TOC \\o "1-2"' in word.element.body.xml
