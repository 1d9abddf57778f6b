"""Front matter as real documents carry it: ours, Jekyll's, Hugo's, Zola's, MultiMarkdown's, pandoc's, or none."""
from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image

from publisher import reader
from publisher.errors import SourceError, SourceErrors
from publisher.model import Heading, Link, Paragraph


def source(tmp_path: Path, text: str, name: str = "doc.md") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_no_front_matter_takes_the_title_from_the_first_heading_once(tmp_path: Path) -> None:
    doc = reader.read(source(tmp_path, "# 命令行的艺术\n\n正文第一段。\n\n## 前言\n\n说明。\n"))
    assert doc.meta.title == "命令行的艺术" and doc.meta.language == "zh-CN"
    assert [b.text for b in doc.blocks if isinstance(b, Heading)] == ["前言"]


def test_no_heading_at_all_takes_the_file_name_and_english_is_detected(tmp_path: Path) -> None:
    doc = reader.read(source(tmp_path, "Just a paragraph of English words.\n", name="field-notes.md"))
    assert doc.meta.title == "field-notes" and doc.meta.language == "en"


def test_a_file_that_is_only_front_matter_builds(tmp_path: Path) -> None:
    doc = reader.read(source(tmp_path, "---\ntitle: 只有标题\n---\n"))
    assert doc.meta.title == "只有标题" and doc.blocks == ()


def test_jekyll_fields_are_mapped_and_the_rest_named_in_one_warning(tmp_path: Path) -> None:
    doc = reader.read(source(tmp_path, "---\nlayout: post\ntitle:  被清退以后\ndate:   2018-02-18 15:24\n"
                                       "categories: Archive\ntags: [北京, 春节]\ndescription: 一场大火过后\n"
                                       "author: 记者 张三\npermalink: /x/\n---\n\n正文。\n"))
    assert doc.meta.date == "2018-02-18" and doc.meta.subject == "一场大火过后"
    assert doc.meta.byline == "记者 张三" and doc.meta.keywords == ("Archive", "北京", "春节")
    assert len(doc.notices) == 1
    assert "'layout'" in doc.notices[0].cause and "'permalink'" in doc.notices[0].cause
    assert doc.notices[0].line == 2


def test_toml_front_matter_with_author_lists(tmp_path: Path) -> None:
    doc = reader.read(source(tmp_path, '+++\ntitle = "Results"\nauthors = ["Ann Lee", "Bo Chen"]\n'
                                       'date = 2025-11-18T10:00:00Z\n[extra]\nteam = "x"\n+++\n\nEnglish body.\n'))
    assert doc.meta.title == "Results" and doc.meta.byline == "Ann Lee; Bo Chen"
    assert doc.meta.date == "2025-11-18" and doc.meta.language == "en"
    assert "'extra'" in doc.notices[0].cause


def test_multimarkdown_and_pandoc_title_blocks(tmp_path: Path) -> None:
    mmd = reader.read(source(tmp_path, "title: Footnotes Extension\n\nFootnotes\n=========\n\nText.\n"))
    assert mmd.meta.title == "Footnotes Extension"
    assert [b.text for b in mmd.blocks if isinstance(b, Heading)] == ["Footnotes"]
    pandoc = reader.read(source(tmp_path, "% Pandoc Test Suite\n% John MacFarlane; Anonymous\n% July 17, 2006\n\n"
                                          "Body text.\n", name="p.md"))
    assert pandoc.meta.title == "Pandoc Test Suite" and pandoc.meta.date == "2006-07-17"
    assert pandoc.meta.byline == "John MacFarlane; Anonymous"


def test_prose_that_starts_like_a_field_is_prose(tmp_path: Path) -> None:
    doc = reader.read(source(tmp_path, "Note: this is the first sentence.\n\nMore.\n"))
    assert doc.blocks[0].text.startswith("Note: this")


def test_yaml_closed_by_dots(tmp_path: Path) -> None:
    doc = reader.read(source(tmp_path, "---\ntitle: 点结尾\n...\n\n正文。\n"))
    assert doc.meta.title == "点结尾" and doc.blocks[0].text == "正文。"


def test_every_front_matter_problem_in_one_run(tmp_path: Path) -> None:
    with pytest.raises(SourceErrors) as raised:
        reader.read(source(tmp_path, "---\ntitel: 错\nbylin: 张三\nlanguage: chinese\n---\n\n正文。\n"))
    messages = [e.message() for e in raised.value.errors]
    assert len(messages) == 3
    assert "did you mean 'title'?" in messages[0] and ":2:" in messages[0]
    assert "did you mean 'byline'?" in messages[1] and ":3:" in messages[1]
    assert "not a language tag" in messages[2] and ":4:" in messages[2]


def test_every_missing_or_remote_picture_in_one_run(tmp_path: Path) -> None:
    with pytest.raises(SourceErrors) as raised:
        reader.read(source(tmp_path, "---\ntitle: 图\n---\n\n![一](https://example.org/a.png)\n\n"
                                     "![二](http://example.org/b.jpg)\n\n![三](nope.png)\n"))
    causes = [e.cause for e in raised.value.errors]
    assert len(causes) == 3 and "is a URL" in causes[0] and "is a URL" in causes[1] and "not found" in causes[2]
    assert [e.line for e in raised.value.errors] == [5, 7, 9]


def test_a_sentence_with_only_an_email_link_is_readable(tmp_path: Path) -> None:
    doc = reader.read(source(tmp_path, "Write to <nobody@nowhere.net> today.\n"))
    link = next(i for i in doc.blocks[0].inlines if isinstance(i, Link))
    assert link.href == "mailto:nobody@nowhere.net" and doc.blocks[0].text == "Write to nobody@nowhere.net today."


def test_anchors_of_other_tools_find_their_heading(tmp_path: Path) -> None:
    body = ("# T\n\nSee [ABI](#abi-layout-handling) and [gone](#nowhere).\n\n"
            "### ABI/Layout handling\n\nText.\n")
    doc = reader.read(source(tmp_path, body))
    links = [i for i in doc.blocks[0].inlines if isinstance(i, Link)]
    assert [link.href for link in links] == ["#abilayout-handling"]  # Zola's slug, GitHub's id
    assert any("'#nowhere'" in n.cause and n.line == 3 for n in doc.notices)


def test_uncaptioned_pictures_are_figures_without_numbers(tmp_path: Path) -> None:
    Image.new("RGB", (40, 30)).save(tmp_path / "a.png")
    doc = reader.read(source(tmp_path, "# T\n\n![](a.png)\n\n![Caption](a.png)\n"))
    assert [(f.number, f.caption_text) for f in doc.figures] == [(0, ""), (1, "Caption")]
    assert any("no alt text" in n.cause for n in doc.notices)


def test_english_punctuation_is_left_alone(tmp_path: Path) -> None:
    doc = reader.read(source(tmp_path, "---\ntitle: T\nlanguage: en\n---\n\nWait (really) a moment, please: yes!\n"))
    assert isinstance(doc.blocks[0], Paragraph) and doc.blocks[0].text == "Wait (really) a moment, please: yes!"


@pytest.mark.parametrize("byline, names", [
    ("文/图 黎禹君 江组轩", ["黎禹君", "江组轩"]), ("记者 张三、李四", ["张三", "李四"]),
    ("By Sam Taylor, Head of IT", ["Sam Taylor, Head of IT"]), ("Ann Lee; Bo Chen", ["Ann Lee", "Bo Chen"]),
    ("Ann Lee and Bo Chen", ["Ann Lee", "Bo Chen"])])
def test_role_words_are_not_names(byline: str, names: list[str]) -> None:
    from publisher import layout
    from publisher.people import authors
    roles = layout.load("base").labels("zh")["byline_roles"] + layout.load("base").labels("en")["byline_roles"]
    assert authors(byline, roles) == names


@pytest.mark.parametrize("authors, byline", [
    ("author:\n  - name: 陈晓明\n    affiliation: 江门日报\n  - name: 李华\n", "陈晓明、李华"),  # Quarto
    ("author:\n  name: Ann Lee\n  email: ann@example.org\n", "Ann Lee"),
    ("author:\n  - name:\n      given: Ann\n      family: Lee\n  - Bo Chen\n", "Ann Lee; Bo Chen"),  # CSL-style names
    ("authors:\n  - name: {literal: 新华社}\n", "新华社"),
])
def test_author_entries_written_as_tables_give_their_names(tmp_path: Path, authors: str, byline: str) -> None:
    doc = reader.read(source(tmp_path, f"---\ntitle: 港口\n{authors}---\n\n正文。\n"))
    assert doc.meta.byline == byline


def test_an_author_entry_without_a_name_is_named_with_its_line(tmp_path: Path) -> None:
    with pytest.raises(SourceErrors) as caught:
        reader.read(source(tmp_path, "---\ntitle: 港口\nauthor:\n  - affiliation: 江门日报\n---\n\n正文。\n"))
    assert [e.message() for e in caught.value.errors] == [
        f"{tmp_path / 'doc.md'}:3: an author is given without a name (write 'name: …' in each author's entry)"]


def test_an_impossible_date_is_one_error_among_the_others_with_its_line(tmp_path: Path) -> None:
    with pytest.raises(SourceErrors) as caught:
        reader.read(source(tmp_path, "---\ntitle: 港口\nbylin: 张三\ndate: 2025-13-40\n---\n\n正文。\n"))
    path = tmp_path / "doc.md"
    assert [e.message() for e in caught.value.errors] == [
        f"{path}:3: unknown front-matter field 'bylin' (did you mean 'byline'?)",
        f"{path}:4: date '2025-13-40': month must be in 1..12"]


def test_dates_with_times_and_zones_unquoted_give_their_day(tmp_path: Path) -> None:
    for written in ("2025-01-20T08:00:00+08:00", "2025-01-20 23:59:59", "2025-1-5"):
        doc = reader.read(source(tmp_path, f"---\ntitle: 港口\ndate: {written}\n---\n\n正文。\n"))
        assert doc.meta.date == dt_day(written), written


def dt_day(written: str) -> str:
    year, month, day = written[:10].split(" ")[0].split("T")[0].split("-")
    return f"{int(year):04}-{int(month):02}-{int(day):02}"


@pytest.mark.parametrize("written", ["2024-05-01 25:61", "2024-05-01 noon", "2024-05-01T8"])
def test_a_date_with_a_time_that_is_no_time_is_an_error(tmp_path: Path, written: str) -> None:
    with pytest.raises(SourceErrors) as caught:
        reader.read(source(tmp_path, f"---\ntitle: 港口\ndate: {written}\n---\n\n正文。\n"))
    assert "the time is not a time of day" in caught.value.errors[0].message()


@pytest.mark.parametrize("authors", ["author:\n  - name: {given: null, family: null}\n",
                                     "author:\n  - name: {given: [x]}\n"])
def test_an_author_table_without_a_written_name_is_an_error(tmp_path: Path, authors: str) -> None:
    with pytest.raises(SourceErrors) as caught:
        reader.read(source(tmp_path, f"---\ntitle: 港口\n{authors}---\n\n正文。\n"))
    assert "an author is given without a name" in caught.value.errors[0].message()


@pytest.mark.parametrize("front, hint", [
    ("title: 会议: 上午\n", "a value with ': ' in it goes in quotes"),
    ("title: x\n\tbyline: y\n", "indent with spaces, not tabs"),
])
def test_yaml_mistakes_editors_make_say_what_to_do(tmp_path: Path, front: str, hint: str) -> None:
    with pytest.raises(SourceError) as caught:
        reader.read(source(tmp_path, f"---\n{front}---\n\n正文。\n"))
    assert f"({hint}" in caught.value.message()
