"""What a reader sees of the HTML and EPUB editions: text the styles hide, text a stylesheet
adds, the EPUB's structure (spine, nav, metadata), note links; and changes that must stay silent.

Each case edits a copy of the written seed edition; the verifier gets the untouched source.
"""
from __future__ import annotations

import re
import zipfile
from pathlib import Path
from typing import Callable
from urllib.parse import quote as url_quote

import pytest
from lxml import etree

from publisher.cli import main
from publisher.errors import PublisherError
from publisher.model import Document
from publisher.verify import check, epub, expect, html
from publisher.verify.difference import Difference
from publisher.verify.expected import Expected

SEED = Path(__file__).resolve().parent.parent / "sources" / "jiangmen-party-building.md"
CONTENT, NAV, PACKAGE, BOOK_CSS = "EPUB/content.xhtml", "EPUB/nav.xhtml", "EPUB/package.opf", "EPUB/styles/book.css"
#: the seed paragraph the hiding cases aim at, and where the report places it
SHORT = "纪律严明是我们党的光荣传统和独特优势。"
PARAGRAPH = f"<p>{SHORT}</p>"
MISSING = f'text missing: "{SHORT}" in "A 党的创新理论武装…", paragraph 6'
NUMBER = '<span class="num">98</span>'
CHANGED_NUMBER = 'number 98次 → 89次 in "A 党的创新理论武装…", paragraph 4'
HEADING_B = "B 锻造高素质干部人才队伍"

Change = Callable[[str], str]


@pytest.fixture(scope="module")
def expected(seed_doc: Document) -> Expected:
    return expect(seed_doc)


# ---- making tampered copies ------------------------------------------------------------

def _once(old: str, new: str, text: str) -> str:
    assert text.count(old) >= 1, f"nothing to change: {old}"
    return text.replace(old, new, 1)


def with_style(css: str) -> Change:
    """Adds a <style> element with `css` to the document's head."""
    return lambda text: _once("</head>", f"<style>{css}</style>\n</head>", text)


def both(*changes: Change) -> Change:
    def change(text: str) -> str:
        for one in changes:
            text = one(text)
        return text
    return change


def rezip(source: Path, dest: Path, changes: dict[str, Change] | None = None,
          renames: dict[str, str] | None = None, method: int | None = None, reverse: bool = False) -> Path:
    """A copy of an EPUB with members' text changed, members renamed, compressed otherwise or
    stored in another order (mimetype always first and stored)."""
    changes, renames = changes or {}, renames or {}
    with zipfile.ZipFile(source) as old:
        members = [(info, old.read(info)) for info in old.infolist()]
    assert set(changes) <= {info.filename for info, _ in members}
    head, rest = members[:1], members[1:]
    with zipfile.ZipFile(dest, "w") as new:
        for info, data in head + (rest[::-1] if reverse else rest):
            if info.filename in changes:
                data = changes[info.filename](data.decode("utf-8")).encode("utf-8")
            name = renames.get(info.filename, info.filename)
            if info.filename == "mimetype":
                new.writestr(info, data)
            else:
                new.writestr(name, data, compress_type=method if method is not None else info.compress_type,
                             compresslevel=1 if method == zipfile.ZIP_DEFLATED else None)
    return dest


def edition(fmt: str, seed_editions: dict[str, Path], tmp_path: Path, body: Change,
            members: dict[str, Change] | None = None) -> Path:
    """The seed's HTML (or EPUB: its content document) with `body` applied to the markup."""
    if fmt == "html":
        dest = tmp_path / "tampered.html"
        dest.write_text(body(seed_editions["html"].read_text(encoding="utf-8")), encoding="utf-8")
        return dest
    return rezip(seed_editions["epub"], tmp_path / "tampered.epub", {CONTENT: body, **(members or {})})


def differences(expected: Expected, path: Path) -> list[Difference]:
    return check(expected, path).differences


def assert_named(found: list[Difference], kind: str, change: str, *words: str) -> None:
    messages = [d.message() for d in found]
    assert any(d.kind == kind and d.change == change and all(w in d.message() for w in words)
               for d in found), messages


# ---- text the styles hide --------------------------------------------------------------

def _styled(attribute: str) -> Change:
    return lambda text: _once(PARAGRAPH, f"<p {attribute}>{SHORT}</p>", text)


#: case → (change to the markup, why the verifier says no reader sees the paragraph)
HIDDEN: dict[str, tuple[Change, str]] = {
    "style_rule": (both(_styled('class="gone"'), with_style(".gone { display: none }")), "display: none"),
    "visibility": (_styled('style="visibility:hidden"'), "visibility: hidden"),
    "hidden_attribute": (_styled('hidden="hidden"'), "display: none"),
    "font_size_0": (_styled('style="font-size:0"'), "font-size 0px"),
    "transparent": (_styled('style="color:transparent"'), "a transparent text colour"),
    "white_on_white": (_styled('style="color:#fff;background-color:#ffffff"'), "text coloured #ffffff on #ffffff"),
    "opacity_0": (_styled('style="opacity:0"'), "opacity 0"),
    "off_screen": (_styled('style="position:absolute;left:-9999px"'), "off the page (left: -9999px)"),
    "clip_path": (_styled('style="clip-path:inset(50%)"'), "clipped to nothing (clip-path: inset)"),
    "scale_0": (_styled('style="transform:scale(0)"'), "scaled to nothing (transform: scale)"),
    "text_indent": (_styled('style="text-indent:-9999px;overflow:hidden"'), "text-indent -9999px"),
    "visually_hidden": (both(_styled('class="sr-only"'), with_style(
        ".sr-only { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0) }")),
        "clipped to nothing (clip: rect)"),
    "important_wins": (both(_styled('class="gone" style="display:block"'),
                            with_style("p.gone { display: none !important }")), "display: none"),
    "inherited_from_parent": (lambda t: _once(PARAGRAPH, f'<div style="visibility:hidden">{PARAGRAPH}</div>', t),
                              "visibility: hidden"),
}


@pytest.mark.parametrize("case", list(HIDDEN))
@pytest.mark.parametrize("fmt", ["html", "epub"])
def test_text_no_reader_sees_is_missing_and_named(fmt: str, case: str, seed_editions: dict[str, Path],
                                                  expected: Expected, tmp_path: Path) -> None:
    change, why = HIDDEN[case]
    found = differences(expected, edition(fmt, seed_editions, tmp_path, change))
    assert_named(found, "text", "missing", MISSING)
    assert_named(found, "text", "hidden", SHORT[:12], f"is in the markup but no reader sees it ({why}")


def test_text_in_the_colour_of_the_page_is_hidden(seed_editions: dict[str, Path], expected: Expected,
                                                   tmp_path: Path) -> None:
    """The e-reader page declares its paper colour on <body>: text in that colour is not seen."""
    found = differences(expected, edition("html", seed_editions, tmp_path, _styled('style="color:#fffefa"')))
    assert_named(found, "text", "missing", MISSING)
    assert_named(found, "text", "hidden", "text coloured #fffefa on #fffefa")


@pytest.mark.parametrize("fmt", ["html", "epub"])
def test_a_hidden_original_beside_a_visible_fake_changes_the_number(fmt: str, seed_editions: dict[str, Path],
                                                                    expected: Expected, tmp_path: Path) -> None:
    fake = lambda t: _once(NUMBER, '<span class="num" style="display:none">98</span><span class="num">89</span>', t)
    found = differences(expected, edition(fmt, seed_editions, tmp_path, fake))
    assert_named(found, "numbers", "changed", CHANGED_NUMBER)
    assert_named(found, "text", "hidden", '"98"', "display: none")


# ---- text a stylesheet adds ------------------------------------------------------------

@pytest.mark.parametrize("fmt", ["html", "epub"])
def test_a_sentence_added_by_after_is_extra_text(fmt: str, seed_editions: dict[str, Path], expected: Expected,
                                                 tmp_path: Path) -> None:
    added = both(_styled('class="added"'), with_style('.added::after { content: "这句话只在样式表里。" }'))
    found = differences(expected, edition(fmt, seed_editions, tmp_path, added))
    assert_named(found, "text", "extra", "这句话只在样式表里")
    assert_named(found, "text", "generated", "这句话只在样式表里", "::after")


@pytest.mark.parametrize("fmt", ["html", "epub"])
def test_a_number_drawn_by_before_over_a_hidden_one_is_a_changed_number(
        fmt: str, seed_editions: dict[str, Path], expected: Expected, tmp_path: Path) -> None:
    drawn = both(lambda t: _once(NUMBER, '<span class="num shown" style="font-size:0">98</span>', t),
                 with_style('.shown::before { content: "89"; font-size: 16px }'))
    found = differences(expected, edition(fmt, seed_editions, tmp_path, drawn))
    assert_named(found, "numbers", "changed", CHANGED_NUMBER)
    assert_named(found, "text", "generated", '"89"', "::before")
    assert_named(found, "text", "hidden", '"98"', "font-size 0px")


@pytest.mark.parametrize("fmt", ["html", "epub"])
def test_a_first_letter_of_no_size_changes_the_number(fmt: str, seed_editions: dict[str, Path],
                                                      expected: Expected, tmp_path: Path) -> None:
    cut = both(lambda t: _once(NUMBER, '<span class="num cut">98</span>', t),
               with_style(".cut { display: inline-block } .cut::first-letter { font-size: 0 }"))
    found = differences(expected, edition(fmt, seed_editions, tmp_path, cut))
    assert_named(found, "numbers", "changed", "number 98次 → 8次")
    assert_named(found, "text", "hidden", '"9"', "(::first-letter)")


def test_a_hiding_rule_in_the_books_stylesheet_member_is_seen(seed_editions: dict[str, Path],
                                                              expected: Expected, tmp_path: Path) -> None:
    path = rezip(seed_editions["epub"], tmp_path / "styled.epub",
                 {BOOK_CSS: lambda css: css + "\np.lead { display: none }\n"})
    found = differences(expected, path)
    assert_named(found, "text", "missing", "从严从实开展党纪学习教育")
    assert_named(found, "text", "hidden", "从严从实", "display: none")


# ---- the EPUB's structure --------------------------------------------------------------

def test_an_ill_formed_content_document_is_named_and_still_read(seed_editions: dict[str, Path],
                                                               expected: Expected, tmp_path: Path) -> None:
    path = rezip(seed_editions["epub"], tmp_path / "ill.epub",
                 {CONTENT: lambda t: _once(PARAGRAPH, "<p>纪律严明<br>是我们党的光荣传统和独特优势。</p>", t)})
    found = differences(expected, path)
    assert_named(found, "structure", "xhtml", f"{CONTENT} is not well-formed XML (line", "mismatch")
    assert not [d for d in found if d.kind in ("headings", "figures")], [d.message() for d in found]


def test_a_content_document_left_out_of_reading_order_is_named(seed_editions: dict[str, Path],
                                                               expected: Expected, tmp_path: Path) -> None:
    path = rezip(seed_editions["epub"], tmp_path / "linear.epub",
                 {PACKAGE: lambda t: _once('<itemref idref="content"/>', '<itemref idref="content" linear="no"/>', t)})
    found = differences(expected, path)
    assert [d.message() for d in found] == [f'structure {CONTENT} is left out of reading order (linear="no")']


def _nav(change: Change) -> dict[str, Change]:
    return {NAV: change}


SUB_ENTRIES = ("——坚持“六重”导向，重用干事创业干部。", "——围绕“补齐短板”，培养本领过硬干部。")


def _swap_entries(text: str) -> str:
    first, second = (f">{entry}</a>" for entry in SUB_ENTRIES)
    return text.replace(first, "\0").replace(second, first).replace("\0", second)


#: nav change → (words the contents difference names)
NAV_CASES: dict[str, tuple[Change, str]] = {
    "renamed": (lambda t: _once(f">{HEADING_B}</a>", ">B 锻造高素质干部人员队伍</a>", t),
                'contents entry "B 锻造高素质干部人员队伍" is not a heading of the source here'),
    "dropped": (lambda t: re.sub(r'<li><a href="content.xhtml#围绕补齐短板[^"]*">[^<]*</a></li>\n', "", t, count=1),
                f'heading "{SUB_ENTRIES[1]}" is missing from the contents list'),
    "swapped": (_swap_entries, "is not a heading of the source here"),
}


@pytest.mark.parametrize("case", list(NAV_CASES))
def test_a_nav_entry_that_is_not_the_headings_is_named(case: str, seed_editions: dict[str, Path],
                                                       expected: Expected, tmp_path: Path) -> None:
    change, words = NAV_CASES[case]
    original = seed_editions["epub"]
    with zipfile.ZipFile(original) as book:
        assert change(book.read(NAV).decode("utf-8")) != book.read(NAV).decode("utf-8")
    found = differences(expected, rezip(original, tmp_path / "nav.epub", _nav(change)))
    assert found and {d.kind for d in found} == {"structure"}, [d.message() for d in found]
    assert_named(found, "structure", "contents", words)


@pytest.mark.parametrize("member, old, new, change, words", [
    (PACKAGE, "<dc:language>zh-CN</dc:language>", "<dc:language>en</dc:language>", "language", 'is "en"'),
    (PACKAGE, ">江组轩</dc:creator>", ">江某某</dc:creator>", "authors", '"江某某"'),
])
def test_changed_package_metadata_is_named(member: str, old: str, new: str, change: str, words: str,
                                           seed_editions: dict[str, Path], expected: Expected, tmp_path: Path) -> None:
    found = differences(expected, rezip(seed_editions["epub"], tmp_path / "meta.epub",
                                        {member: lambda t: _once(old, new, t)}))
    assert [(d.kind, d.change) for d in found] == [("structure", change)], [d.message() for d in found]
    assert words in found[0].message()


# ---- note links ------------------------------------------------------------------------

MARK = '<sup class="fnref"><a href="#fn-9" id="fnref-9" role="doc-noteref">9</a></sup>'
NOTES = '<section class="footnotes" role="doc-endnotes"><ol><li id="fn-7">一条没有标记的注释。</li></ol></section>'


@pytest.mark.parametrize("fmt", ["html", "epub"])
def test_a_note_mark_that_leads_nowhere_is_named(fmt: str, seed_editions: dict[str, Path], expected: Expected,
                                                 tmp_path: Path) -> None:
    marked = lambda t: _once(PARAGRAPH, f"<p>{SHORT}{MARK}</p>", t)
    found = differences(expected, edition(fmt, seed_editions, tmp_path, marked))
    assert [d.message() for d in found] == [
        'structure note mark "9" points to "#fn-9", which is no note of the edition in "A 党的创新理论武装…"']


@pytest.mark.parametrize("fmt", ["html", "epub"])
def test_a_note_no_mark_leads_to_is_named(fmt: str, seed_editions: dict[str, Path], expected: Expected,
                                          tmp_path: Path) -> None:
    found = differences(expected, edition(fmt, seed_editions, tmp_path,
                                          lambda t: _once("</article>", NOTES + "</article>", t)))
    assert_named(found, "structure", "notes", 'note "一条没有标记的注释。"', "is marked nowhere in the text")


# ---- the HTML page's own metadata and contents ----------------------------------------

@pytest.mark.parametrize("old, new, change, words", [
    ('<html lang="zh-CN">', '<html lang="en">', "language", 'is "en"'),
    ('<meta name="author" content="黎禹君、江组轩">', '<meta name="author" content="黎禹君、江某某">', "authors",
     '"江某某"'),
    (f">{HEADING_B}</a>", ">B 锻造高素质干部人员队伍</a>", "contents",
     'contents entry "B 锻造高素质干部人员队伍" is not a heading of the source here'),
])
def test_changed_page_metadata_and_contents_are_named(old: str, new: str, change: str, words: str,
                                                      seed_editions: dict[str, Path], expected: Expected,
                                                      tmp_path: Path) -> None:
    found = differences(expected, edition("html", seed_editions, tmp_path, lambda t: _once(old, new, t)))
    assert {(d.kind, d.change) for d in found} == {("structure", change)}, [d.message() for d in found]
    assert any(words in d.message() for d in found), [d.message() for d in found]


# ---- what must stay silent -------------------------------------------------------------

#: changes to the markup a reader cannot tell from the written edition
SILENT: dict[str, Change] = {
    "heading_colour": with_style("h2 { color: #9e1b1b } h3 { color: #1f3f8f }"),
    "empty_element_hidden": lambda t: _once(
        PARAGRAPH, f'{PARAGRAPH}<div style="display:none"></div><span hidden="hidden"> </span>', t),
    "empty_before": both(_styled('class="quiet"'),
                         with_style('.quiet::before { content: "" } .quiet::after { content: none }')),
    "comments": lambda t: _once(PARAGRAPH, "<p>纪律严明<!-- a comment -->是我们党的光荣传统<!---->和独特优势。</p>", t),
    "dark_mode_rule": with_style("@media (prefers-color-scheme: dark) { p { color: #ededed; background: #000 } }"),
    "print_only_rule": with_style("@media print { p { display: none } }"),
    "visible_again": lambda t: _once(
        PARAGRAPH, f'<div style="visibility:hidden"><p style="visibility:visible">{SHORT}</p></div>', t),
}


@pytest.mark.parametrize("case", list(SILENT))
@pytest.mark.parametrize("fmt", ["html", "epub"])
def test_a_change_no_reader_sees_is_silent(fmt: str, case: str, seed_editions: dict[str, Path],
                                           expected: Expected, tmp_path: Path) -> None:
    found = differences(expected, edition(fmt, seed_editions, tmp_path, SILENT[case]))
    assert found == [], [d.message() for d in found]


@pytest.mark.parametrize("method, reverse", [(zipfile.ZIP_STORED, False), (zipfile.ZIP_DEFLATED, True)])
def test_a_rezipped_epub_is_silent(method: int, reverse: bool, seed_editions: dict[str, Path],
                                   expected: Expected, tmp_path: Path) -> None:
    path = rezip(seed_editions["epub"], tmp_path / "rezipped.epub", method=method, reverse=reverse)
    with zipfile.ZipFile(path) as book:
        assert book.infolist()[0].filename == "mimetype" and book.infolist()[0].compress_type == zipfile.ZIP_STORED
    assert differences(expected, path) == []


def _reserialised(text: str) -> str:
    """The document through lxml: attributes in reverse order, empty elements self-closed,
    character references written as characters."""
    root = etree.fromstring(text.encode("utf-8"))
    for element in root.iter():
        attributes = list(element.attrib.items())
        element.attrib.clear()
        for name, value in reversed(attributes):
            element.set(name, value)
    return etree.tostring(root, encoding="unicode")


def test_xhtml_written_again_by_lxml_is_silent(seed_editions: dict[str, Path], expected: Expected,
                                               tmp_path: Path) -> None:
    path = rezip(seed_editions["epub"], tmp_path / "lxml.epub", {CONTENT: _reserialised, NAV: _reserialised})
    with zipfile.ZipFile(path) as book:
        assert 'class="num"' in book.read(CONTENT).decode("utf-8") and "/>" in book.read(CONTENT).decode("utf-8")
    assert differences(expected, path) == []


def test_a_cdata_section_reads_as_text(seed_editions: dict[str, Path], expected: Expected, tmp_path: Path) -> None:
    path = rezip(seed_editions["epub"], tmp_path / "cdata.epub",
                 {CONTENT: lambda t: _once(PARAGRAPH, f"<p><![CDATA[{SHORT}]]></p>", t)})
    assert differences(expected, path) == []


@pytest.mark.parametrize("name", ["图 1.jpg", "fig 1.jpg"])
def test_pictures_named_with_escapes_are_found(name: str, seed_editions: dict[str, Path], expected: Expected,
                                               tmp_path: Path) -> None:
    href = url_quote(name)
    path = rezip(seed_editions["epub"], tmp_path / "escaped.epub",
                 {CONTENT: lambda t: _once('src="images/fig-1.jpg"', f'src="images/{href}"', t),
                  PACKAGE: lambda t: _once('href="images/fig-1.jpg"', f'href="images/{href}"', t)},
                 renames={"EPUB/images/fig-1.jpg": f"EPUB/images/{name}"})
    assert differences(expected, path) == []


def test_a_page_picture_beside_it_with_an_escaped_name_is_found(seed_editions: dict[str, Path],
                                                               expected: Expected, tmp_path: Path) -> None:
    with zipfile.ZipFile(seed_editions["epub"]) as book:
        (tmp_path / "图 1.jpg").write_bytes(book.read("EPUB/images/fig-1.jpg"))
    page = seed_editions["html"].read_text(encoding="utf-8")
    page = re.sub(r'(<figure id="fig-1"[^>]*><img src=")[^"]+', lambda m: m.group(1) + url_quote("图 1.jpg"),
                  page, count=1)
    path = tmp_path / "beside.html"
    path.write_text(page, encoding="utf-8")
    assert differences(expected, path) == []


# ---- bounded work ----------------------------------------------------------------------

def test_a_zip_bomb_is_refused_before_it_is_unpacked(seed_editions: dict[str, Path], tmp_path: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "bomb.epub"
    with zipfile.ZipFile(seed_editions["epub"]) as old, zipfile.ZipFile(path, "w") as new:
        for info in old.infolist():
            new.writestr(info, old.read(info))
        new.writestr("EPUB/images/zeros.bin", bytes(65 << 20), compress_type=zipfile.ZIP_DEFLATED, compresslevel=1)
    assert main(["verify", str(SEED), str(path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "EPUB member EPUB/images/zeros.bin would unpack to 65 MiB" in err


def test_a_spine_document_missing_from_the_package_is_bad_input(seed_editions: dict[str, Path],
                                                                tmp_path: Path) -> None:
    path = rezip(seed_editions["epub"], tmp_path / "missing.epub", renames={CONTENT: "EPUB/elsewhere.xhtml"})
    with pytest.raises(PublisherError, match=f"EPUB lists {CONTENT}, which is not in the package"):
        epub.extract(path)


@pytest.mark.parametrize("fmt", ["html", "epub"])
def test_deeply_nested_markup_is_read_without_a_traceback(fmt: str, seed_editions: dict[str, Path],
                                                          tmp_path: Path) -> None:
    deep = "<div>" * 5000 + "深" + "</div>" * 5000
    path = edition(fmt, seed_editions, tmp_path, lambda t: _once(PARAGRAPH, PARAGRAPH + deep, t))
    facts = (html if fmt == "html" else epub).extract(path)
    assert any(SHORT in unit for unit in facts.paragraphs)
