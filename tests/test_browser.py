"""The e-reader HTML in real Chromium at phone, tablet and desktop widths, light and dark.

Screenshots land in output/screenshots/ for a person to look at (not committed).
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

import pytest

from publisher import build as builder
from publisher.model import Document

pytestmark = pytest.mark.slow

SHOTS = Path(__file__).resolve().parent.parent / "output" / "screenshots"
WIDTHS = (360, 768, 1280)
Probe = Callable[..., dict[str, Any]]

#: page facts gathered in one round trip: overflow, images, headings, text metrics
PROBE = """() => {
  const visible = el => { const r = el.getBoundingClientRect(); const s = getComputedStyle(el);
    return r.width > 0 && r.height > 0 && s.visibility !== 'hidden' && s.display !== 'none'; };
  const para = document.querySelector('.body p:not(.lead)');
  const ps = getComputedStyle(para);
  return {
    scrollWidth: document.documentElement.scrollWidth, innerWidth: window.innerWidth,
    images: [...document.images].map(i => ({complete: i.complete, natural: i.naturalWidth,
      shown: i.getBoundingClientRect().width, right: i.getBoundingClientRect().right})),
    headings: [...document.querySelectorAll('h1, h2, h3, h4, h5, h6')].filter(h => !h.closest('nav')).map(h => ({
      level: +h.tagName[1], id: h.id, text: h.textContent, visible: visible(h),
      right: h.getBoundingClientRect().right})),
    para: {width: para.getBoundingClientRect().width, fontSize: parseFloat(ps.fontSize),
      lineHeight: parseFloat(ps.lineHeight), indent: parseFloat(ps.textIndent), align: ps.textAlign},
    colors: {paper: getComputedStyle(document.body).backgroundColor, ink: ps.color,
      caption: getComputedStyle(document.querySelector('figcaption')).color,
      byline: getComputedStyle(document.querySelector('.byline')).color,
      kicker: getComputedStyle(document.querySelector('.kicker')).color},
  };
}"""


@pytest.fixture(scope="module")
def html_file(tmp_path_factory: pytest.TempPathFactory, seed_source: Path) -> Path:
    out = tmp_path_factory.mktemp("browser")
    return builder.build(seed_source, ["html"], out)["html"]


def open_page(browser: Any, html_file: Path, width: int, scheme: str) -> dict[str, Any]:
    """Load the edition, record every request and console error, screenshot it, probe it."""
    page = browser.new_page(viewport={"width": width, "height": 800}, color_scheme=scheme)
    requests: list[str] = []
    errors: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(html_file.as_uri(), wait_until="load")
    page.evaluate("() => Promise.all([...document.images].map(i => i.decode()))")
    SHOTS.mkdir(parents=True, exist_ok=True)
    suffix = "-dark" if scheme == "dark" else ""
    page.screenshot(path=str(SHOTS / f"html-{width}{suffix}.png"), full_page=True)
    facts: dict[str, Any] = page.evaluate(PROBE)
    facts["requests"] = [u for u in requests if u != html_file.as_uri()]
    facts["errors"] = errors
    page.close()
    return facts


@pytest.fixture(scope="module")
def probe(browser: Any, html_file: Path) -> Probe:
    """Page facts at a width and colour scheme, each page loaded once per module."""
    seen: dict[tuple[int, str], dict[str, Any]] = {}

    def facts(width: int, scheme: str = "light") -> dict[str, Any]:
        if (width, scheme) not in seen:
            seen[width, scheme] = open_page(browser, html_file, width, scheme)
        return seen[width, scheme]
    return facts


@pytest.mark.parametrize("width", WIDTHS)
def test_reads_at_width(probe: Probe, seed_doc: Document, width: int) -> None:
    facts = probe(width)
    assert facts["scrollWidth"] <= facts["innerWidth"], "page scrolls sideways"
    assert len(facts["images"]) == len(seed_doc.figures)
    for image in facts["images"]:
        assert image["complete"] and image["natural"] > 0, "an image did not decode"
        assert image["right"] <= width
    shown = [(h["level"], h["id"], h["text"]) for h in facts["headings"] if h["visible"]]
    wanted = [(1, "", seed_doc.meta.title)] + [(h.level, h.id, h.text) for h in seed_doc.headings]
    assert [(level, text) for level, _, text in shown] == [(level, text) for level, _, text in wanted]
    assert all(h["right"] <= width for h in facts["headings"])
    assert facts["requests"] == [], "the page loaded something besides itself"
    assert facts["errors"] == [], "console errors (a CSP violation?)"


@pytest.mark.parametrize("width", WIDTHS)
def test_body_text_is_comfortable(probe: Probe, width: int) -> None:
    para = probe(width)["para"]
    assert 1.7 <= para["lineHeight"] / para["fontSize"] <= 1.9
    assert para["indent"] == pytest.approx(2 * para["fontSize"])
    assert para["align"] == "justify"
    assert para["fontSize"] >= 16
    measure = para["width"] / para["fontSize"]
    assert measure <= 40, f"lines of {measure:.0f} characters are too long"
    if width >= 768:
        assert measure >= 35, f"lines of {measure:.0f} characters are too short"


def luminance(css: str) -> float:
    """Relative luminance (WCAG) of an 'rgb(r, g, b)' colour."""
    channels = [int(v) / 255 for v in css[css.index("(") + 1:css.index(")")].split(",")[:3]]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


@pytest.mark.parametrize("width", (360, 1280))
def test_dark_mode(probe: Probe, width: int) -> None:
    light, dark = probe(width)["colors"], probe(width, "dark")["colors"]
    assert luminance(dark["paper"]) < 0.05 < luminance(dark["ink"]), "dark mode not applied"
    assert luminance(light["paper"]) > 0.8 > luminance(light["ink"])
    for scheme in (light, dark):  # no grey on grey: WCAG AAA contrast in both schemes
        for part in ("ink", "caption", "byline", "kicker"):
            assert contrast(scheme["paper"], scheme[part]) >= 7, f"{part} is too faint"


def test_contents_jump_to_their_section(browser: Any, html_file: Path, seed_doc: Document) -> None:
    page = browser.new_page(viewport={"width": 360, "height": 640})
    page.goto(html_file.as_uri())
    last = [h for h in seed_doc.headings if h.level == 2][-1]
    page.click(f'nav a[href="#{last.id}"]')
    top = page.evaluate("id => document.getElementById(id).getBoundingClientRect().top", last.id)
    page.close()
    assert 0 <= top <= 64, "the heading is not at the top of the screen after the jump"
