"""The e-reader HTML as written: self-contained, semantic, within budget, valid, reproducible."""
from __future__ import annotations

import base64
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

import pytest

from .conftest import ROOT, copy_source
from publisher import build as builder
from publisher import images
from publisher import layout as layouts
from publisher.errors import LayoutError
from publisher.model import Document
from publisher.renderers import html as html_renderer

VNU = ROOT / ".tools" / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
#: the seed must stay light enough to open offline on a phone
BUDGET = 1_500_000
#: elements that fetch, run or submit something
FORBIDDEN = {"script", "link", "iframe", "frame", "object", "embed", "base", "form", "audio",
             "video", "source", "track", "applet", "noscript"}


@dataclass
class Element:
    tag: str
    attrs: dict[str, str]
    #: tags of the open ancestors, outermost first
    ancestors: tuple[str, ...]
    text: str = ""


@dataclass
class Page(HTMLParser):
    """Every element of a page with its attributes, ancestors and text content."""
    elements: list[Element] = field(default_factory=list)
    style: str = ""

    def __post_init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.open: list[Element] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        element = Element(tag, {k: v or "" for k, v in attrs}, tuple(e.tag for e in self.open))
        self.elements.append(element)
        if tag not in {"meta", "img", "br", "hr", "link", "input", "wbr"}:
            self.open.append(element)

    def handle_endtag(self, tag: str) -> None:
        if tag in {e.tag for e in self.open}:
            while self.open.pop().tag != tag:
                pass

    def handle_data(self, data: str) -> None:
        for element in self.open:
            element.text += data
        if self.open and self.open[-1].tag == "style":
            self.style += data

    def find(self, tag: str, **attrs: str) -> list[Element]:
        return [e for e in self.elements if e.tag == tag
                and all(e.attrs.get(k.rstrip("_").replace("_", "-")) == v for k, v in attrs.items())]


def parse(path: Path) -> Page:
    page = Page()
    page.feed(path.read_text(encoding="utf-8"))
    return page


@pytest.fixture(scope="module")
def html_file(tmp_path_factory: pytest.TempPathFactory, seed_source: Path) -> Path:
    return builder.build(seed_source, ["html"], tmp_path_factory.mktemp("html"))["html"]


@pytest.fixture(scope="module")
def page(html_file: Path) -> Page:
    return parse(html_file)


def test_loads_nothing_from_outside(page: Page) -> None:
    assert [e.tag for e in page.elements if e.tag in FORBIDDEN] == []
    assert not any(k.startswith("on") for e in page.elements for k in e.attrs), "event handler attribute"
    for element in page.elements:
        for name in ("src", "srcset", "poster", "data", "background"):
            if name in element.attrs:
                assert element.attrs[name].startswith(("data:image/jpeg;base64,", "data:image/png;base64,"))
    ids = {e.attrs["id"] for e in page.elements if "id" in e.attrs}
    for link in page.find("a"):
        assert link.attrs["href"].startswith("#") and link.attrs["href"][1:] in ids, link.attrs["href"]
    assert "@import" not in page.style
    assert re.findall(r"url\(\s*['\"]?(?!data:)", page.style) == []


def test_content_security_policy_forbids_loading(page: Page) -> None:
    [csp] = page.find("meta", http_equiv="Content-Security-Policy")
    rules = dict(rule.strip().split(" ", 1) for rule in csp.attrs["content"].split(";"))
    assert rules["default-src"] == "'none'"
    assert rules["img-src"] == "data:"
    assert rules["style-src"] == "'unsafe-inline'"
    assert "script-src" not in rules


def test_seed_fits_the_size_budget(html_file: Path) -> None:
    size = html_file.stat().st_size
    assert size <= BUDGET, f"{size:,} bytes is over the {BUDGET:,} byte budget"


def test_document_head(html_file: Path, page: Page, seed_doc: Document) -> None:
    assert html_file.read_text(encoding="utf-8").startswith("<!doctype html>\n")
    assert page.find("html")[0].attrs["lang"] == "zh-CN"
    assert page.find("meta", charset="utf-8")
    assert "width=device-width" in page.find("meta", name="viewport")[0].attrs["content"]
    assert page.find("title")[0].text == seed_doc.meta.title


def test_masthead_carries_the_front_matter(page: Page, seed_doc: Document) -> None:
    meta = seed_doc.meta
    [header] = page.find("header")
    assert header.ancestors[-2:] == ("main", "article")
    assert " ".join(header.text.split()) == " ".join(
        [meta.kicker, meta.title, meta.subtitle, meta.byline, meta.publication, "2025年1月20日"])
    [h1] = page.find("h1")
    assert h1.text == meta.title and "header" in h1.ancestors
    assert page.find("time", datetime=meta.date)


def test_headings_in_document_order(page: Page, seed_doc: Document) -> None:
    # the contents list's own heading ("目录", inside <nav>) is the edition's, not the source's
    found = [(int(e.tag[1]), e.text) for e in page.elements if re.fullmatch(r"h[1-6]", e.tag) and "nav" not in e.ancestors]
    assert found == [(1, seed_doc.meta.title)] + [(h.level, h.text) for h in seed_doc.headings]
    levels = [level for level, _ in found]
    assert all(b <= a + 1 for a, b in zip(levels, levels[1:])), "a heading level is skipped"


def test_every_section_is_a_section_element(page: Page, seed_doc: Document) -> None:
    sections = [e.attrs.get("aria-labelledby") for e in page.find("section")]
    assert sections == [h.id for h in seed_doc.headings if h.level == 2]
    for heading in seed_doc.headings:
        [element] = page.find(f"h{heading.level}", id=heading.id)
        assert "section" in element.ancestors and "article" in element.ancestors


def test_contents_link_every_section(page: Page, seed_doc: Document) -> None:
    [nav] = [n for n in page.find("nav") if "toc" in (n.attrs.get("class") or "").split()]
    # every section and sub-head (toc_depth 3, as the EPUB's), in order
    links = [e for e in page.elements if e.tag == "a" and "nav" in e.ancestors and "ol" in e.ancestors]
    assert [(a.attrs["href"], a.text) for a in links] == [("#" + h.id, h.text) for h in seed_doc.headings]
    assert nav.attrs.get("aria-labelledby") or nav.attrs.get("aria-label")


def test_figures_embed_screen_copies(page: Page, seed_doc: Document, tmp_path: Path) -> None:
    figures = page.find("figure")
    assert len(figures) == len(seed_doc.figures)
    pictures = [e for e in page.elements if e.tag == "img"]
    for figure, img, source in zip(figures, pictures, seed_doc.figures):
        assert figure.attrs["id"] == source.id and "figure" in img.ancestors
        # the description only repeats the caption: passed over, the caption names the figure once
        assert img.attrs["alt"] == ("" if source.alt == source.caption_text else source.alt)
        assert " ".join(figure.text.split()) == f"图{source.number} {source.caption_text}"
        copy = tmp_path / f"{source.id}.jpg"
        copy.write_bytes(base64.b64decode(img.attrs["src"].split(",", 1)[1]))
        width, height = images.inspect(copy.read_bytes(), copy.name)
        assert max(width, height) <= 1600
        assert width / height == pytest.approx(source.width / source.height, abs=0.01)
    assert len(page.find("figcaption")) == len(figures)


def test_styles_are_inlined_unescaped(page: Page) -> None:
    assert 'font-family: "Noto Sans CJK SC"' in page.style
    assert "&#34;" not in page.style and "&quot;" not in page.style
    assert "prefers-color-scheme: dark" in page.style


def test_rebuild_is_byte_identical_anywhere(html_file: Path, seed_source: Path, tmp_path: Path) -> None:
    moved = copy_source(seed_source, tmp_path / "another checkout")
    again = builder.build(moved, ["html"], tmp_path / "out")["html"]
    assert again.read_bytes() == html_file.read_bytes()


def test_a_stylesheet_cannot_close_its_style_element(seed_doc: Document, tmp_path: Path) -> None:
    root = tmp_path / "layouts"
    for name in ("base", "ereader"):
        shutil.copytree(ROOT / "layouts" / name, root / name)
    with open(root / "ereader" / "screen.css", "a", encoding="utf-8") as css:
        css.write("</style><script>alert(1)</script>\n")
    with pytest.raises(LayoutError, match="</style"):
        html_renderer.render(seed_doc, layouts.load("ereader", root))


def vnu_errors(path: Path) -> str:
    if not VNU.is_file() or shutil.which("java") is None:
        pytest.skip(f"Nu Html Checker not installed ({VNU}); run tools/setup.sh test")
    done = subprocess.run(["java", "-jar", str(VNU), "--errors-only", str(path)],
                          capture_output=True, text=True, timeout=300)
    return done.stderr + done.stdout


@pytest.mark.slow
def test_nu_html_checker_finds_no_errors(html_file: Path) -> None:
    assert vnu_errors(html_file) == ""


#: raw HTML of every kind the sanitiser keeps (badly nested, entities, <br>, an open tag)
RAW_SOURCE = (Path(__file__).parent / "data" / "raw-html.md").read_text(encoding="utf-8")


@pytest.mark.slow
def test_raw_html_tables_and_footnotes_stay_valid(tmp_path: Path) -> None:
    source = tmp_path / "raw.md"
    source.write_text(RAW_SOURCE, encoding="utf-8")
    written = builder.build(source, ["html"], tmp_path / "out")["html"]
    assert vnu_errors(written) == ""
    raw = parse(written)
    assert [e.tag for e in raw.elements if e.tag in FORBIDDEN] == []
    assert raw.find("table") and raw.find("section", class_="footnotes")


def repeated_photos(tmp_path: Path, copies: int = 20) -> Path:
    """A yearbook page: one photo and one badge shown `copies` times, another photo once."""
    source = copy_source(ROOT / "tests" / "sources" / "short-note.md", tmp_path / "src")
    parts = ["---\ntitle: 年鉴\ndate: 2025-01-20\n---\n"]
    for n in range(1, copies + 1):
        parts.append(f"第{n}位同学 ![徽章](images/square.png) 的照片。\n\n![第{n}位同学。](images/portrait.jpg)\n")
    parts.append("![地图。](images/map.jpg)\n")
    source.write_text("\n".join(parts), encoding="utf-8")
    return source


def test_a_photo_shown_many_times_is_embedded_once(tmp_path: Path) -> None:
    source = repeated_photos(tmp_path)
    written = builder.build(source, ["html"], tmp_path / "out")["html"]
    text = written.read_text(encoding="utf-8")
    payloads = re.findall(r"data:image/[a-z]+;base64,([A-Za-z0-9+/=]+)", text)
    assert len(payloads) == len(set(payloads)) == 3  # portrait, badge, map: each once
    page = parse(written)
    uses = [e for e in page.elements if e.tag == "use"]
    assert len(uses) == 40 and len([e for e in page.elements if e.tag == "img"]) == 1
    figures = [e for e in page.elements if e.tag == "svg" and "picture" in (e.attrs.get("class") or "").split()]
    # a badge says what it is; a photo whose description is its caption is announced once, by the caption
    assert (figures[0].attrs.get("role"), figures[0].attrs.get("aria-label")) == ("img", "徽章")
    assert figures[1].attrs.get("aria-hidden") == "true" and figures[1].attrs.get("aria-label") is None
    # twenty copies cost little more than one: the photos' bytes are there once, the rest is markup
    assert written.stat().st_size < len("".join(payloads)) + 100_000
    from publisher.verify import verify
    assert [d.message() for d in verify(source, [written], tmp_path / "out")[0].differences] == []


def test_a_repeated_photo_swapped_in_the_store_is_named_at_each_use(tmp_path: Path) -> None:
    source = repeated_photos(tmp_path, copies=3)
    written = builder.build(source, ["html"], tmp_path / "out")["html"]
    text = written.read_text(encoding="utf-8")
    store = re.search(r'<image id="picture-2" href="(data:[^"]+)"', text)
    other = re.search(r'<img src="(data:[^"]+)"', text)  # the map, shown once
    assert store and other
    written.write_text(text.replace(store.group(1), other.group(1)), encoding="utf-8")
    from publisher.verify import verify
    messages = [d.message() for d in verify(source, [written], tmp_path / "out")[0].differences]
    assert messages == [f"figure 图{n} shows map.jpg, not portrait.jpg" for n in (1, 2, 3)]


def test_a_use_that_points_at_nothing_is_a_missing_picture_not_a_crash(tmp_path: Path) -> None:
    source = repeated_photos(tmp_path, copies=2)
    written = builder.build(source, ["html"], tmp_path / "out")["html"]
    text = written.read_text(encoding="utf-8")
    written.write_text(text.replace('<use href="#picture-1" />', '<use href="#nothing" />'), encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "publisher", "verify", str(source), str(written)],
                          capture_output=True, text=True)
    assert done.returncode == 1, done.stderr
    assert "internal error" not in done.stderr and "figure" in done.stdout
