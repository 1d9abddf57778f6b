"""PDF extractor: outline, page text, drawn images and captions of the print edition.

Poppler and qpdf read the file, three tools at once: `pdftotext -raw` gives the
page text in content-stream order (and leaves out text drawn off the page, which
no reader sees); `pdfimages -list` gives the images each page actually draws
(not every image of a shared resource dictionary); `qpdf --json` gives the
outline. pypdf would parse the whole of WeasyPrint's single object stream
(70,000 objects in a 134-page yearbook) before answering anything: 5× slower.
"""
from __future__ import annotations

import json
import re
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any, Iterator

from ..errors import PublisherError
from ..facts import HeadingFact
from ..typography import join_lines
from .edition import EditionFacts, FigureGroup, fingerprint, numbers_of, pair_figures

#: a caption label as the print layout sets it: "图3 " at a line start, or after a space
#: when captions of figures side by side share a line ("图1 …。 图2 …。"); a justified,
#: letter-spaced line ("如 图 2 所 示") puts a space between 图 and the number, so it is no label
#: At a line start the space after the number may be missing: on a justified caption line
#: pdftotext can drop it ("图41第11篇…"), and there a non-digit still ends the number.
_CAPTION = re.compile(r"^[ \t]*图[ \t]*(\d+)(?:[ \t\u3000]+|(?=[^\d\s]))"
                      r"|(?<=[ \t\u3000])图(\d+)[ \t\u3000]+", re.MULTILINE)
#: how much text after a caption label is handed on (where a caption ends is not marked)
CAPTION_WINDOW = 400


def extract(path: Path) -> EditionFacts:
    """Read the outline, then each page's text, pictures and captions."""
    text = _start("pdftotext", "-raw", "-enc", "UTF-8", "-q", str(path), "-")
    listing = _start("pdfimages", "-list", str(path))
    headings = list(outline(_json(_finish(_start("qpdf", "--json", "--json-key=outlines", str(path)), path))
                            .get("outlines", [])))
    texts = page_texts(_finish(text, path))
    rows = drawn_rows(_finish(listing, path))
    return _facts(headings, texts, pictures(path, rows, len(texts)))


def _start(tool: str, *args: str) -> subprocess.Popen[bytes]:
    found = shutil.which(tool)
    if found is None:
        raise PublisherError(f"{tool} not found", hint="install poppler-utils and qpdf (tools/setup.sh does)")
    return subprocess.Popen([found, *args], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)


def _finish(process: subprocess.Popen[bytes], path: Path) -> bytes:
    out, _ = process.communicate()
    if process.returncode not in (0, 3):  # qpdf exits 3 on warnings it recovered from
        tool = Path(str(list(process.args)[0])).name  # type: ignore[arg-type]
        raise PublisherError(f"not a readable PDF ({tool} failed)", path, hint="rebuild it")
    return out


def _json(data: bytes) -> dict[str, Any]:
    try:
        return json.loads(data)  # type: ignore[no-any-return]
    except ValueError:
        return {}


def page_texts(out: bytes) -> list[str]:
    """The page texts pdftotext wrote, one per page (it ends each page with a form feed)."""
    texts = out.decode("utf-8", errors="replace").split("\f")
    return texts[:-1] if len(texts) > 1 else texts


def drawn_rows(listing: bytes) -> list[tuple[int, int, str]]:
    """(page, index among the page's rows, image object) of every image drawn, in order."""
    rows: list[tuple[int, int, str]] = []
    counts: dict[int, int] = {}
    for line in listing.decode("latin-1").splitlines()[2:]:
        fields = line.split()
        if len(fields) < 12 or not fields[0].isdigit():
            continue
        page = int(fields[0])
        index = counts.get(page, 0)
        counts[page] = index + 1
        if fields[2] == "image":  # not the soft masks that go with an image
            rows.append((page, index, f"{fields[10]} {fields[11]}"))
    return rows


def pictures(path: Path, rows: list[tuple[int, int, str]], pages: int) -> list[list[str]]:
    """The fingerprints of the pictures each page draws, each image object read once."""
    first: dict[str, tuple[int, int]] = {}
    for page, index, obj in rows:
        first.setdefault(obj, (page, index))
    prints = _fingerprints(path, first)
    drawn: list[list[str]] = [[] for _ in range(pages)]
    for page, _, obj in rows:
        if 1 <= page <= pages:
            drawn[page - 1].append(prints.get(obj, ""))
    return drawn


def _fingerprints(path: Path, first: dict[str, tuple[int, int]]) -> dict[str, str]:
    """Extract the pages where each image object first appears, and fingerprint those images."""
    prints: dict[str, str] = {}
    with tempfile.TemporaryDirectory(prefix="publisher-verify-") as tmp:
        for page in sorted({page for page, _ in first.values()}):
            prefix = Path(tmp) / f"p{page}"
            _finish(_start("pdfimages", "-f", str(page), "-l", str(page), "-j", "-png",
                           str(path), str(prefix)), path)
            files = sorted(Path(tmp).glob(f"p{page}-*"))
            for obj, (where, index) in first.items():
                if where == page and index < len(files):
                    prints[obj] = _safe_fingerprint(files[index].read_bytes())
    return prints


def _safe_fingerprint(data: bytes) -> str:
    try:
        return fingerprint(data)
    except (OSError, ValueError):
        return ""


def _facts(headings: list[HeadingFact], texts: list[str], drawn: list[list[str]]) -> EditionFacts:
    groups = [FigureGroup(number, pictures, find_captions(text))
              for number, (text, pictures) in enumerate(zip(texts, drawn), start=1)]
    figures, pages = pair_figures(groups)
    return EditionFacts(headings=headings, paragraphs=texts, figures=figures,
                        numbers=numbers_of(texts), unit="page", outline=True,
                        captions_run_on=True, figure_units=pages)


def outline(items: list[Any], depth: int = 1) -> Iterator[HeadingFact]:
    """Bookmarks (qpdf's JSON outline items) as headings, depth first."""
    for item in items:
        yield HeadingFact(depth, " ".join(str(item.get("title", "")).split()))
        yield from outline(item.get("kids") or [], depth + 1)


def find_captions(text: str) -> list[tuple[int, str]]:
    """(number, text after the label) for each caption label on a page."""
    matches = list(_CAPTION.finditer(text))
    out = []
    for k, match in enumerate(matches):
        end = matches[k + 1].start() if k + 1 < len(matches) else len(text)
        end = min(end, match.end() + CAPTION_WINDOW)
        out.append((int(match.group(1) or match.group(2)), join_lines(text[match.end():end])))
    return out
