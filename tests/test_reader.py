"""The reader and the model: the bundled report and small inline cases."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from PIL import Image as PILImage

from publisher import reader
from publisher.errors import SourceError
from publisher.facts import normalise_text
from publisher.model import (CodeBlock, Image, Text, Figure, FootnoteRef, Heading, ListBlock, Paragraph, Quote, Styled,
                             Table, walk_blocks)
from publisher.typography import normalise_punctuation

from .conftest import SEED_TEXT



def write_source(tmp_path: Path, body: str, front: str = "title: 测试") -> Path:
    PILImage.new("RGB", (40, 30), (200, 30, 30)).save(tmp_path / "pic.png")
    path = tmp_path / "doc.md"
    path.write_text(f"---\n{front}\n---\n\n{body}", encoding="utf-8")
    return path


def seed_lines() -> list[str]:
    return [line for line in SEED_TEXT.read_text(encoding="utf-8").splitlines() if line.strip()]


# ---- the bundled report -----------------------------------------------------

def test_source_keeps_the_seed_characters(seed_source: Path) -> None:
    body = seed_source.read_text(encoding="utf-8").split("\n---\n", 1)[1]
    for line in seed_lines():
        if line != "文/图 黎禹君 江组轩":  # the byline lives in the front matter
            assert line in body
    assert body.count(",") == SEED_TEXT.read_text(encoding="utf-8").count(",") == 212


def test_every_seed_sentence_is_in_the_model_in_order(seed_doc) -> None:
    texts = [seed_doc.meta.byline]
    for block in walk_blocks(seed_doc.blocks):
        if isinstance(block, Figure):
            texts.append(block.caption_text)
        elif isinstance(block, (Heading, Paragraph)):
            texts.append(block.text)
    model = [normalise_text(t) for t in texts]
    wanted = [normalise_text(normalise_punctuation(line)) for line in seed_lines()]
    # the byline sits after the lead in the seed; the model keeps it in the front matter
    wanted.remove(normalise_text(seed_doc.meta.byline))
    assert model[1:] == wanted


def test_four_figures_with_the_seed_captions(seed_doc) -> None:
    figures = seed_doc.figures
    assert [f.number for f in figures] == [1, 2, 3, 4]
    assert [f.caption_text for f in figures] == [normalise_punctuation(l) for l in seed_lines()[:4]]
    assert all(f.src.is_file() and f.width >= 2400 for f in figures)
    assert len({f.src.read_bytes() for f in figures}) == 4


def test_lead_sections_and_subheads(seed_doc) -> None:
    leads = [b for b in seed_doc.blocks if isinstance(b, Paragraph) and b.role == "lead"]
    assert [l.text[:4] for l in leads] == ["从严从实", "刚刚过去"]
    heads = [(h.level, h.text) for h in seed_doc.headings]
    assert [t[0] for t in heads[:1] + heads[-1:]] == [2, 2]
    assert [t for lvl, t in heads if lvl == 2] == [
        "A 党的创新理论武装持续加强", "B 锻造高素质干部人才队伍",
        "C 基层党建不断开创新局面", "D 党建领航聚力高质量发展"]
    assert [t for lvl, t in heads if lvl == 3][0] == "——坚持“六重”导向，重用干事创业干部。"


def test_front_matter(seed_doc) -> None:
    meta = seed_doc.meta
    assert meta.byline == "文/图 黎禹君 江组轩"
    assert meta.language == "zh-CN" and meta.date == "2025-01-20"
    assert meta.publication and meta.page and meta.kicker and meta.subtitle
    assert meta.layout_for("pdf") == "newspaper" and meta.layout_for("docx") == "department"


def test_chinese_heading_ids_are_readable(seed_doc) -> None:
    ids = [h.id for h in seed_doc.headings]
    assert ids[0] == "a-党的创新理论武装持续加强"
    assert all(not re.fullmatch(r"_\d+", i) for i in ids) and len(set(ids)) == len(ids)


def test_no_ascii_punctuation_between_han_in_model(seed_doc) -> None:
    text = "".join(b.text for b in walk_blocks(seed_doc.blocks) if isinstance(b, Paragraph))
    assert not re.search(r"[\u4e00-\u9fff”][,;:!?()][\u4e00-\u9fff“]", text)
    assert "镇（街）" in text


# ---- small inline cases -----------------------------------------------------

def test_image_alone_in_paragraph_is_a_figure(tmp_path: Path) -> None:
    doc = reader.read(write_source(tmp_path, "![图片说明](pic.png)\n\n正文。\n\n![第二张](pic.png)\n"))
    figures = doc.figures
    assert [(f.number, f.caption_text) for f in figures] == [(1, "图片说明"), (2, "第二张")]
    assert figures[0].id == "fig-1" and figures[0].src == (tmp_path / "pic.png").resolve()


def test_image_inside_text_is_a_picture_in_the_line(tmp_path: Path) -> None:
    doc = reader.read(write_source(tmp_path, "文字 ![说明](pic.png) 文字\n"))
    image = next(i for i in doc.blocks[0].inlines if isinstance(i, Image))
    assert image.alt == "说明" and image.src == (tmp_path / "pic.png").resolve() and not doc.figures


def test_tables_lists_quotes_footnotes(tmp_path: Path) -> None:
    body = ("| 项目 | 数量 |\n|---|---|\n| 培训 | 3000多期 |\n\n- 一\n- 二\n    1. 子项\n\n"
            "> 引文,含逗号\n\n正文[^a]。\n\n[^a]: 注释内容。\n")
    doc = reader.read(write_source(tmp_path, body))
    kinds = [type(b) for b in doc.blocks]
    assert kinds == [Table, ListBlock, Quote, Paragraph]
    table = doc.blocks[0]
    assert isinstance(table, Table) and len(table.rows) == 1
    nested = doc.blocks[1].items[1]
    assert isinstance(nested[1], ListBlock) and nested[1].ordered
    assert doc.blocks[2].blocks[0].text == "引文，含逗号"
    assert any(isinstance(i, FootnoteRef) and i.number == 1 for i in doc.blocks[3].inlines)
    assert doc.footnotes[0].blocks[0].text == "注释内容。"


def test_attr_list_lead_and_custom_id(tmp_path: Path) -> None:
    doc = reader.read(write_source(tmp_path, "## 标题 {#my-id}\n\n导语。\n{: .lead}\n"))
    assert doc.blocks[0].id == "my-id" and doc.blocks[1].role == "lead"


def test_soft_line_breaks_join_without_spaces_in_chinese(tmp_path: Path) -> None:
    doc = reader.read(write_source(tmp_path, "第一行\n第二行 and\nEnglish words\n"))
    assert doc.blocks[0].text == "第一行第二行 and English words"


def test_the_same_heading_twice_gets_two_ids(tmp_path: Path) -> None:
    doc = reader.read(write_source(tmp_path, "## 概况\n\n一。\n\n### 背景\n\n二。\n\n## 其他\n\n### 背景\n\n三。\n"))
    ids = [b.id for b in doc.blocks if isinstance(b, Heading)]
    assert [b.text for b in doc.blocks if isinstance(b, Heading)].count("背景") == 2
    assert len(set(ids)) == len(ids)


def test_raw_html_becomes_model_nodes(tmp_path: Path) -> None:
    body = '<div class="box" title="t">安全<font color="red">红</font><u>下划线</u></div>\n'
    doc = reader.read(write_source(tmp_path, body))
    para = doc.blocks[0]
    assert isinstance(para, Paragraph) and para.text == "安全红下划线"
    assert Styled("ins", (Text("下划线"),)) in para.inlines
    assert any("<font>" in n.cause for n in doc.notices)


@pytest.mark.parametrize("body, named", [
    ('<p onclick="x()">文</p>', "onclick="), ("<script>alert(1)</script>", "<script>"),
    ("[点我](javascript:alert(1))", "javascript:"), ('<iframe src="http://x"></iframe>', "<iframe>"),
    ('<span style="background: url(http://x)">文</span>', "style=")])
def test_hostile_html_is_removed_with_a_warning_naming_its_line(tmp_path: Path, body: str, named: str) -> None:
    doc = reader.read(write_source(tmp_path, "正文。\n\n" + body + "\n"))
    warning = next(n for n in doc.notices if named in n.cause)
    assert warning.line == 7
    text = " ".join(b.text for b in doc.blocks if isinstance(b, Paragraph))
    assert "alert" not in text and "url(" not in text


def test_links_keep_safe_targets(tmp_path: Path) -> None:
    doc = reader.read(write_source(tmp_path, "[网站](https://example.org) 与 [目录](#a)\n"))
    hrefs = [getattr(i, "href", None) for i in doc.blocks[0].inlines]
    assert "https://example.org" in hrefs


def test_fenced_code_is_a_code_block(tmp_path: Path) -> None:
    doc = reader.read(write_source(tmp_path, "```python\nx = 1 < 2\n```\n"))
    assert doc.blocks[0] == CodeBlock("x = 1 < 2", "python")


def test_inline_raw_html_keeps_its_text_inside(tmp_path: Path) -> None:
    doc = reader.read(write_source(tmp_path, '见<abbr title="国内生产总值">GDP</abbr>和<sub>2</sub>。\n'))
    assert Styled("sub", (Text("2"),)) in doc.blocks[0].inlines
    assert doc.blocks[0].text == "见GDP和2。"


def test_date_comes_from_front_matter_then_source_date_epoch(tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    source = write_source(tmp_path, "正文。\n")
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    assert reader.read(source).meta.date == ""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1737331200")  # 2025-01-20 00:00 UTC
    assert reader.read(source).meta.date == "2025-01-20"
    dated = write_source(tmp_path, "正文。\n", front="title: 测试\ndate: 2024-12-31")
    assert reader.read(dated).meta.date == "2024-12-31"


def test_prose_and_code_may_mention_url_and_expression(tmp_path: Path) -> None:
    body = "This expression (x) uses url(…) and on = 2.\n\n```html\n<style>p{}</style>\n```\n"
    doc = reader.read(write_source(tmp_path, body))
    assert "expression (x)" in doc.blocks[0].text and doc.blocks[1] == CodeBlock("<style>p{}</style>", "html")


def test_footnote_with_emphasis_keeps_no_placeholder(tmp_path: Path) -> None:
    doc = reader.read(write_source(tmp_path, "正文[^1]。\n\n[^1]: 注释 *强调* 结尾。\n"))
    assert doc.footnotes[0].blocks[0].text == "注释 强调 结尾。"


@pytest.mark.parametrize("front, cause", [
    ("title: t\nlayouts: {html: /tmp/evil}", "not a layout name"),
    ("title: t\nlayouts: {pdf: ../newspaper}", "not a layout name"),
    ("title: t\nlanguage: chinese simplified", "not a language tag"),
    ("subtitle: s\ntitle: 5", "'title' must be text"),
])
def test_front_matter_mistakes(tmp_path: Path, front: str, cause: str) -> None:
    with pytest.raises(SourceError, match=cause) as error:
        reader.read(write_source(tmp_path, "正文。\n", front=front))
    assert error.value.line == 3


def test_symlinked_source_keeps_its_own_name(tmp_path: Path) -> None:
    real = write_source(tmp_path, "正文。\n")
    alias = tmp_path / "alias.md"
    alias.symlink_to(real)
    assert reader.read(alias).stem == "alias"


def test_gif_is_refused_by_name(tmp_path: Path) -> None:
    PILImage.new("RGB", (20, 20)).save(tmp_path / "pic.gif")
    with pytest.raises(SourceError, match="is GIF; use JPEG or PNG"):
        reader.read(write_source(tmp_path, "![说明](pic.gif)\n"))


def test_pasted_control_characters_are_dropped(tmp_path: Path) -> None:
    doc = reader.read(write_source(tmp_path, "正文\x0b含\x1b控制\x7f字符。\n"))
    assert doc.blocks[0].text == "正文含控制字符。"
