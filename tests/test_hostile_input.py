"""Hostile input: every case a tester found ends in exit 0, or in exit 2 with one line; never exit 3.

Each test names the class of input it stands for (a JPEG python-docx cannot sniff, a
placeholder left in an attribute, a YAML escape, a zip that cannot hold a date …),
not only the one file that showed it.
"""
from __future__ import annotations

import io
import os
import re
import resource
import shutil
import subprocess
import sys
import urllib.error
import urllib.request
import zipfile
from pathlib import Path

import pytest
import yaml
from lxml import etree
from PIL import Image

from publisher import frontmatter, reader
from publisher.errors import SourceError, SourceErrors
from publisher.model import Figure
from publisher.preview import PreviewServer

from .conftest import ROOT, assert_one_line_error

SCREEN = ["--formats", "docx,html,epub"]
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
#: a zip member name we make ourselves: no '..', no leading '/', no backslash, nothing odd
SAFE_MEMBER = re.compile(r"(?!/)(?!.*(?:^|/)\.\.(?:/|$))[A-Za-z0-9_.\-\[\]/]+")
#: nine levels of nine: 9**9 strings from about 400 bytes ("billion laughs")
LAUGHS = "".join(f"{c}: &{c} [{', '.join(['*' + p] * 9) if p else ', '.join(['lol'] * 9)}]\n"
                 for p, c in zip(["", *"abcdefgh"], "abcdefghi"))


# ---- helpers --------------------------------------------------------------------------

def publisher(*args: str | Path, cwd: Path | None = None, env: dict[str, str] | None = None,
              memory: int | None = None) -> subprocess.CompletedProcess[str]:
    """Run the command line as an editor would (`memory`: an address-space limit in bytes)."""
    def limit() -> None:
        if memory:
            resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    return subprocess.run([sys.executable, "-m", "publisher", *map(str, args)], capture_output=True,
                          text=True, cwd=cwd, env=env, timeout=300, check=False, preexec_fn=limit)


def assert_built(result: subprocess.CompletedProcess[str]) -> None:
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr and "internal error" not in result.stderr


def write(folder: Path, text: str, name: str = "doc.md") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(text, encoding="utf-8")
    return folder / name


def blocks_image(size: tuple[int, int] = (160, 120), colours: tuple[tuple[int, int, int], ...] =
                 ((200, 40, 40), (40, 40, 200))) -> Image.Image:
    """A picture of flat coloured bands: it survives screen copies and tells pictures apart."""
    image = Image.new("RGB", size, colours[0])
    band = size[0] // len(colours)
    for index, colour in enumerate(colours[1:], start=1):
        image.paste(colour, (band * index, 0, size[0], size[1]))
    return image


def member_names(path: Path) -> list[str]:
    with zipfile.ZipFile(path) as archive:
        return archive.namelist()


def docx_pictures(path: Path, part: str = "word/document.xml") -> list[bytes]:
    """The bytes of each picture a DOCX part draws, in order."""
    with zipfile.ZipFile(path) as archive:
        root = etree.fromstring(archive.read(part))
        rels_name = part.replace("word/", "word/_rels/") + ".rels"
        rels = {r.get("Id"): r.get("Target") for r in etree.fromstring(archive.read(rels_name))}
        embeds = [b.get(f"{REL}embed") for b in root.iter("{*}blip")]
        return [archive.read("word/" + rels[rid]) for rid in embeds]


# ---- 1. exit-3 paths a tester found ----------------------------------------------------

def jpeg_without_app0(image: Image.Image) -> bytes:
    """A baseline JPEG whose first segment is its quantisation table (no JFIF, no Exif)."""
    out = io.BytesIO()
    image.save(out, "JPEG")
    data = out.getvalue()
    assert data[2:4] == b"\xff\xe0"
    return data[:2] + data[4 + int.from_bytes(data[4:6], "big"):]


@pytest.mark.parametrize("kind", ["cmyk-adobe-app14", "no-app-marker"])
def test_jpeg_python_docx_cannot_sniff_goes_into_the_docx(kind: str, tmp_path: Path) -> None:
    """python-docx knows a JPEG only by a JFIF or Exif header: a CMYK JPEG (Adobe APP14
    first) or one with no APP segment was an UnrecognizedImageError (exit 3)."""
    (tmp_path / "images").mkdir()
    picture = tmp_path / "images" / "photo.jpg"
    if kind == "cmyk-adobe-app14":
        blocks_image().convert("CMYK").save(picture, "JPEG")
        assert picture.read_bytes()[2:4] == b"\xff\xee"  # Pillow writes APP14 for CMYK
    else:
        picture.write_bytes(jpeg_without_app0(blocks_image()))
    source = write(tmp_path, "---\ntitle: 照片\n---\n\n正文。[^1]\n\n![说明](images/photo.jpg)\n\n"
                             "行内 ![图标](images/photo.jpg) 图。\n\n[^1]: 注释 ![注](images/photo.jpg)\n")
    assert_built(publisher("build", source, "--out", tmp_path / "out", "--formats", "docx,html,epub,pdf"))
    docx = tmp_path / "out" / "doc.docx"
    assert docx_pictures(docx) == [picture.read_bytes()] * 2  # unchanged, and in one part
    assert docx_pictures(docx, "word/footnotes.xml") == [picture.read_bytes()]
    assert [n for n in member_names(docx) if n.startswith("word/media/")] == ["word/media/image1.jpg"]


ATTRIBUTE_ENTITIES = [
    ('{: title="a &amp; b"}', "a & b"),
    ('{: title="caf&eacute; &lt;b&gt;"}', "café <b>"),
    ('{: title="&#169; &#x4E2D; &#7; &#0;"}', "© 中  \ufffd"),  # &#7; is no character; &#0; is U+FFFD
    ('{: title="x" alt="&eacute;&amp;"}', "x"),
]


@pytest.mark.parametrize("attributes, caption", ATTRIBUTE_ENTITIES)
def test_entity_in_an_attr_list_caption_is_its_character(attributes: str, caption: str, tmp_path: Path) -> None:
    """Python-Markdown stashes an entity in an attr_list value as \\x02wzxhzdk:N\\x03: it
    reached the DOCX as control characters (exit 3)."""
    blocks_image().save(tmp_path / "x.png")
    source = write(tmp_path, f"---\ntitle: T\n---\n\n![cap](x.png){attributes}\n")
    figure = reader.read(source).blocks[0]
    assert isinstance(figure, Figure)
    assert figure.caption_text == caption
    assert not re.search("[\x00-\x08\x0b\x0c\x0e-\x1f]", figure.caption_text + figure.alt)
    assert_built(publisher("build", source, "--out", tmp_path / "out", *SCREEN))


def test_entity_in_an_attr_list_id_is_its_character_and_links_find_it(tmp_path: Path) -> None:
    source = write(tmp_path, "---\ntitle: T\n---\n\n## Head {#a&amp;b}\n\nSee [it](#a&amp;b).\n")
    doc = reader.read(source)
    assert doc.headings[0].id == "a&b"
    assert_built(publisher("build", source, "--out", tmp_path / "out", *SCREEN))


@pytest.mark.parametrize("front, code", [
    ('title: "a\\x07b"', "U+0007"),
    ('title: "\\u0000"', "U+0000"),
    ('title: "a\\ud800"', "U+D800"),
    ('subtitle: "\\e[31mred"', "U+001B"),
    ('keywords: ["ok", "a\\x01"]', "U+0001"),
])
def test_control_character_from_a_yaml_escape_is_named(front: str, code: str, tmp_path: Path) -> None:
    """The reader strips control characters from the source text; a YAML escape writes them
    after that, and lxml refused them in the DOCX (exit 3)."""
    source = write(tmp_path, f"---\n{front}\n---\n\n正文。\n")
    assert_one_line_error(publisher("build", source, "--out", tmp_path / "out", *SCREEN),
                          "doc.md:2:", code, "no edition can carry")


def test_control_character_from_a_toml_escape_is_named(tmp_path: Path) -> None:
    source = write(tmp_path, '+++\ntitle = "a\\u0007b"\n+++\n\n正文。\n')
    assert_one_line_error(publisher("build", source, "--out", tmp_path / "out", *SCREEN), "doc.md:2:", "U+0007")


def test_date_after_2107_keeps_its_text_and_clamps_zip_times(tmp_path: Path) -> None:
    """Zip (DOCX, EPUB) keeps years 1980–2107: 2108 was struct.error (exit 3). The date stays
    in the editions; the entries carry the last day zip can hold; builds stay reproducible."""
    source = write(tmp_path, "---\ntitle: T\ndate: 2108-02-29\n---\n\n正文。\n")
    first, second = tmp_path / "one", tmp_path / "two"
    for out in (first, second):
        assert_built(publisher("build", source, "--out", out, *SCREEN))
    for fmt in ("docx", "epub"):
        assert (first / f"doc.{fmt}").read_bytes() == (second / f"doc.{fmt}").read_bytes()
        with zipfile.ZipFile(first / f"doc.{fmt}") as archive:
            assert {info.date_time for info in archive.infolist()} == {(2107, 12, 31, 0, 0, 0)}
    with zipfile.ZipFile(first / "doc.docx") as archive:
        assert b"2108-02-29" in archive.read("docProps/core.xml")
    with zipfile.ZipFile(first / "doc.epub") as archive:
        assert b"2108-02-29" in archive.read("EPUB/package.opf")
    assert "2108" in (first / "doc.html").read_text(encoding="utf-8")


def footnote_source(folder: Path) -> Path:
    blocks_image().save(folder / "x.png")
    return write(folder, "---\ntitle: T\n---\n\n正文。[^1] 又一句。[^2]\n\n"
                         "[^1]: 见 ![图](x.png) 一图。\n[^2]: [![链接图](x.png)](https://example.org)\n")


def test_footnote_holding_a_picture_draws_it_in_the_docx(tmp_path: Path) -> None:
    source = footnote_source(tmp_path)
    assert_built(publisher("build", source, "--out", tmp_path / "out", "--formats", "docx"))
    assert docx_pictures(tmp_path / "out" / "doc.docx", "word/footnotes.xml") == [(tmp_path / "x.png").read_bytes()] * 2


def test_footnote_picture_with_a_reference_document_that_has_footnotes(tmp_path: Path) -> None:
    """A reference document with a footnotes part of its own gave two zip members named
    word/footnotes.xml (and the pictures' relationships in the one Word does not read)."""
    source = footnote_source(tmp_path)
    assert_built(publisher("build", source, "--out", tmp_path / "ref", "--formats", "docx"))
    shutil.move(tmp_path / "ref" / "doc.docx", tmp_path / "reference.docx")
    assert_built(publisher("build", source, "--out", tmp_path / "out", "--formats", "docx",
                           "--reference-docx", tmp_path / "reference.docx"))
    names = member_names(tmp_path / "out" / "doc.docx")
    assert len(names) == len(set(names)), names
    assert docx_pictures(tmp_path / "out" / "doc.docx", "word/footnotes.xml") == [(tmp_path / "x.png").read_bytes()] * 2


def test_preflight_of_a_one_paragraph_story(tmp_path: Path) -> None:
    """Under three lines sharing a left edge: no column found, and _reading_order indexed
    an empty list (IndexError, exit 3)."""
    source = write(tmp_path, "---\ntitle: 一段\n---\n\n这是只有一段的稿子，内容很短，但是要比一行长一些，"
                             "这样才会排成两行左右的文字。再多写一点字，让它确实跨过一行。\n")
    assert_built(publisher("build", source, "--out", tmp_path / "out", "--formats", "pdf"))
    result = publisher("preflight", source, "--out", tmp_path / "out")
    assert result.returncode in (0, 1) and "Traceback" not in result.stderr, result.stderr
    assert "internal error" not in result.stderr


def test_verify_into_a_closed_pipe_ends_quietly(tmp_path: Path) -> None:
    """`publisher verify SOURCE --json | head -c 10`: the reader goes before the report is
    written; that was a BrokenPipeError (exit 3), and another at Python's exit."""
    source = write(tmp_path, "---\ntitle: T\n---\n\n正文有98次。\n")
    assert_built(publisher("build", source, "--out", tmp_path / "out", "--formats", "html"))
    process = subprocess.Popen([sys.executable, "-m", "publisher", "verify", str(source),
                                str(tmp_path / "out" / "doc.html"), "--json"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert process.stdout is not None and process.stderr is not None
    process.stdout.close()  # as head does once it has its 10 bytes
    errors = process.stderr.read()
    assert process.wait(timeout=300) == 141, errors  # 128 + SIGPIPE, as a C tool's
    assert errors == ""


def layout_copy(folder: Path, name: str, text: str) -> dict[str, str]:
    """A copy of the layouts with one more; the environment that makes the build use it."""
    shutil.copytree(ROOT / "layouts", folder / "layouts")
    (folder / "layouts" / name).mkdir()
    (folder / "layouts" / name / "layout.yaml").write_text(text, encoding="utf-8")
    return {**os.environ, "PUBLISHER_LAYOUTS": str(folder / "layouts")}


@pytest.mark.parametrize("setting, fmt, expected", [
    ("extends: newspaper\npdf:\n  variant: nonsense\n", "pdf", ("pdf.variant 'nonsense'", "pdf/ua-1")),
    ("extends: newspaper\npdf:\n  variant: [pdf/ua-1]\n", "pdf", ("pdf.variant", "is not a PDF variant")),
    ("extends: newspaper\npdf:\n  variant: 7\n", "pdf", ("pdf.variant 7",)),
    ("extends: ereader\nepub:\n  cover_figure: first\n", "epub", ("epub.cover_figure 'first' is not a whole number",)),
    ("extends: ereader\nhtml:\n  image_quality: high\n", "html", ("html.image_quality 'high'",)),
])
def test_a_layout_setting_of_the_wrong_kind_is_a_layout_error(setting: str, fmt: str, expected: tuple[str, ...],
                                                              tmp_path: Path) -> None:
    """pdf.variant: nonsense was a KeyError inside WeasyPrint; cover_figure: first a ValueError."""
    env = layout_copy(tmp_path, "odd", setting)
    source = write(tmp_path, "---\ntitle: T\n---\n\n正文。\n\n![图](x.png)\n")
    blocks_image().save(tmp_path / "x.png")
    assert_one_line_error(publisher("build", source, "--out", tmp_path / "out", "--layout", "odd",
                                    "--formats", fmt, env=env), "odd/layout.yaml", *expected)


@pytest.mark.parametrize("text", ["---\ntitle: 只有标题\n---\n", "---\ntitle: 只有标题\n---",
                                  "+++\ntitle = \"只有标题\"\n+++\n", "---\ntitle: 只有标题\n---\n\n\n<!-- c -->\n"])
def test_front_matter_only_builds_every_edition(text: str, tmp_path: Path) -> None:
    source = write(tmp_path, text)
    assert_built(publisher("build", source, "--out", tmp_path / "out"))
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["doc.docx", "doc.epub", "doc.html", "doc.pdf"]


def test_email_autolink_is_a_mailto_link_in_the_docx(tmp_path: Path) -> None:
    """Python-Markdown writes an e-mail autolink as entities (placeholders): the DOCX gets
    the address as text and a mailto: relationship."""
    source = write(tmp_path, "---\ntitle: 邮件\n---\n\n写信到 <desk@example.org>。\n\n[^1]\n\n"
                             "[^1]: 或 <a+b@example.org>\n")
    assert_built(publisher("build", source, "--out", tmp_path / "out", "--formats", "docx"))
    with zipfile.ZipFile(tmp_path / "out" / "doc.docx") as archive:
        body = archive.read("word/document.xml").decode()
        rels = archive.read("word/_rels/document.xml.rels").decode()
        note_rels = archive.read("word/_rels/footnotes.xml.rels").decode()
    assert "desk@example.org</w:t>" in body and 'Target="mailto:desk@example.org"' in rels
    assert 'Target="mailto:a+b@example.org"' in note_rels
    assert "&amp;#" not in body and "\x02" not in body


def test_preview_answers_a_bad_since_with_400(tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    """/wait?since=abc was a ValueError in the handler thread: a traceback in the log."""
    source = write(tmp_path, "---\ntitle: T\n---\n\n正文。\n")
    server = PreviewServer(source, port=0)
    url = server.start()
    try:
        for since in ("abc", "1e9", "%EF%BC%99", "9" * 5000):  # %EF%BC%99: a full-width 9
            with pytest.raises(urllib.error.HTTPError) as answer:
                urllib.request.urlopen(f"{url}wait?since={since}", timeout=30)
            assert answer.value.code == 400
        with urllib.request.urlopen(url + "status", timeout=30) as response:
            assert response.status == 200
    finally:
        server.stop()
    assert "Traceback" not in capfd.readouterr().err


@pytest.mark.parametrize("front, expected", [
    ("title: A\ntitle: B", ("doc.md:3:", "key 'title' is given twice")),
    ("title: A\nlayouts: {pdf: newspaper, pdf: report}", ("doc.md:3:", "key 'pdf' is given twice")),
    ("title: A\nTitle: B", ("doc.md:3:", "field 'title' is given twice")),
    ('title: "  "', ("doc.md:2:", "'title' is blank")),
    ("title: ''", ("doc.md:2:", "'title' is blank")),
])
def test_duplicate_keys_and_a_blank_title_are_errors(front: str, expected: tuple[str, ...], tmp_path: Path) -> None:
    source = write(tmp_path, f"---\n{front}\n---\n\n正文。\n")
    assert_one_line_error(publisher("build", source, "--out", tmp_path / "out", *SCREEN), *expected)


@pytest.mark.parametrize("front", [
    'title: T\nlanguage: "zh\\nCN"',
    'title: T\n"bylin\\ne": x',
    'title: T\nlayouts: {"pd\\nf": report}',
    'title: T\ndate: "2020-13-01\\nlater"',
    'title: T\n"subtitl\\u2028e": x',
])
def test_a_value_holding_a_newline_gives_one_line_of_error(front: str, tmp_path: Path) -> None:
    source = write(tmp_path, f"---\n{front}\n---\n\n正文。\n")
    assert_one_line_error(publisher("build", source, "--out", tmp_path / "out", *SCREEN), "doc.md:")


def test_several_errors_give_one_line_each() -> None:
    errors = SourceErrors([SourceError("bad\nvalue", "doc.md", 2), SourceError("other\r\x85one", "doc.md", 3)])
    assert str(errors).splitlines() == ["doc.md:2: bad\\nvalue", "doc.md:3: other\\r\\x85one"]


# ---- 2. YAML alias bombs ----------------------------------------------------------------

def test_alias_bomb_in_front_matter_is_refused_early(tmp_path: Path) -> None:
    """A 400-byte "billion laughs" front matter took 2.9 GB before a MemoryError (exit 3)."""
    source = write(tmp_path, f"---\ntitle: T\n{LAUGHS}keywords: *i\n---\n\n正文。\n")
    assert len(source.read_bytes()) < 600
    result = publisher("build", source, "--out", tmp_path / "out", "--formats", "html", memory=2 * 2**30)
    assert_one_line_error(result, "doc.md:", "aliases (*name) expand the values past")


def test_alias_bomb_in_layout_yaml_is_refused_early(tmp_path: Path) -> None:
    env = layout_copy(tmp_path, "bomb", f"extends: ereader\n{LAUGHS}labels: {{en: *i}}\n")
    source = write(tmp_path, "---\ntitle: T\nlanguage: en\n---\n\nText.\n")
    result = publisher("build", source, "--out", tmp_path / "out", "--layout", "bomb", "--formats", "html",
                       env=env, memory=2 * 2**30)
    assert_one_line_error(result, "bomb/layout.yaml:", "aliases (*name) expand the values past")


@pytest.mark.parametrize("text, problem", [
    (LAUGHS, "expand the values past"),
    ("a: &a [*a]\n", "holds itself"),
    ("a: &a {b: *a}\n", "holds itself"),
    ("a: " + "[" * 60 + "]" * 60 + "\n", "nested deeper than 40"),
    ("a: " + "[" * 3000 + "]" * 3000 + "\n", "nesting depth"),
])
def test_load_yaml_refuses_before_building_values(text: str, problem: str) -> None:
    with pytest.raises(yaml.YAMLError) as refused:
        frontmatter.load_yaml(text)
    assert problem in str(getattr(refused.value, "problem", refused.value))


def test_load_yaml_keeps_ordinary_aliases_and_merge_keys() -> None:
    data = frontmatter.load_yaml("base: &b {x: 1}\nother:\n  <<: *b\n  y: 2\nlist: [*b, *b]\n")
    assert data["other"] == {"x": 1, "y": 2} and data["list"] == [{"x": 1}, {"x": 1}]


# ---- 3. zip member names come from us, never from the source ---------------------------

#: (file name, figure attributes): odd names, names that differ by a space, one name in two
#: folders, and figure ids that are paths
PICTURES = [
    ("a b.jpg", "{: #../../evil}"), ("a_b.jpg", "{: #/abs}"), ("x/p.jpg", "{: #a\\b}"), ("y/p.jpg", ""),
    ("ü.jpg", "{: #fig-1}"), ("a#b.jpg", ""), ("a%b.jpg", ""), ("..jpg", ""), ("UP.JPEG", ""),
    ("noext", ""), ("b\\c.jpg", ""), ("q'.png", ""),
]


def odd_names_source(folder: Path) -> tuple[Path, list[Path]]:
    """A source with one figure per PICTURES entry, each picture a distinct size and colour."""
    files, lines = [], ["---", "title: Names", "---", "", "Text.", ""]
    for index, (name, attributes) in enumerate(PICTURES):
        path = folder / "images" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        colour = (20 * index % 256, 255 - 20 * index, (90 * index) % 256)
        blocks_image((100 + 10 * index, 80), (colour, (250, 250, 250))).save(
            path, "PNG" if name.endswith(".png") else "JPEG")
        files.append(path)
        link = "images/" + name.replace("%", "%25").replace("#", "%23").replace(" ", "%20")
        lines += [f"![pic {index}](<{link.replace(chr(92), chr(92) * 2)}>){attributes}", ""]
    return write(folder, "\n".join(lines)), files


def test_member_names_are_generated_safe_and_unique(tmp_path: Path) -> None:
    source, files = odd_names_source(tmp_path)
    figures = reader.read(source).figures
    assert [f.src for f in figures] == [p.resolve() for p in files]
    assert_built(publisher("build", source, "--out", tmp_path / "out"))
    for fmt in ("docx", "epub"):
        names = member_names(tmp_path / "out" / f"doc.{fmt}")
        assert len(names) == len(set(names)), names
        assert all(SAFE_MEMBER.fullmatch(name) for name in names), names


def test_each_figure_shows_its_own_picture_in_every_edition(tmp_path: Path) -> None:
    source, files = odd_names_source(tmp_path)
    assert_built(publisher("build", source, "--out", tmp_path / "out"))
    sizes = [Image.open(path).size for path in files]
    assert docx_pictures(tmp_path / "out" / "doc.docx") == [path.read_bytes() for path in files]
    assert epub_picture_sizes(tmp_path / "out" / "doc.epub") == sizes
    assert pdf_picture_sizes(tmp_path / "out" / "doc.pdf") == sizes


def epub_picture_sizes(path: Path) -> list[tuple[int, int]]:
    """The pixel size of the picture each <img> of the EPUB's content document shows."""
    with zipfile.ZipFile(path) as archive:
        content = etree.fromstring(archive.read("EPUB/content.xhtml"))
        sources = [img.get("src") for img in content.iter("{*}img")]
        return [Image.open(io.BytesIO(archive.read(f"EPUB/{src}"))).size for src in sources]


def pdf_picture_sizes(path: Path) -> list[tuple[int, int]]:
    """The pixel size of each image the PDF draws, in drawing order (pdfimages -list)."""
    listing = subprocess.run(["pdfimages", "-list", str(path)], capture_output=True, text=True, check=True)
    rows = [line.split() for line in listing.stdout.splitlines()[2:]]
    return [(int(row[3]), int(row[4])) for row in rows if row[2] == "image"]


# ---- 4. an edition is never written over an input ------------------------------------

def test_a_source_named_like_its_edition_is_not_overwritten(tmp_path: Path) -> None:
    source = write(tmp_path, "---\ntitle: T\n---\n\n正文。\n", name="doc.html")
    before = source.read_bytes()
    for args in (["--out", "."], ["--out", ".", "--formats", "html"], ["--out", tmp_path / "." / "sub" / ".."]):
        assert_one_line_error(publisher("build", "doc.html", *args, cwd=tmp_path),
                              "doc.html:", "the html edition", "would overwrite the source itself")
        assert source.read_bytes() == before
        assert sorted(p.name for p in tmp_path.iterdir()) == ["doc.html"]  # nothing else written either


def test_an_image_named_like_an_edition_is_not_overwritten(tmp_path: Path) -> None:
    (tmp_path / "images").mkdir()
    picture = tmp_path / "images" / "doc.docx"  # a JPEG under an edition's name
    blocks_image().save(picture, "JPEG")
    before = picture.read_bytes()
    source = write(tmp_path, "---\ntitle: T\n---\n\n正文。\n\n![图](images/doc.docx)\n")
    assert_one_line_error(publisher("build", source, "--out", tmp_path / "images", *SCREEN),
                          "the docx edition", "would overwrite its image 'doc.docx'")
    assert picture.read_bytes() == before
    assert sorted(p.name for p in (tmp_path / "images").iterdir()) == ["doc.docx"]


def test_the_reference_document_is_not_overwritten(tmp_path: Path) -> None:
    source = write(tmp_path, "---\ntitle: T\n---\n\n正文。\n")
    assert_built(publisher("build", source, "--out", tmp_path, "--formats", "docx"))
    before = (tmp_path / "doc.docx").read_bytes()
    assert_one_line_error(publisher("build", source, "--out", tmp_path, "--formats", "docx",
                                    "--reference-docx", tmp_path / "doc.docx"), "would overwrite the reference document")
    assert (tmp_path / "doc.docx").read_bytes() == before


def test_an_image_name_too_long_for_the_file_system_is_one_line(tmp_path: Path) -> None:
    source = write(tmp_path, "---\ntitle: T\n---\n\n正文。\n\n<img src=\"" + "a" * 300 + ".png\">\n")
    assert_one_line_error(publisher("build", source, "--out", tmp_path / "out", "--formats", "html"),
                          "cannot be opened")


# ---- sources that are not files, full disks and leftovers -----------------------------

@pytest.mark.parametrize("kind", ["fifo", "device", "folder"])
def test_a_source_that_is_not_a_file_is_refused_at_once(tmp_path: Path, kind: str) -> None:
    if kind == "fifo":
        source = tmp_path / "pipe.md"
        os.mkfifo(source)  # nothing ever writes to it: reading it would wait for ever
    else:
        source = Path("/dev/zero") if kind == "device" else tmp_path  # /dev/zero never ends
    result = subprocess.run([sys.executable, "-m", "publisher", "build", str(source), "--out", str(tmp_path / "out")],
                            capture_output=True, text=True, timeout=60)
    assert_one_line_error(result, f"{source}: source is not a file (a folder, a pipe or a device)")
    assert not (tmp_path / "out").exists()


def test_a_build_leaves_nothing_in_tmpdir(tmp_path: Path) -> None:
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    seed = tmp_path / "src" / "seed.md"
    shutil.copytree(ROOT / "sources", tmp_path / "src")
    (tmp_path / "src" / "jiangmen-party-building.md").rename(seed)
    assert_built(publisher("build", seed, "--out", tmp_path / "out", "--verify",
                           env={**os.environ, "TMPDIR": str(scratch)}))
    assert list(scratch.iterdir()) == []  # WeasyPrint's font folder included


def test_a_file_size_limit_is_one_line_and_leaves_earlier_editions(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "jiangmen-party-building.html").write_bytes(b"the earlier edition")
    command = [sys.executable, "-m", "publisher", "build", str(ROOT / "sources" / "jiangmen-party-building.md"),
               "--formats", "html,docx", "--out", str(out)]

    def small_files() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (100_000, 100_000))
    result = subprocess.run(command, capture_output=True, text=True, timeout=300, preexec_fn=small_files)
    assert_one_line_error(result, "cannot write output: File too large", "raise the file-size limit")
    assert sorted(p.name for p in out.iterdir()) == ["jiangmen-party-building.html"]
    assert (out / "jiangmen-party-building.html").read_bytes() == b"the earlier edition"


@pytest.mark.parametrize("form", ["<https://example.org/{}>", "正文 https://example.org/{} 结束。", "`{}`"])
def test_a_run_of_text_no_line_can_hold_is_refused_for_print_alone(tmp_path: Path, form: str) -> None:
    source = tmp_path / "long.md"
    source.write_text("---\ntitle: 长串\n---\n\n第一段。\n\n" + form.format("a" * 1_000_000) + "\n", encoding="utf-8")
    result = publisher("build", "long.md", "--out", "out", cwd=tmp_path)
    assert_one_line_error(result, "long.md:7: a run of 1,000,0", "characters without a space",
                          "the limit is 10,000 (the other editions are built")
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["long.docx", "long.epub", "long.html"]


def test_a_long_run_under_the_limit_prints(tmp_path: Path) -> None:
    source = tmp_path / "long.md"
    source.write_text("---\ntitle: 长串\n---\n\n正文 https://example.org/" + "a" * 3_000 + " 结束。\n", encoding="utf-8")
    assert_built(publisher("build", source, "--formats", "pdf", "--out", tmp_path / "out"))


@pytest.mark.parametrize("what", ["headings", "pictures"])
def test_more_headings_or_pictures_than_print_sets_is_refused_for_print_alone(tmp_path: Path, what: str) -> None:
    (tmp_path / "images").mkdir()
    shutil.copy(ROOT / "tests" / "sources" / "images" / "square.png", tmp_path / "images" / "s.png")
    unit = "## 标题{n}\n\n正文。\n\n" if what == "headings" else "图标 ![标](images/s.png) {n}\n\n"
    (tmp_path / "book.md").write_text("---\ntitle: 书\n---\n\n" + "".join(unit.format(n=n) for n in range(5_001)),
                                      encoding="utf-8")
    result = publisher("build", "book.md", "--out", "out", cwd=tmp_path)
    assert_one_line_error(result, f"book.md: the print edition would set 5,001 {what}; the limit is 5,000")
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["book.docx", "book.epub", "book.html"]


def test_a_body_that_is_only_an_unclosed_script_tag_builds_empty(tmp_path: Path) -> None:
    (tmp_path / "doc.md").write_text("---\ntitle: 攻击\n---\n\n<SCRIPT>\n", encoding="utf-8")  # found by the fuzzer
    result = publisher("build", "doc.md", *SCREEN, "--out", "out", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "doc.md:5: raw HTML: <SCRIPT> is never closed" in result.stderr


# ---- the picture checked is the picture printed -----------------------------------------

@pytest.mark.parametrize("fmt", ["pdf", "docx", "html", "epub"])
def test_a_picture_swapped_after_it_was_checked_never_reaches_an_edition(tmp_path: Path, fmt: str,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    from publisher import build as builder
    from publisher.errors import PublisherError
    shutil.copytree(ROOT / "sources", tmp_path / "src")
    source = tmp_path / "src" / "jiangmen-party-building.md"
    secret = tmp_path / "secret.jpg"  # outside the source folder
    shutil.copy(ROOT / "tests" / "sources" / "images" / "map.jpg", secret)
    photo = tmp_path / "src" / "images" / "photo-1.jpg"
    read = builder.read

    def read_then_swap(path: Path):  # the reader checks the photo; then it becomes a link to the secret
        doc = read(path)
        photo.unlink()
        photo.symlink_to(secret)
        return doc
    monkeypatch.setattr(builder, "read", read_then_swap)
    with pytest.raises(PublisherError) as raised:
        builder.build(source, [fmt], tmp_path / "out")
    assert "photo-1.jpg" in raised.value.message() and ("replaced by a link" in raised.value.message()
                                                        or "changed while" in raised.value.message())
    assert not (tmp_path / "out").exists() or not list((tmp_path / "out").iterdir())


@pytest.mark.parametrize("fmt", ["docx", "html"])
def test_a_picture_rewritten_after_it_was_checked_is_named(tmp_path: Path, fmt: str,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    from publisher import build as builder
    from publisher.errors import PublisherError
    shutil.copytree(ROOT / "sources", tmp_path / "src")
    source = tmp_path / "src" / "jiangmen-party-building.md"
    photo = tmp_path / "src" / "images" / "photo-2.jpg"
    read = builder.read

    def read_then_rewrite(path: Path):
        doc = read(path)
        photo.write_bytes((ROOT / "tests" / "sources" / "images" / "map.jpg").read_bytes())
        return doc
    monkeypatch.setattr(builder, "read", read_then_rewrite)
    with pytest.raises(PublisherError, match="image 'photo-2.jpg' changed while the editions were being made"):
        builder.build(source, [fmt], tmp_path / "out")


def test_a_2_gb_sparse_picture_is_refused_at_once(tmp_path: Path) -> None:
    (tmp_path / "images").mkdir()
    with open(tmp_path / "images" / "big.jpg", "wb") as handle:  # 2 GB on paper, nothing on disk
        handle.truncate(2 * 1024**3)
    (tmp_path / "doc.md").write_text("---\ntitle: 大图\n---\n\n![大图。](images/big.jpg)\n", encoding="utf-8")
    result = publisher("build", "doc.md", "--out", "out", cwd=tmp_path, memory=1024**3)
    assert_one_line_error(result, "doc.md:5: image 'big.jpg' is 2048 MB; the limit is 200 MB")


def test_an_unusable_tmpdir_does_not_stop_a_build(tmp_path: Path) -> None:
    not_a_folder = tmp_path / "tmp"
    not_a_folder.write_text("a file where TMPDIR should be")
    shutil.copytree(ROOT / "sources", tmp_path / "src")
    assert_built(publisher("build", tmp_path / "src" / "jiangmen-party-building.md", "--out", tmp_path / "out",
                           env={**os.environ, "TMPDIR": str(not_a_folder)}))
