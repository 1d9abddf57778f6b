"""--reference-docx: a department's own Word template restyles the output, as in pandoc."""
from __future__ import annotations

from pathlib import Path

import docx
import pytest
from docx.enum.section import WD_ORIENT
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor

from publisher import cli
from publisher.model import Document

from .conftest import SEED

RED = RGBColor(0xC0, 0x00, 0x00)


def make_reference(path: Path) -> Path:
    """A second department template: red 18 pt Microsoft YaHei headings, B5 page, no Caption style."""
    template = docx.Document()
    heading = template.styles["Heading 1"]
    heading.font.size, heading.font.color.rgb, heading.font.bold = Pt(18), RED, True
    fonts = heading.element.get_or_add_rPr().get_or_add_rFonts()
    for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        fonts.attrib.pop(qn(attr), None)
    fonts.set(qn("w:eastAsia"), "Microsoft YaHei")
    template.styles["Caption"].delete()
    section = template.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Mm(176), Mm(250)
    section.left_margin = section.right_margin = Mm(20)
    template.add_paragraph("这段模板正文不应出现在输出里。")
    template.core_properties.comments = "部门模板"
    template.save(str(path))
    return path


@pytest.fixture(scope="module")
def restyled(tmp_path_factory: pytest.TempPathFactory) -> docx.document.Document:
    folder = tmp_path_factory.mktemp("docx-reference")
    reference = make_reference(folder / "docx-reference.docx")
    code = cli.main(["build", str(SEED), "--formats", "docx", "--out", str(folder),
                     "--reference-docx", str(reference)])
    assert code == 0
    return docx.Document(str(folder / f"{SEED.stem}.docx"))


def test_reference_styles_replace_the_layout(restyled: docx.document.Document, seed_doc: Document) -> None:
    heading = restyled.styles["Heading 1"]
    assert heading.font.color.rgb == RED and heading.font.size == Pt(18)
    fonts = heading.element.find(qn("w:rPr")).find(qn("w:rFonts"))
    assert fonts.get(qn("w:eastAsia")) == "Microsoft YaHei"
    assert [p.text for p in restyled.paragraphs if p.style.name == "Heading 1"] == \
        [h.text for h in seed_doc.headings if h.level == 2]


def test_reference_page_setup_is_kept(restyled: docx.document.Document) -> None:
    section = restyled.sections[0]
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (176, 250)
    assert round(section.left_margin.mm) == 20
    width = section.page_width - section.left_margin - section.right_margin
    assert all(abs(shape.width - width) < Pt(1) for shape in restyled.inline_shapes)


def test_styles_the_reference_lacks_come_from_the_layout(restyled: docx.document.Document,
                                                         seed_doc: Document) -> None:
    captions = [p.text for p in restyled.paragraphs if p.style.name == "Caption"]
    assert captions == [f"图{f.number} {f.caption_text}" for f in seed_doc.figures]
    lead = restyled.styles["Lead"].element.find(qn("w:rPr")).find(qn("w:rFonts"))
    assert lead.get(qn("w:eastAsia")) == "KaiTi"


def test_reference_content_and_properties_are_dropped(restyled: docx.document.Document,
                                                      seed_doc: Document) -> None:
    assert all("模板正文" not in p.text for p in restyled.paragraphs)
    assert restyled.core_properties.comments == ""
    assert restyled.core_properties.title == seed_doc.meta.title


def test_bad_reference_is_one_clear_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    fake = tmp_path / "not-word.docx"
    fake.write_text("plain text")
    code = cli.main(["build", str(SEED), "--formats", "docx", "--out", str(tmp_path),
                     "--reference-docx", str(fake)])
    assert code == 2
    assert "not a Word .docx file" in capsys.readouterr().err
