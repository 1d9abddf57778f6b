"""The verifier's second reading of the source (markdown-it-py) catches what the reader loses.

A reader bug leaves the model, and so every edition, without some text: the model's own
check cannot see it. The second reading never saw the model, so it must.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from publisher import build as builder
from publisher import markdown_body
from publisher.model import Aside
from publisher.verify import source, verify

from .conftest import ROOT, SEED

REAL_COPY = ROOT / "tests" / "sources" / "real-copy.md"


def test_the_second_reading_finds_the_text_of_every_construct() -> None:
    texts = " ".join(t.text for t in source.read(REAL_COPY))
    for words in ("Folded body text", "Raw heading", "indented <code> & more", "Inline note words, over",
                  "Admonition body words.", "$E=mc^2$", "https://example.org/video", "Linked figure caption"):
        assert words in texts, words
    assert "{: " not in texts and "alert(" not in texts


def test_the_second_reading_names_source_lines() -> None:
    lines = {t.text.split()[0]: t.line for t in source.read(SEED)}
    assert min(lines.values()) > 10  # after the front matter, counted in the file


def test_a_reader_that_drops_text_is_caught(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def details_without_body(self, element, depth):  # a reader bug: <details> keeps only its summary
        summary = element.find("summary")
        return [Aside("details", self.inlines(summary) if summary is not None else (), ())]
    monkeypatch.setattr(markdown_body._Builder, "block_details", details_without_body)
    written = builder.build(REAL_COPY, ["html", "docx"], tmp_path)
    results = verify(REAL_COPY, list(written.values()), tmp_path)
    for result in results:
        messages = [d.message() for d in result.differences]
        assert any("Folded body text" in m and "source line" in m for m in messages), messages


def test_a_renderer_that_drops_a_paragraph_is_named_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from publisher.renderers import htmlbody
    original = htmlbody.HtmlWriter.visit_paragraph

    def dropping(self, node):
        return "" if "Raw heading text follows" in node.text else original(self, node)
    monkeypatch.setattr(htmlbody.HtmlWriter, "visit_paragraph", dropping)
    written = builder.build(REAL_COPY, ["html"], tmp_path)
    messages = [d.message() for d in verify(REAL_COPY, [written["html"]], tmp_path)[0].differences]
    # the model's check names it, with its place; the second reading does not say it again
    assert messages == ['text "…Raw heading text follow…" → "…Raw heading…" in "Raw headin…", paragraph 1, source line 28'], messages


# ---- a deliberately broken reader or renderer is caught on real copy ------------------

CORPUS = ROOT.parent / "shared" / "corpus"


def _without_pictures(parse):  # a reader bug: raw HTML loses its <img> elements
    def parse_dropping(fragment: str):
        root, dropped = parse(fragment)
        for parent in list(root.iter()):
            for child in list(parent):
                if child.tag == "img":
                    parent.remove(child)
        return root, dropped
    return parse_dropping


def test_a_reader_that_drops_raw_pictures_is_caught(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from publisher import raw_html
    monkeypatch.setattr(raw_html, "parse", _without_pictures(raw_html.parse))
    written = builder.build(REAL_COPY, ["html", "docx"], tmp_path)
    for result in verify(REAL_COPY, list(written.values()), tmp_path):
        messages = [d.message() for d in result.differences]
        # the model never had them, so only the second reading can name them (map.jpg is shown
        # three times: the line named is one of the three)
        assert any(m.startswith("figure missing: picture map.jpg source line ") for m in messages), messages
        assert "figure missing: picture portrait.jpg source line 22" in messages, messages


def test_a_renderer_that_escapes_code_twice_is_caught_on_real_copy(tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    from html import escape

    from publisher.renderers import htmlbody
    if not (CORPUS / "es6-promise").is_dir():
        pytest.skip(f"no corpus at {CORPUS}")
    token = htmlbody.HtmlWriter.token
    monkeypatch.setattr(htmlbody.HtmlWriter, "token", staticmethod(lambda text, kind: token(escape(text, quote=False), kind)))
    source = tmp_path / "es6-promise.md"
    source.write_text((CORPUS / "es6-promise" / "es6-promise.md").read_text(encoding="utf-8"), encoding="utf-8")
    written = builder.build(source, ["html", "epub"], tmp_path)
    for result in verify(source, list(written.values()), tmp_path):
        assert any("&gt;" in d.message() or "&lt;" in d.message() or "&amp;" in d.message()
                   for d in result.differences), [d.message() for d in result.differences]


def test_a_renderer_that_drops_pictures_is_caught_on_the_seed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from publisher.renderers import htmlbody
    monkeypatch.setattr(htmlbody.HtmlWriter, "visit_figure", lambda self, node: "")
    written = builder.build(SEED, ["html"], tmp_path)
    messages = [d.message() for d in verify(SEED, [written["html"]], tmp_path)[0].differences]
    assert sum(m.startswith("figure missing: 图") for m in messages) == 4, messages


def test_attribute_lists_of_every_shape_are_markup_not_missing_text(tmp_path: Path) -> None:
    (tmp_path / "images").mkdir()
    (tmp_path / "images" / "ship.jpg").write_bytes((ROOT / "tests" / "sources" / "images" / "map.jpg").read_bytes())
    doc = tmp_path / "attrs.md"
    doc.write_text("---\ntitle: 港口\n---\n\n首段文字。\n\n"
                   "![首航集装箱船靠泊。](images/ship.jpg){#fig-ship width=60%}\n\n"
                   "![另一张。](images/ship.jpg){.center width=\"60%\" #fig-two}\n\n"
                   "## 小标题 {#sub .plain}\n\n"
                   "正文里写着 {不是属性} 这几个字。\n", encoding="utf-8")
    texts = " ".join(t.text for t in source.read(doc))
    assert "fig-ship" not in texts and "width" not in texts and "{不是属性}" in texts
    written = builder.build(doc, ["html", "docx"], tmp_path / "out")
    for result in verify(doc, list(written.values()), tmp_path / "out"):
        assert [d.message() for d in result.differences] == []
