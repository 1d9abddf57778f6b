"""Link syntax is read in linear time, exactly as Python-Markdown reads it (bounded time for hostile input)."""
from __future__ import annotations

from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from publisher import markdown_body, reader

MARKDOWN = markdown_body.markdown.Markdown()
MARKDOWN.convert("a paragraph")  # the inline processor's stash exists once it has run
PROCESSOR = markdown_body.inlinepatterns.LinkInlineProcessor(markdown_body.inlinepatterns.LINK_RE, MARKDOWN)

LINKY = st.text(alphabet="[]()<>'\" ab\\\n", max_size=60)


def _original_get_text(data: str, index: int) -> tuple[str, int, bool]:
    """Python-Markdown 3's LinkInlineProcessor.getText, as it is written there."""
    count, text = 1, []
    for pos in range(index, len(data)):
        char = data[pos]
        count += char == "["
        count -= char == "]"
        index += 1
        if count == 0:
            break
        text.append(char)
    return "".join(text), index, count == 0


@settings(max_examples=400, deadline=None)
@given(LINKY, st.integers(min_value=0, max_value=60))
def test_the_closing_bracket_is_the_one_python_markdown_finds(data: str, index: int) -> None:
    index = min(index, len(data))
    assert markdown_body._get_text(PROCESSOR, data, index) == _original_get_text(data, index)


@settings(max_examples=400, deadline=None)
@given(LINKY, st.integers(min_value=0, max_value=60))
def test_the_link_destination_is_the_one_python_markdown_finds(data: str, index: int) -> None:
    index = min(index, len(data))
    ours = markdown_body._get_link(PROCESSOR, data, index)
    theirs = markdown_body._GET_LINK(PROCESSOR, data, index)
    assert ours[3] == theirs[3]
    if theirs[3]:  # where a link is found it is the same link (unfound ones are text either way)
        assert ours == theirs


def test_a_bracket_bomb_is_read_and_its_text_kept(tmp_path: Path) -> None:
    # 20,000 nested brackets took minutes (the time is measured in bench/run.py --only hostile)
    source = tmp_path / "bomb.md"
    source.write_text("---\ntitle: b\n---\n\n" + "[" * 20_000 + "a" + "]" * 20_000 + "\n\n"
                      + "[a](" * 10_000 + "\n", encoding="utf-8")
    doc = reader.read(source)
    assert doc.blocks[0].text == "[" * 20_000 + "a" + "]" * 20_000
    assert doc.blocks[1].text == "[a](" * 10_000
