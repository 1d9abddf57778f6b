"""Print PDF: resources come only from the source and layout folders; WeasyPrint errors fail the build;
a new layout needs no Python."""
from __future__ import annotations

import shutil
from pathlib import Path

import pypdf
import pytest

from publisher import layout as layouts
from publisher import reader
from publisher.errors import RenderError
from publisher.renderers import pdf

from .conftest import SEED, copy_source

ROOT = Path(__file__).resolve().parent.parent


def layout_root(tmp_path: Path, name: str, files: dict[str, str]) -> Path:
    """A layouts folder with base and newspaper copied, plus layout `name` made of `files`."""
    root = tmp_path / "layouts"
    for known in ("base", "newspaper"):
        shutil.copytree(ROOT / "layouts" / known, root / known)
    (root / name).mkdir(exist_ok=True)
    for filename, text in files.items():
        (root / name / filename).write_text(text, encoding="utf-8")
    return root


@pytest.mark.parametrize("url", ["file:///etc/passwd", "http://example.com/x.png",
                                 "https://example.com/font.woff", "data:text/plain,hello"])
def test_fetcher_refuses_anything_outside(url: str, tmp_path: Path) -> None:
    fetcher = pdf.SandboxFetcher([tmp_path], [])
    with pytest.raises(pdf.weasyprint.urls.FatalURLFetchingError):
        fetcher.fetch(url)


def test_fetcher_refuses_dot_dot_escape(tmp_path: Path) -> None:
    inside = tmp_path / "src"
    inside.mkdir()
    (tmp_path / "secret.txt").write_text("secret")
    fetcher = pdf.SandboxFetcher([inside], [])
    with pytest.raises(pdf.weasyprint.urls.FatalURLFetchingError):
        fetcher.fetch((inside / ".." / "secret.txt").as_uri())
    (inside / "ok.css").write_text("p {}")
    assert fetcher.fetch((inside / "ok.css").as_uri()).read() == b"p {}"


def test_attachment_of_etc_passwd_is_refused(tmp_path: Path) -> None:
    template = (ROOT / "layouts" / "base" / "print.html.j2").read_text(encoding="utf-8")
    hostile = template.replace("</head>", '<link rel="attachment" href="file:///etc/passwd" />\n</head>')
    root = layout_root(tmp_path, "hostile", {"layout.yaml": "extends: newspaper\npdf:\n  template: hostile.html.j2\n",
                                             "hostile.html.j2": hostile})
    doc = reader.read(SEED)
    with pytest.raises(RenderError, match="etc/passwd"):
        pdf.render(doc, layouts.load("hostile", root))


def test_image_that_fails_to_load_fails_the_build(tmp_path: Path) -> None:
    source = copy_source(SEED, tmp_path / "src")
    (source.parent / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 64)
    template = (ROOT / "layouts" / "base" / "print.html.j2").read_text(encoding="utf-8")
    broken = template.replace("<main", '<img src="broken.png" alt="x" />\n<main')
    root = layout_root(tmp_path, "broken", {"layout.yaml": "extends: newspaper\npdf:\n  template: broken.html.j2\n",
                                            "broken.html.j2": broken})
    with pytest.raises(RenderError, match="PDF rendering failed"):
        pdf.render(reader.read(source), layouts.load("broken", root))


def test_a_third_layout_needs_no_python(tmp_path: Path) -> None:
    root = layout_root(tmp_path, "tabloid", {
        "layout.yaml": "extends: newspaper\npdf:\n  stylesheets: [print.css, newspaper.css, tabloid.css]\n"
                       "  page:\n    size: A4 landscape\n  marks: crop\n  bleed: 3mm\n",
        "tabloid.css": ".body { columns: 3; } .headline { font-size: 24pt; }\n"})
    data = pdf.render(reader.read(SEED), layouts.load("tabloid", root))
    out = tmp_path / "tabloid.pdf"
    out.write_bytes(data)
    page = pypdf.PdfReader(out).pages[0]
    # A4 landscape trim (842 x 595 pt) plus 3 mm (8.5 pt) bleed on each side
    assert round(float(page.trimbox.width)) == 842 and round(float(page.trimbox.height)) == 595
    assert round(float(page.bleedbox.width) - float(page.trimbox.width)) == 17
