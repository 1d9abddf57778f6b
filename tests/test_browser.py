"""The e-reader HTML in real Chromium at phone, tablet and desktop widths, light and dark.

Screenshots land in output/screenshots/ for a person to look at (not committed).
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Iterator

import pytest

from publisher import build as builder
from publisher.model import Document

pytestmark = pytest.mark.slow

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
SHOTS = Path(__file__).resolve().parent.parent / "output" / "screenshots"
WIDTHS = (360, 768, 1280)

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
    headings: [...document.querySelectorAll('h1, h2, h3, h4, h5, h6')].map(h => ({
      level: +h.tagName[1], id: h.id, text: h.textContent, visible: visible(h),
      right: h.getBoundingClientRect().right})),
    para: {width: para.getBoundingClientRect().width, fontSize: parseFloat(ps.fontSize),
      lineHeight: parseFloat(ps.lineHeight), indent: parseFloat(ps.textIndent), align: ps.textAlign},
    colors: {paper: getComputedStyle(document.body).backgroundColor, ink: ps.color},
  };
}"""


@pytest.fixture(scope="module")
def html_file(tmp_path_factory: pytest.TempPathFactory, seed_source: Path) -> Path:
    out = tmp_path_factory.mktemp("browser")
    return builder.build(seed_source, ["html"], out)["html"]


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not CHROMIUM.is_file():
        pytest.skip("Debian chromium is not installed (tools/setup.sh test installs it)")
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=ARGS)
        yield chromium
        chromium.close()


def open_page(browser: Any, html_file: Path, width: int, scheme: str, name: str) -> dict[str, Any]:
    """Load the edition, record every request and console error, screenshot it, probe it."""
    page = browser.new_page(viewport={"width": width, "height": 800}, color_scheme=scheme)
    requests: list[str] = []
    errors: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(html_file.as_uri(), wait_until="load")
    page.evaluate("() => Promise.all([...document.images].map(i => i.decode()))")
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)
    facts = page.evaluate(PROBE)
    facts["requests"] = [u for u in requests if u != html_file.as_uri()]
    facts["errors"] = errors
    page.close()
    return facts


@pytest.mark.parametrize("width", WIDTHS)
def test_reads_at_width(browser: Any, html_file: Path, seed_doc: Document, width: int) -> None:
    facts = open_page(browser, html_file, width, "light", f"html-{width}")
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
def test_body_text_is_comfortable(browser: Any, html_file: Path, width: int) -> None:
    para = open_page(browser, html_file, width, "light", f"html-{width}")["para"]
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
def test_dark_mode(browser: Any, html_file: Path, width: int) -> None:
    light = open_page(browser, html_file, width, "light", f"html-{width}")["colors"]
    dark = open_page(browser, html_file, width, "dark", f"html-{width}-dark")["colors"]
    assert luminance(dark["paper"]) < 0.05 < luminance(dark["ink"]), "dark mode not applied"
    assert luminance(light["paper"]) > 0.8 > luminance(light["ink"])
    for scheme in (light, dark):  # no grey on grey: WCAG AAA contrast in both schemes
        assert contrast(scheme["paper"], scheme["ink"]) >= 7
