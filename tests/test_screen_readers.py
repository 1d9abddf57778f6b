"""The e-reader HTML as readers meet it, in Debian's Chromium: at 320, 360, 768 and 1280 px,
light and dark, and printed; a 7-column table and long code lines, notes both ways, figures
announced once, English inside Chinese marked as English, dark mode printed black on white.

Screenshots land in output/screenshots/ for a person to look at (not committed).
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from publisher import build as builder
from publisher.verify.contrast import luminance, ratio

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent
STRESS = ROOT / "tests" / "sources" / "screen-stress.md"
SHOTS = ROOT / "output" / "screenshots"
WIDTHS = (320, 360, 768, 1280)


@pytest.fixture(scope="module")
def editions(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("screen")
    stress = builder.build(STRESS, ["html"], out)["html"]
    seed = builder.build(ROOT / "sources" / "jiangmen-party-building.md", ["html"], out)["html"]
    return {"stress": stress, "seed": seed}


def page_at(browser: Any, path: Path, width: int, scheme: str = "light", media: str = "screen") -> Any:
    page = browser.new_page(viewport={"width": width, "height": 800}, color_scheme=scheme)
    page.emulate_media(media=media, color_scheme=scheme)
    page.goto(path.as_uri(), wait_until="load")
    page.evaluate("() => Promise.all([...document.images].map(i => i.decode()))")
    return page


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_page_never_scrolls_sideways(browser: Any, editions: dict[str, Path], width: int, scheme: str) -> None:
    """A 7-column table and long code lines scroll inside their own boxes, not the page."""
    page = page_at(browser, editions["stress"], width, scheme)
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"stress-{width}-{scheme}.png"), full_page=True)
    facts = page.evaluate("""() => ({
      page: document.documentElement.scrollWidth, inner: window.innerWidth,
      boxes: [...document.querySelectorAll('.table-wrap, pre')].map(b => ({
        tag: b.tagName, scroll: b.scrollWidth, client: b.clientWidth,
        right: b.getBoundingClientRect().right, focusable: b.tabIndex >= 0})),
      cells: [...document.querySelectorAll('td, th')].map(c => c.getBoundingClientRect().width),
    })""")
    page.close()
    assert facts["page"] <= facts["inner"], facts
    assert all(box["right"] <= facts["inner"] + 0.5 and box["focusable"] for box in facts["boxes"]), facts["boxes"]
    # columns keep a readable width (no one-character columns): the box scrolls instead
    assert min(facts["cells"]) >= 40, facts["cells"]
    if width <= 360:
        assert any(box["scroll"] > box["client"] for box in facts["boxes"] if box["tag"] == "PRE")


def test_code_lines_stay_lines(browser: Any, editions: dict[str, Path]) -> None:
    """Each code line is one line in the box: nothing wraps back to column 0."""
    page = page_at(browser, editions["stress"], 320)
    heights = page.evaluate("() => [...document.querySelectorAll('pre .line')].map(l => l.getClientRects().length)")
    line_height = page.evaluate("() => parseFloat(getComputedStyle(document.querySelector('pre')).lineHeight)")
    boxes = page.evaluate("() => [...document.querySelectorAll('pre .line')].map(l => l.getBoundingClientRect().height)")
    page.close()
    assert heights and all(h == 1 for h in heights)
    assert all(h <= line_height * 1.5 for h in boxes), (boxes, line_height)


@pytest.mark.parametrize("width", (320, 1280))
def test_every_note_mark_and_its_way_back_work(browser: Any, editions: dict[str, Path], width: int) -> None:
    page = page_at(browser, editions["stress"], width)
    marks = page.locator("a[role=doc-noteref]")
    assert marks.count() == 3  # note 1 is marked twice, each mark with an id of its own
    assert len({marks.nth(i).get_attribute("id") for i in range(3)}) == 3
    for index in range(marks.count()):
        mark = marks.nth(index)
        target = mark.get_attribute("href")
        box = mark.bounding_box()
        hit = page.evaluate("""(a) => { const r = a.getBoundingClientRect(); const s = getComputedStyle(a);
            return {w: r.width + parseFloat(s.paddingLeft) + parseFloat(s.paddingRight),
                    h: r.height + parseFloat(s.paddingTop) + parseFloat(s.paddingBottom)}; }""",
                            mark.element_handle())
        assert box is not None and hit["w"] >= 24 and hit["h"] >= 24, hit  # WCAG 2.5.8 target size
        mark.click()
        assert page.evaluate("() => location.hash") == target
        note = page.locator(target.replace("#", "#"))
        assert note.is_visible()
    for index, back in enumerate(page.locator("a[role=doc-backlink]").all()):
        back.click()
        mark_id = page.evaluate("() => location.hash")
        assert re.fullmatch(r"#fnref-\d+", mark_id)
        assert page.locator(mark_id).is_visible()
    assert page.locator("section.footnotes h2").text_content() == "注释"
    page.close()


def test_each_figure_is_announced_once(browser: Any, editions: dict[str, Path]) -> None:
    """A picture whose description is its caption is passed over; the caption names the figure."""
    page = page_at(browser, editions["stress"], 360)
    for figure in page.locator("figure").all():
        tree = figure.aria_snapshot()
        caption = figure.locator("figcaption").text_content() or ""
        words = caption.split(" ", 1)[-1]
        assert tree.count(words) == 1, tree
    page.close()


def test_english_inside_chinese_carries_its_language(browser: Any, editions: dict[str, Path]) -> None:
    page = page_at(browser, editions["stress"], 768)
    english = [e.text_content() for e in page.locator("[lang=en]").all()]
    page.close()
    assert any(t and t.startswith("The figures below were checked") for t in english), english
    assert "Quarterly Digital Qiaoxiang Data" in english  # the subtitle's English
    assert "Office of Digital Affairs" in english  # the byline's


@pytest.mark.parametrize("name", ["stress", "seed"])
def test_printed_in_dark_mode_is_black_on_white(browser: Any, editions: dict[str, Path], name: str) -> None:
    page = page_at(browser, editions[name], 768, "dark", "print")
    colours = page.evaluate("""() => [...document.querySelectorAll('p, h1, h2, figcaption, td, .byline, .kicker')]
        .map(e => [getComputedStyle(e).color, getComputedStyle(document.body).backgroundColor])""")
    page.pdf(path=str(SHOTS / f"{name}-dark-print.pdf")) if SHOTS.is_dir() else None
    page.close()
    worst = min(_contrast(_rgb(ink) or (0, 0, 0), _rgb(paper) or (255, 255, 255)) for ink, paper in colours)
    assert worst >= 4.5, colours[:5]


def test_skip_link_and_contents(browser: Any, editions: dict[str, Path]) -> None:
    """The first Tab reaches a link past the masthead to the text; the contents have a heading
    and list the sub-heads; a link at the end leads back to them."""
    page = page_at(browser, editions["seed"], 360)
    page.keyboard.press("Tab")
    focused = page.evaluate("() => [document.activeElement.className, document.activeElement.getAttribute('href')]")
    assert focused == ["skip-link", "#publisher.text"]
    assert page.locator("nav.toc h2").text_content() == "目录"
    assert page.locator("nav.toc ol ol li").count() == 3  # the three sub-heads under B
    page.locator("nav.back-to-contents a").click()
    assert page.evaluate("() => location.hash") == "#publisher.contents"
    page.close()


def _contrast(ink: tuple[int, int, int], paper: tuple[int, int, int]) -> float:
    return ratio(luminance(*(c / 255 for c in ink)), luminance(*(c / 255 for c in paper)))


def _rgb(css: str) -> tuple[int, int, int] | None:
    """'rgb(1, 2, 3)' → (1, 2, 3); a transparent colour → None."""
    numbers = [float(n) for n in re.findall(r"[\d.]+", css)]
    if len(numbers) == 4 and numbers[3] == 0:
        return None
    return (int(numbers[0]), int(numbers[1]), int(numbers[2])) if len(numbers) >= 3 else None


@pytest.mark.parametrize("width", (320, 360))
def test_headings_break_between_words(browser: Any, editions: dict[str, Path], width: int) -> None:
    """Every line of a Chinese heading (and the title) ends where a phrase ends ("推动党建工作取/
    得…" no more): the breaks the browser chose, read from each character's position."""
    from publisher.phrases import phrases
    page = page_at(browser, editions["seed"], width)
    breaks = page.evaluate("""() => [...document.querySelectorAll('h1, .body h2, .body h3')].map(h => {
        const walker = document.createTreeWalker(h, NodeFilter.SHOW_TEXT); let text = '', tops = [];
        for (let node = walker.nextNode(); node; node = walker.nextNode()) {
          for (let i = 0; i < node.length; i++) {
            const range = document.createRange(); range.setStart(node, i); range.setEnd(node, i + 1);
            const box = range.getClientRects()[0]; text += node.data[i]; tops.push(box ? Math.round(box.top) : null);
          }
        }
        const at = []; let last = tops[0];
        tops.forEach((top, i) => { if (top !== null && last !== null && top > last + 2) at.push(i); if (top !== null) last = top; });
        return [text, at]; })""")
    page.close()
    wrapped = [(text, at) for text, at in breaks if at]
    assert wrapped, "no heading wraps at this width: the test tests nothing"
    for text, at in wrapped:
        bounds, pos = set(), 0
        for piece in phrases(text):
            pos += len(piece)
            bounds.add(pos)
        assert all(i in bounds for i in at), (text, at, phrases(text))
