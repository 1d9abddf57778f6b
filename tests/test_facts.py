"""Facts of the model: headings, figures, numbers and paragraph text."""
from __future__ import annotations

from publisher.facts import document_facts, find_numbers, normalise_text
from publisher.typography import join_lines, normalise_punctuation


def test_numbers_with_units_qualifiers_and_compounds() -> None:
    text = "学习98次，培训22.2万多人次，教材3.6万多本，增长5.6%，“1+6+N”体系，省委“1310”部署，1,200名"
    assert find_numbers(text) == ["98次", "22.2万多人次", "3.6万多本", "5.6%", "1+6+N", "1310", "1,200名"]


def test_numbers_survive_full_width_and_ellipsis() -> None:
    assert find_numbers("教材３.６万多本……2024年，增长５.６％") == ["3.6万多本", "2024年", "5.6%"]


def test_no_numbers_in_plain_chinese() -> None:
    assert find_numbers("党的二十届三中全会精神") == []


def test_punctuation_normalisation() -> None:
    assert normalise_punctuation("江门,坚持(街)党政;好:是!吗?") == "江门，坚持（街）党政；好：是！吗？"
    assert normalise_punctuation("1,200 and a, b (c) 3:2") == "1,200 and a, b (c) 3:2"
    assert normalise_punctuation("安排,坚持") == "安排，坚持"


def test_join_lines() -> None:
    assert join_lines("中文\n续行") == "中文续行"
    assert join_lines("English\nwords") == "English words"


def test_seed_facts(seed_doc) -> None:
    facts = document_facts(seed_doc)
    assert facts.headings[0].level == 1 and facts.headings[0].text == seed_doc.meta.title
    assert len(facts.headings) == 1 + 4 + 3
    assert [f.number for f in facts.figures] == [1, 2, 3, 4]
    values = [n.value for n in facts.numbers]
    for wanted in ("98次", "22.2万多人次", "3.6万多本", "5.6%", "1+6+N", "1310", "590多项"):
        assert wanted in values
    assert values.index("98次") < values.index("22.2万多人次") < values.index("5.6%")
    first = next(n for n in facts.numbers if n.value == "98次")
    assert first.section == "A 党的创新理论武装持续加强" and first.paragraph == 4
    assert len(facts.paragraphs) == 50
    assert any(normalise_text(p).startswith("刚刚过去的一年,江门") for p in facts.paragraphs)
