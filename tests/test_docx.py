"""The Word edition, read back with python-docx, LibreOffice and an OOXML schema check."""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import docx
import pytest
from docx.oxml.ns import qn
from docx.shared import Emu

from publisher import build as builder
from publisher import layout as layouts
from publisher.facts import normalise_text
from publisher.model import Document
from publisher.renderers import docx as docx_renderer
from publisher.typography import heading_numbers

from .conftest import SEED

LAYOUT = layouts.load("department")
CONFIG = LAYOUT.get("docx")


@pytest.fixture(scope="module")
def seed_docx(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The seed's DOCX, built once through the same path as the CLI."""
    return builder.build(SEED, ["docx"], tmp_path_factory.mktemp("docx"))["docx"]


@pytest.fixture(scope="module")
def word(seed_docx: Path) -> docx.document.Document:
    return docx.Document(str(seed_docx))


def part_xml(path: Path, name: str) -> str:
    with zipfile.ZipFile(path) as package:
        return package.read(name).decode("utf-8")


def styled(word: docx.document.Document, style: str) -> list[str]:
    """The text of each paragraph in `style`, a line break read as nothing (Chinese sets no space)."""
    return [p.text.replace("\n", "") for p in word.paragraphs if p.style.name == style]


def test_headings_use_real_styles(word: docx.document.Document, seed_doc: Document) -> None:
    assert styled(word, "Title") == [seed_doc.meta.title]
    assert styled(word, "Subtitle") == [seed_doc.meta.subtitle]
    # two centred lines broken after the comma, not inside 现代化
    assert [p.text for p in word.paragraphs if p.style.name == "Subtitle"][0].split("\n")[0].endswith("，")
    # numbered as GB/T 9704 orders it (一、 （一）) in place of the source's "A " and "——"
    numbers = {2: ["一、", "二、", "三、", "四、"], 3: ["（一）", "（二）", "（三）"]}
    for level, style in ((2, "Heading 1"), (3, "Heading 2")):
        wanted = [h.text.split(" ", 1)[-1].removeprefix("——") for h in seed_doc.headings if h.level == level]
        assert styled(word, style) == [n + t for n, t in zip(numbers[level], wanted)]


def test_heading_styles_carry_outline_levels(word: docx.document.Document) -> None:
    for style, level in (("Heading 1", "0"), ("Heading 2", "1"), ("Heading 3", "2")):
        outline = word.styles[style].element.find(qn("w:pPr")).find(qn("w:outlineLvl"))
        assert outline is not None and outline.get(qn("w:val")) == level


@pytest.mark.parametrize("style", ["Normal", "Title", "Subtitle", "Heading 1", "Heading 2",
                                   "Caption", "Lead", "Byline"])
def test_styles_name_their_east_asian_font(word: docx.document.Document, style: str) -> None:
    fonts = word.styles[style].element.find(qn("w:rPr")).find(qn("w:rFonts"))
    assert fonts.get(qn("w:eastAsia")) == CONFIG["styles"][style]["east_asia"]


def test_department_fonts_follow_gbt_9704(word: docx.document.Document) -> None:
    def east_asia(style: str) -> str:
        return word.styles[style].element.find(qn("w:rPr")).find(qn("w:rFonts")).get(qn("w:eastAsia"))

    assert (east_asia("Normal"), east_asia("Heading 1"), east_asia("Heading 2"), east_asia("Heading 3"),
            east_asia("Heading 4")) == ("FangSong", "SimHei", "KaiTi", "FangSong", "FangSong")
    # 2号小标宋, its own weight (not SimSun made bold)
    assert east_asia("Title") == "FZXiaoBiaoSong-B05S"
    assert word.styles["Title"].font.size.pt == 22 and word.styles["Title"].font.bold is False
    assert word.styles["Normal"].font.size.pt == 16
    # 22 lines on the 225 mm text block: the grid's pitch, 579 twips
    assert word.styles["Normal"].paragraph_format.line_spacing.twips == 579
    for level in (1, 2, 3, 4):  # every level indented two characters, like the text, no space around it
        ppr = word.styles[f"Heading {level}"].element.find(qn("w:pPr"))
        assert ppr.find(qn("w:ind")).get(qn("w:firstLineChars")) == "200"
        assert ppr.find(qn("w:spacing")).get(qn("w:before")) == ppr.find(qn("w:spacing")).get(qn("w:after")) == "0"


def test_first_line_indent_is_in_characters(seed_docx: Path) -> None:
    styles = part_xml(seed_docx, "word/styles.xml")
    normal = re.search(r'<w:style [^>]*w:styleId="Normal".*?</w:style>', styles, re.S).group()
    assert 'w:firstLineChars="200"' in normal


def test_no_theme_fonts_anywhere(seed_docx: Path) -> None:
    for name in ("word/styles.xml", "word/document.xml", "word/numbering.xml"):
        assert not re.search(r"w:(ascii|hAnsi|eastAsia|cs)theme=", part_xml(seed_docx, name), re.I), name


def test_east_asian_language_is_chinese(seed_docx: Path) -> None:
    styles, settings = part_xml(seed_docx, "word/styles.xml"), part_xml(seed_docx, "word/settings.xml")
    defaults = styles[styles.index("<w:docDefaults>"):styles.index("</w:docDefaults>")]
    assert re.search(r'<w:lang [^>]*w:eastAsia="zh-CN"', defaults)
    assert re.search(r'<w:themeFontLang [^>]*w:eastAsia="zh-CN"', settings)
    assert "ja-JP" not in styles + settings


def test_page_is_a4_with_department_margins(word: docx.document.Document) -> None:
    section = word.sections[0]
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)
    margins = [round(m.mm) for m in (section.top_margin, section.bottom_margin,
                                     section.left_margin, section.right_margin)]
    assert margins == [37, 35, 28, 26]


def test_footer_has_page_field_between_dashes(word: docx.document.Document) -> None:
    footer = word.sections[0].footer._element.xml
    assert re.search(r"<w:instrText[^>]*> PAGE </w:instrText>", footer)
    assert word.sections[0].footer.paragraphs[0].text == "— 1 —"


def test_every_figure_is_a_picture_at_most_text_width(word: docx.document.Document, seed_doc: Document) -> None:
    """At the text width, or smaller where the rest of a page holds no more (docx_pages), never
    below 60 %; the proportions kept."""
    section = word.sections[0]
    width = section.page_width - section.left_margin - section.right_margin
    assert len(word.inline_shapes) == len(seed_doc.figures) == 4
    for shape, figure in zip(word.inline_shapes, seed_doc.figures):
        assert 0.6 * width <= shape.width < width + Emu(12700)
        assert abs(shape.height / shape.width - figure.height / figure.width) < 0.01
    assert any(abs(shape.width - width) < Emu(12700) for shape in word.inline_shapes)


def test_captions_match_other_editions_with_seq_fields(word: docx.document.Document,
                                                       seed_doc: Document) -> None:
    captions = [p for p in word.paragraphs if p.style.name == "Caption"]
    assert [c.text.replace("\n", "") for c in captions] == [f"图{f.number} {f.caption_text}" for f in seed_doc.figures]
    # a caption on two lines breaks at a mark: none leaves one character alone on its last line
    assert all(len(line) > 1 for c in captions for line in c.text.split("\n"))
    for caption, figure in zip(captions, seed_doc.figures):
        xml = caption._p.xml
        assert re.search(r"<w:instrText[^>]*> SEQ 图 \\\* ARABIC </w:instrText>", xml)
        assert f"<w:t>{figure.number}</w:t>" in xml


def test_picture_is_kept_with_its_caption(word: docx.document.Document) -> None:
    body = list(word.paragraphs)
    for index, para in enumerate(body):
        if para._p.xpath(".//w:drawing"):
            assert para.style.paragraph_format.keep_with_next
            assert body[index + 1].style.name == "Caption"


def test_lead_paragraphs_have_their_own_style(word: docx.document.Document, seed_doc: Document) -> None:
    leads = [p.text for p in seed_doc.blocks if getattr(p, "role", "") == "lead"]
    assert styled(word, "Lead") == leads


def test_core_properties_come_from_front_matter(word: docx.document.Document, seed_doc: Document) -> None:
    props, meta = word.core_properties, seed_doc.meta
    assert (props.title, props.subject) == (meta.title, meta.subject)
    assert meta.byline == "文/图 黎禹君 江组轩" and props.author == "黎禹君、江组轩"  # names, not the role word
    assert props.keywords == ", ".join(meta.keywords)
    assert props.language == "zh-CN"
    assert props.created.date().isoformat() == props.modified.date().isoformat() == meta.date
    assert props.comments == "" and props.last_modified_by == ""


def test_nothing_says_python_docx(seed_docx: Path) -> None:
    with zipfile.ZipFile(seed_docx) as package:
        assert "docProps/thumbnail.jpeg" not in package.namelist()
        for name in package.namelist():
            assert b"python-docx" not in package.read(name), name


def test_rebuild_is_byte_identical(seed_docx: Path, seed_doc: Document, tmp_path: Path) -> None:
    again = builder.build(SEED, ["docx"], tmp_path)["docx"]
    assert again.read_bytes() == seed_docx.read_bytes()
    with zipfile.ZipFile(again) as package:
        assert package.namelist()[0] == "[Content_Types].xml"
        assert {info.date_time for info in package.infolist()} == {(2025, 1, 20, 0, 0, 0)}


def test_other_layouts_render_from_base(seed_doc: Document) -> None:
    """Any layout can be asked for DOCX; base supplies the structure and plain styles."""
    word = docx.Document(__import__("io").BytesIO(docx_renderer.render(seed_doc, layouts.load("base"))))
    assert round(word.sections[0].left_margin.mm) == 25
    assert styled(word, "Heading 1") == [h.text for h in seed_doc.headings if h.level == 2]


SOFFICE = shutil.which("soffice")


@pytest.mark.slow
@pytest.mark.skipif(SOFFICE is None, reason="LibreOffice (libreoffice-writer-nogui) not installed")
def test_libreoffice_converts_and_shows_every_heading_and_caption(seed_docx: Path, seed_doc: Document,
                                                                  tmp_path: Path) -> None:
    result = subprocess.run([SOFFICE, "--headless", "--norestore",
                             f"-env:UserInstallation=file://{tmp_path}/lo-{os.getpid()}",
                             "--convert-to", "pdf", "--outdir", str(tmp_path), str(seed_docx)],
                            capture_output=True, text=True, timeout=180)
    pdf = tmp_path / (seed_docx.stem + ".pdf")
    assert result.returncode == 0 and pdf.is_file(), result.stderr
    text = normalise_text(subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True,
                                         text=True, check=True).stdout)
    numbers = heading_numbers([(h.level, h.text) for h in seed_doc.headings])  # 一、 stands for the source's "A "
    expected = [seed_doc.meta.title] + [h.text[len(n):] for h, n in zip(seed_doc.headings, numbers)]
    expected += [f"图{f.number}{f.caption_text}" for f in seed_doc.figures]
    assert [t for t in expected if normalise_text(t) not in text] == []
    assert "—1—" in text


AUDIT = shutil.which("openxml-audit") or shutil.which("openxml-audit", path=str(Path(os.sys.executable).parent))


@pytest.mark.slow
@pytest.mark.skipif(AUDIT is None, reason="openxml-audit not installed (pip install -e .[test])")
def test_schema_check_finds_nothing(seed_docx: Path) -> None:
    result = subprocess.run([AUDIT, "-o", "json", str(seed_docx)], capture_output=True, text=True, timeout=120)
    report = json.loads(result.stdout)[0]
    assert report["valid"], report["errors"]
    assert (report["error_count"], report["warning_count"]) == (0, 0), report["errors"]
