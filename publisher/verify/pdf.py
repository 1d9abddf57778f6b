"""PDF extractor: outline, page text, drawn images and captions of the print edition, and
what a reader sees of them.

Poppler and qpdf read the file at once: `pdftotext -raw` (a process) gives the page
text in content-stream order (and leaves out text drawn off the MediaBox, but not
text outside the CropBox: its -cropbox changes only -bbox output); meanwhile pikepdf (qpdf) gives the outline, the tag
tree and each page's drawing (pdf_paint): the images it actually draws (not every
image of WeasyPrint's shared resource dictionary), the text it hides, the pictures
it draws squashed. pypdf would parse the whole of WeasyPrint's single object stream
(70,000 objects in a 134-page yearbook) before answering anything: 5× slower;
poppler's `pdfimages -list` interprets every text operator too: 2.4× slower.
"""
from __future__ import annotations

import io
import re
import shutil
import subprocess
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from difflib import SequenceMatcher
from pathlib import Path
from typing import Any, Iterator

import pikepdf

from ..errors import PublisherError
from ..facts import HeadingFact
from ..typography import join_lines
from .difference import Difference, quote, short
from .edition import EditionFacts, FigureGroup, fingerprint, numbers_of, pair_figures, split_authors
from .expected import plain
from .pdf_fonts import Fonts
from .pdf_paint import Overdrawn, PagePaint, paint
from .pdf_pictures import Pictures

#: a caption label as the print layout sets it: "图3 " at a line start, or after a space
#: when captions of figures side by side share a line ("图1 …。 图2 …。"); a justified,
#: letter-spaced line ("如 图 2 所 示") puts a space between 图 and the number, so it is no label
#: At a line start the space after the number may be missing: on a justified caption line
#: pdftotext can drop it ("图41第11篇…"), and there a non-digit still ends the number.
_CAPTION = re.compile(r"^[ \t]*(?:图[ \t]*|Figure[ \t]+)(\d+)(?:[ \t\u3000]+|(?=[^\d\s]))"
                      r"|(?<=[ \t\u3000])(?:图|Figure )(\d+)[ \t\u3000]+", re.MULTILINE)
#: the hyphen the print layout adds where it breaks a Latin word at a line end (hyphens: auto)
_HYPHENATED = re.compile("(?<=[^\\W\\d_])\u2010\n(?=[^\\W\\d_])")
#: how much text after a caption label is handed on (where a caption ends is not marked)
CAPTION_WINDOW = 400
#: tag-tree roles that hold no heading: their children are not visited
_LEAVES = {"/P", "/Span", "/Link", "/Lbl", "/Figure", "/Formula", "/Code", "/Quote", "/Note",
           "/Reference", "/BibEntry", "/Annot", "/Ruby", "/Warichu", "/Form", "/Em", "/Strong"}
_HEADINGS = {"/H", "/H1", "/H2", "/H3", "/H4", "/H5", "/H6"}
#: struct elements visited at most (a tag tree is a tree; a damaged one may loop)
MAX_ELEMENTS = 2_000_000
#: what is read of the PDF errors as
_UNREADABLE = (pikepdf.PikepdfError, OSError, KeyError, TypeError, ValueError, IndexError, ArithmeticError)


@dataclass
class Reading:
    """What pikepdf reads of the file: outline, metadata, and what each page paints."""
    headings: list[HeadingFact] = field(default_factory=list)
    #: the 0-based page each bookmark leads to (-1: none)
    targets: list[int] = field(default_factory=list)
    #: whether each bookmark leads to a page's foot (or to no place on it): the heading may start overleaf
    at_foot: list[bool] = field(default_factory=list)
    #: for each page, the fingerprints of the pictures it draws
    drawn: list[list[str]] = field(default_factory=list)
    #: for each page, (index among its pictures, how it is drawn wrong)
    pictures: list[list[tuple[int, str]]] = field(default_factory=list)
    title: str = ""
    language: str = ""
    authors: list[str] = field(default_factory=list)
    seen: list[Difference] = field(default_factory=list)


def extract(path: Path) -> EditionFacts:
    """Read the outline, then each page's text, pictures and captions."""
    text = _start("pdftotext", "-raw", "-enc", "UTF-8", "-q", str(path), "-")
    try:
        read = structure(path)
    except BaseException:
        text.kill()
        text.wait()
        raise
    texts = page_texts(_finish(text, path))
    drawn = read.drawn + [[] for _ in range(len(texts) - len(read.drawn))]
    facts = _facts(read.headings, texts, drawn)
    facts.title, facts.language, facts.authors = read.title, read.language, read.authors
    facts.seen = (bookmark_differences(read.headings, list(zip(read.targets, read.at_foot)), texts)
                  + picture_differences(read.pictures, read.drawn, texts) + read.seen)
    return facts


def structure(path: Path) -> Reading:
    """All pikepdf reads: the outline, metadata, tag tree and each page's drawing."""
    try:
        with pikepdf.open(path) as pdf:
            return _read(pdf, path)
    except _UNREADABLE:
        raise PublisherError("not a readable PDF (qpdf failed)", path, hint="rebuild it") from None


def _read(pdf: Any, path: Path) -> Reading:
    pages = {page.objgen: number for number, page in enumerate(pdf.pages)}
    read = Reading(language=str(pdf.Root.get("/Lang", "")))
    for heading, (target, foot) in outline(pdf, pages):
        read.headings.append(heading)
        read.targets.append(target)
        read.at_foot.append(foot)
    info = pdf.docinfo if pdf.trailer.get("/Info") is not None else {}
    read.title = str(info.get("/Title", ""))
    read.authors = split_authors(str(info.get("/Author", "")))
    caches = Fonts(), Pictures()  # each font's map and each soft mask read once
    painted = [_paint(pdf, number, set(), caches, path) for number in range(len(pages))]
    prints: dict[tuple[int, int], str] = {}  # each image object read once
    read.drawn = [[_image_print(image, prints) for image in page.images] for page in painted]
    read.pictures = [page.pictures for page in painted]
    read.seen = [d for number, page in enumerate(painted, start=1) for d in page_differences(page, number)]
    if pdf.Root.get("/StructTreeRoot") is not None:
        read.seen += _tag_check(pdf, read, tagged_headings(pdf, pages), caches, path)
    return read


def _paint(pdf: Any, number: int, marked: set[int], caches: tuple[Fonts, Pictures], path: Path) -> PagePaint:
    """pdf_paint.paint of the 0-based page `number`; a page that draws without end is bad input."""
    try:
        return paint(pdf.pages[number], marked, *caches)
    except (Overdrawn, RecursionError) as error:
        cause = "a form that draws itself" if "itself" in str(error) else "too many nested objects"
        raise PublisherError(f"PDF draws {cause} on page {number + 1}", path, hint="rebuild it") from None


def _tag_check(pdf: Any, read: Reading, tagged: list[tuple[str, list[tuple[int, int]]]],
               caches: tuple[Fonts, Pictures], path: Path) -> list[Difference]:
    """The tagged headings against the bookmarks, page by page; where the counts differ, the
    pages are read again for the tagged headings' words (their MCIDs), to name them."""
    first = [marks[0][0] if marks else -1 for _, marks in tagged]
    bookmarks, tags = Counter(read.targets), Counter(first)
    pages = sorted(p for p in bookmarks | tags if bookmarks[p] != tags[p])
    if not pages:
        return []
    wanted: dict[int, set[int]] = {p: set() for p in pages if p >= 0}
    for _, marks in tagged:
        for page, mcid in marks:
            wanted.get(page, set()).add(mcid)
    marked = {p: _paint(pdf, p, mcids, caches, path).marked for p, mcids in wanted.items()}
    headings = [h for h, target in zip(read.headings, read.targets) if target in wanted or target < 0]
    texts = [(role, "".join(marked.get(page, {}).get(mcid, "") for page, mcid in marks))
             for (role, marks), page in zip(tagged, first) if page in wanted or page < 0]
    return tag_differences(headings, texts)


def _start(tool: str, *args: str) -> subprocess.Popen[bytes]:
    found = shutil.which(tool)
    if found is None:
        raise PublisherError(f"{tool} not found", hint="install poppler-utils; tools/setup.sh does")
    return subprocess.Popen([found, *args], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)


def _finish(process: subprocess.Popen[bytes], path: Path) -> bytes:
    out, _ = process.communicate()
    if process.returncode not in (0, 3):  # qpdf exits 3 on warnings it recovered from
        tool = Path(str(list(process.args)[0])).name  # type: ignore[arg-type]
        raise PublisherError(f"not a readable PDF ({tool} failed)", path, hint="rebuild it")
    return out


def page_texts(out: bytes) -> list[str]:
    """The page texts pdftotext wrote, one per page (it ends each page with a form feed)."""
    texts = _HYPHENATED.sub("", out.decode("utf-8", errors="replace")).split("\f")
    return texts[:-1] if len(texts) > 1 else texts


def _image_print(image: Any, prints: dict[tuple[int, int], str]) -> str:
    """The fingerprint of an image object's picture ("" when it cannot be read)."""
    key = image.objgen
    if key not in prints:
        try:
            data = io.BytesIO()
            pikepdf.PdfImage(image).extract_to(stream=data)
            prints[key] = fingerprint(data.getvalue())
        except (pikepdf.PikepdfError, NotImplementedError, OSError, ValueError):
            prints[key] = ""  # a picture no reader here can decode: reported as not matching
    return prints[key]


def _facts(headings: list[HeadingFact], texts: list[str], drawn: list[list[str]]) -> EditionFacts:
    groups = [FigureGroup(number, pictures, find_captions(text))
              for number, (text, pictures) in enumerate(zip(texts, drawn), start=1)]
    figures, pages = pair_figures(groups)
    return EditionFacts(headings=headings, paragraphs=texts, figures=figures,
                        numbers=numbers_of(texts), unit="page", outline=True,
                        captions_run_on=True, figure_units=pages)


# ---- the outline and where it leads --------------------------------------------------------

def outline(pdf: Any, pages: dict[tuple[int, int], int]) -> Iterator[tuple[HeadingFact, tuple[int, bool]]]:
    """Bookmarks as headings, depth first, each with the 0-based page it leads to (-1: none)
    and whether it leads to that page's foot."""
    with pdf.open_outline() as tree:
        yield from _items(pdf, tree.root, 1, pages)


def _items(pdf: Any, items: list[Any], depth: int, pages: dict[tuple[int, int], int]
           ) -> Iterator[tuple[HeadingFact, tuple[int, bool]]]:
    for item in items:
        yield HeadingFact(depth, " ".join(str(item.title or "").split())), _target(pdf, item, pages)
        yield from _items(pdf, item.children, depth + 1, pages)


def _target(pdf: Any, item: Any, pages: dict[tuple[int, int], int]) -> tuple[int, bool]:
    """The page a bookmark's destination (or GoTo action) names, through named destinations;
    and whether the place is in the page's lowest quarter (or not given)."""
    dest = item.destination
    action = item.action
    if dest is None and isinstance(action, pikepdf.Dictionary) and action.get("/S") == "/GoTo":
        dest = action.get("/D")
    if isinstance(dest, (pikepdf.String, pikepdf.Name, str)):
        dest = _named_destination(pdf, dest)
    if isinstance(dest, pikepdf.Dictionary) and "/D" in dest:
        dest = dest.D
    if not isinstance(dest, pikepdf.Array) or len(dest) == 0:
        return -1, True
    first = dest[0]
    page = first if isinstance(first, int) else pages.get(first.objgen, -1) \
        if isinstance(first, pikepdf.Dictionary) else -1
    if not 0 <= page < len(pages):
        return -1, True
    return page, _at_foot(pdf.pages[page], dest)


def _at_foot(page: Any, dest: Any) -> bool:
    """Whether a destination's top (XYZ, FitH, FitBH) lies in the lowest quarter of the page."""
    kind = str(dest[1]) if len(dest) > 1 else ""
    at = {"/XYZ": 3, "/FitH": 2, "/FitBH": 2}.get(kind, len(dest))
    top = dest[at] if at < len(dest) else None
    if not isinstance(top, (int, Decimal, float)):
        return True
    box = page.mediabox
    return float(top) < float(box[1]) + (float(box[3]) - float(box[1])) / 4


def _named_destination(pdf: Any, name: Any) -> Any:
    names = pdf.Root.get("/Names")
    if isinstance(name, pikepdf.Name) or names is None or "/Dests" not in names:
        dests = pdf.Root.get("/Dests")
        return dests.get(str(name)) if isinstance(dests, pikepdf.Dictionary) else None
    tree = pikepdf.NameTree(names.Dests)
    return tree.get(str(name)) if str(name) in tree else None


def bookmark_differences(headings: list[HeadingFact], targets: list[tuple[int, bool]],
                         texts: list[str]) -> list[Difference]:
    """Each bookmark must lead to the page that prints its heading (or to the page before,
    when it leads to that page's foot, where the heading's box may start)."""
    printed = [plain(text) for text in texts]
    diffs = []
    for heading, (target, foot) in zip(headings, targets):
        needle = plain(heading.text)
        if target < 0:
            diffs.append(Difference("structure", "bookmark", quote(heading.text), "leads to no page"))
        elif needle and not any(needle in printed[k] for k in (target, target + 1)[:2 if foot else 1]
                                if k < len(printed)):
            diffs.append(Difference("structure", "bookmark", quote(heading.text),
                                    f"leads to page {target + 1}, where it is not printed"))
    return diffs


# ---- the tag tree --------------------------------------------------------------------------

def tagged_headings(pdf: Any, pages: dict[tuple[int, int], int]) -> list[tuple[str, list[tuple[int, int]]]]:
    """The tag tree's headings (H, H1–H6) in order: role and (page, MCID) of their content."""
    root = pdf.Root.get("/StructTreeRoot")
    if not isinstance(root, pikepdf.Dictionary):
        return []
    roles = root.get("/RoleMap")
    role_map = {str(k): str(v) for k, v in roles.items()} if isinstance(roles, pikepdf.Dictionary) else {}
    found: list[tuple[str, list[tuple[int, int]]]] = []
    stack: list[tuple[Any, int]] = [(kid, -1) for kid in reversed(_kids(root))]
    visited = 0
    while stack and visited < MAX_ELEMENTS:
        element, page = stack.pop()
        visited += 1
        if not isinstance(element, pikepdf.Dictionary):
            continue
        page = pages.get(element.Pg.objgen, page) if isinstance(element.get("/Pg"), pikepdf.Dictionary) else page
        role = str(element.get("/S", ""))
        role = role_map.get(role, role)
        if role in _HEADINGS:
            found.append((role, list(_marks(element, page, pages))))
        elif role not in _LEAVES:
            stack += [(kid, page) for kid in reversed(_kids(element))]
    return found


def _kids(element: Any) -> list[Any]:
    kids = element.get("/K")
    return list(kids) if isinstance(kids, pikepdf.Array) else [] if kids is None else [kids]


def _marks(element: Any, page: int, pages: dict[tuple[int, int], int], depth: int = 0) -> Iterator[tuple[int, int]]:
    """(page, MCID) of each marked-content reference within a struct element."""
    for kid in _kids(element):
        if isinstance(kid, int):
            if page >= 0:
                yield page, kid
        elif isinstance(kid, pikepdf.Dictionary) and depth < 32:
            here = pages.get(kid.Pg.objgen, page) if isinstance(kid.get("/Pg"), pikepdf.Dictionary) else page
            if "/MCID" in kid and "/S" not in kid:  # a marked-content reference (MCR)
                if here >= 0:
                    yield here, int(kid.MCID)
            elif "/S" in kid:
                yield from _marks(kid, here, pages, depth + 1)


def tag_differences(headings: list[HeadingFact], tagged: list[tuple[str, str]]) -> list[Difference]:
    """The headings the tag tree marks (for a screen reader's list) must be the outline's."""
    if not any(text for _, text in tagged):  # no words decodable: compare how many
        if len(tagged) == len(headings):
            return []
        return [Difference("structure", "tags", f"{len(headings)} headings",
                           f"are tagged as {len(tagged)} in the tag tree")]
    want, got = [plain(h.text) for h in headings], [plain(text) for _, text in tagged]
    diffs = []
    for op, i1, i2, j1, j2 in SequenceMatcher(None, want, got, autojunk=False).get_opcodes():
        if op == "equal":
            continue
        diffs += [Difference("structure", "tags", quote(h.text), "is not tagged as a heading in the tag tree")
                  for h in headings[i1:i2]]
        diffs += [Difference("structure", "tags", quote(short(" ".join(text.split()), 24)),
                             f"is tagged {role[1:]}, a heading, but has no bookmark") for role, text in tagged[j1:j2]]
    return diffs


# ---- what the pages show ---------------------------------------------------------------

def page_differences(page: PagePaint, number: int) -> list[Difference]:
    """What the interpreter found wrong on one page: hidden, replaced and covered text."""
    diffs = [Difference("text", "hidden", quote(short(words, 24)), how, page=number) for words, how in page.hidden]
    diffs += [Difference("text", "replaced", quote(short(words, 24)) if words else "a drawing",
                         f"is copied and read aloud as {quote(short(actual, 24))} (ActualText)", page=number)
              for words, actual in page.copied]
    diffs += [Difference("structure", "annotation", f"an annotation ({subtype})", "is drawn on the page", page=number)
              for subtype in page.annotations]
    return diffs


def picture_differences(pictures: list[list[tuple[int, str]]], drawn: list[list[str]],
                        texts: list[str]) -> list[Difference]:
    """Pictures drawn wrong, named by their figure where the page captions them (a page pairs
    its k-th picture with its k-th caption, as pair_figures does)."""
    diffs = []
    for number, (problems, images, text) in enumerate(zip(pictures, drawn, texts), start=1):
        captions = [n for n, _ in find_captions(text)] if problems else []
        labels = [0] * (len(images) - len(captions)) + captions
        for index, how in problems:
            label = f"图{labels[index]}" if labels[index] else "a picture"
            diffs.append(Difference("figures", "drawn", label, how, page=number))
    return diffs


def find_captions(text: str) -> list[tuple[int, str]]:
    """(number, text after the label) for each caption label on a page."""
    matches = list(_CAPTION.finditer(text))
    out = []
    for k, match in enumerate(matches):
        end = matches[k + 1].start() if k + 1 < len(matches) else len(text)
        end = min(end, match.end() + CAPTION_WINDOW)
        out.append((int(match.group(1) or match.group(2)), join_lines(text[match.end():end])))
    return out
