"""The PDF verifier checks what a reader sees: each tampering of the written seed PDF
(text hidden by render mode, colour, clip, size, alpha or a box painted over it; a
crop box; an ActualText; an annotation; a wrong bookmark or tag; pictures squashed,
inverted or clipped away; drawing without end) is named, and saving the same file
differently (qpdf's re-saves, re-encoded pictures, paint order) names nothing.
"""
from __future__ import annotations

import io
import zlib
from pathlib import Path
from typing import Any, Callable

import pikepdf
import pytest

from publisher.errors import PublisherError
from publisher.model import Document
from publisher.verify import check, expect
from publisher.verify.difference import Difference
from publisher.verify.expected import Expected
from publisher.verify.pdf_fonts import Fonts
from publisher.verify.pdf_paint import Painter, page_box
from publisher.verify.pdf_pictures import Pictures

#: the seed paragraph the tamperings aim at (page 1), and the headings
SHORT = "纪律严明是我们党的光荣传统和独特优势。"
HEADING_B = "B 锻造高素质干部人才队伍"
HEADING_C = "C 基层党建不断开创新局面"

Instructions = list[Any]


@pytest.fixture(scope="module")
def expected(seed_doc: Document) -> Expected:
    return expect(seed_doc)


@pytest.fixture(scope="module")
def seed_pdf(seed_editions: dict[str, Path]) -> Path:
    return seed_editions["pdf"]


# ---- tampering helpers ---------------------------------------------------------------------

def op(operator: str, *operands: Any) -> Any:
    return pikepdf.ContentStreamInstruction(list(operands), pikepdf.Operator(operator))


def tampered(seed: Path, dest: Path, change: Callable[[pikepdf.Pdf], None], **save: Any) -> Path:
    """A copy of the seed PDF with `change` made to it (the seed itself is never touched)."""
    with pikepdf.open(seed) as pdf:
        change(pdf)
        pdf.save(dest, **save)
    return dest


def edit_page(pdf: pikepdf.Pdf, number: int, change: Callable[[pikepdf.Page, Instructions], Instructions]) -> None:
    """Rewrite the content stream of page `number` (1-based) through `change`."""
    page = pdf.pages[number - 1]
    instructions = list(pikepdf.parse_content_stream(page))
    page.Contents = pdf.make_stream(pikepdf.unparse_content_stream(change(page, instructions)))


def shown_texts(page: pikepdf.Page, instructions: Instructions) -> list[tuple[int, str]]:
    """(index, decoded words) of each text-showing instruction at the page's top level."""
    fonts, names, out = Fonts(), page.Resources.Font, []
    font = None
    for index, instruction in enumerate(instructions):
        operator = str(instruction.operator)
        if operator == "Tf":
            font = names.get(str(instruction.operands[0]))
        elif operator in ("TJ", "Tj"):
            out.append((index, fonts.decode(font, instruction.operands)))
    return out


def showing(page: pikepdf.Page, instructions: Instructions, words: str) -> list[int]:
    """The indices of the text instructions that together show `words` (whitespace aside)."""
    texts = shown_texts(page, instructions)
    joined, owners = "", []
    for index, text in texts:
        text = "".join(text.split())
        joined += text
        owners += [index] * len(text)
    start = joined.find("".join(words.split()))
    assert start >= 0, f"not on the page: {words}"
    return sorted(set(owners[start:start + len("".join(words.split()))]))


def text_objects(instructions: Instructions, shows: list[int]) -> list[tuple[int, int]]:
    """(BT index, ET index) of the text objects holding these text instructions."""
    spans = []
    for index in shows:
        begin = max(k for k in range(index) if str(instructions[k].operator) == "BT")
        end = min(k for k in range(index, len(instructions)) if str(instructions[k].operator) == "ET")
        spans.append((begin, end))
    return sorted(set(spans))


def wrap_words(words: str, before: Instructions) -> Callable[[pikepdf.Page, Instructions], Instructions]:
    """A page change that draws each text object showing `words` as `q <before> BT … ET Q`."""
    def change(page: pikepdf.Page, instructions: Instructions) -> Instructions:
        spans = text_objects(instructions, showing(page, instructions, words))
        out = []
        for k, instruction in enumerate(instructions):
            out += [op("q")] + before if any(k == begin for begin, _ in spans) else []
            out.append(instruction)
            out += [op("Q")] if any(k == end for _, end in spans) else []
        return out
    return change


def points(page: pikepdf.Page) -> list[tuple[float, float, str]]:
    """Where each text of a page is judged (page space), with its words."""
    painter = Painter(page_box(page), set(), Fonts(), Pictures())
    painter.run(page.obj, page.Resources, 0)
    return [(t[1], t[2], painter.fonts.decode(t[6], t[7])) for t in painter.texts]


def box_around(page: pikepdf.Page, words: str) -> tuple[float, float, float, float]:
    """A box in page space that holds every glyph point of the texts showing `words`."""
    wanted = "".join(words.split())
    found = [(x, y) for x, y, text in points(page) if "".join(text.split()) and "".join(text.split()) in wanted]
    assert found, words
    xs, ys = [x for x, _ in found], [y for _, y in found]
    return min(xs) - 4, min(ys) - 4, max(xs) + 30, max(ys) + 8


def paint_over(pdf: pikepdf.Pdf, number: int, drawing: bytes) -> None:
    """Draw `drawing` (page space) over page `number`, after all its own content."""
    page = pdf.pages[number - 1]
    page.contents_coalesce()
    page.Contents.write(b"q\n" + page.Contents.read_bytes() + b"\nQ\n" + drawing)


def named(differences: list[Difference], kind: str, change: str, *words: str) -> Difference:
    """The one difference of this kind and change whose message holds all `words`."""
    found = [d for d in differences if d.kind == kind and d.change == change
             and all(w in d.message() for w in words)]
    assert found, [d.message() for d in differences]
    return found[0]


def form(pdf: pikepdf.Pdf, content: bytes, **resources: Any) -> pikepdf.Stream:
    """A Form XObject of a 1×1 box drawing `content`."""
    return pdf.make_stream(content, Type=pikepdf.Name.XObject, Subtype=pikepdf.Name.Form, BBox=[0, 0, 1, 1],
                           Resources=pikepdf.Dictionary(XObject=pikepdf.Dictionary(**resources)))


def add_annotation(pdf: pikepdf.Pdf, subtype: str, box: tuple[float, float, float, float]) -> None:
    """An annotation on page 1 whose appearance is a white box over `box` (page space)."""
    page = pdf.pages[0]
    x0, y0, x1, y1 = box
    look = pdf.make_stream(f"1 1 1 rg 0 0 {x1 - x0} {y1 - y0} re f".encode(), Type=pikepdf.Name.XObject,
                           Subtype=pikepdf.Name.Form, BBox=[0, 0, x1 - x0, y1 - y0])
    annotation = pdf.make_indirect(pikepdf.Dictionary(Type=pikepdf.Name.Annot, Subtype=pikepdf.Name(subtype),
                                                      Rect=[x0, y0, x1, y1], AP=pikepdf.Dictionary(N=look)))
    page.obj.Annots = pdf.make_indirect(pikepdf.Array([*page.obj.get("/Annots", []), annotation]))


def struct_elements(pdf: pikepdf.Pdf, role: str) -> list[Any]:
    """The tag tree's elements of one role, in document order."""
    found, stack = [], [pdf.Root.StructTreeRoot]
    while stack:
        element = stack.pop(0)
        if isinstance(element, pikepdf.Dictionary):
            found += [element] if element.get("/S") == role else []
            kids = element.get("/K")
            stack[:0] = list(kids) if isinstance(kids, pikepdf.Array) else [] if kids is None else [kids]
    return found


def change_text_objects(words: str, operator: str, change: Callable[[list[Any]], list[Any]]
                        ) -> Callable[[pikepdf.Page, Instructions], Instructions]:
    """A page change that rewrites the operands of `operator` in the text objects showing `words`."""
    def edit(page: pikepdf.Page, instructions: Instructions) -> Instructions:
        for begin, end in text_objects(instructions, showing(page, instructions, words)):
            for k in range(begin, end):
                if str(instructions[k].operator) == operator:
                    instructions[k] = op(operator, *change(list(instructions[k].operands)))
        return instructions
    return edit


def first_picture(change: Callable[[Instructions, int], Instructions]
                  ) -> Callable[[pikepdf.Page, Instructions], Instructions]:
    """A page change applied at the page's first `Do` (the first picture drawn: 图1)."""
    def edit(page: pikepdf.Page, instructions: Instructions) -> Instructions:
        return change(instructions, next(k for k, i in enumerate(instructions) if str(i.operator) == "Do"))
    return edit


def _halve_width(instructions: Instructions, do: int) -> Instructions:
    cm = max(k for k in range(do) if str(instructions[k].operator) == "cm")
    a, *rest = (float(v) for v in instructions[cm].operands)
    instructions[cm] = op("cm", a / 2, *rest)
    return instructions


def _clip_elsewhere(instructions: Instructions, do: int) -> Instructions:
    # in the picture's own space (after its cm): a unit box beside the picture
    return instructions[:do] + [op("q"), op("re", 2, 2, 1, 1), op("W"), op("n"), instructions[do], op("Q")] \
        + instructions[do + 1:]


def _with_actual_text(page: pikepdf.Page, instructions: Instructions) -> Instructions:
    [(begin, end)] = text_objects(instructions, showing(page, instructions, "98"))
    span = op("BDC", pikepdf.Name.Span, pikepdf.Dictionary(ActualText=pikepdf.String("89")))
    return instructions[:begin] + [span] + instructions[begin:end + 1] + [op("EMC")] + instructions[end + 1:]


def _cover(pdf: pikepdf.Pdf) -> None:
    x0, y0, x1, y1 = box_around(pdf.pages[0], SHORT)
    paint_over(pdf, 1, f"1 1 1 rg {x0} {y0} {x1 - x0} {y1 - y0} re f\n".encode())


def _picture_over(pdf: pikepdf.Pdf) -> None:
    x0, y0, x1, y1 = box_around(pdf.pages[0], SHORT)
    name = next(iter(pdf.pages[0].Resources.XObject.keys()))
    paint_over(pdf, 1, f"{x1 - x0} 0 0 {y1 - y0} {x0} {y0} cm {name} Do\n".encode())


def _transparent(pdf: pikepdf.Pdf) -> None:
    pdf.pages[0].Resources.ExtGState.Clear = pikepdf.Dictionary(ca=0)
    edit_page(pdf, 1, wrap_words(SHORT, [op("gs", pikepdf.Name("/Clear"))]))


def _crop_lower_half(pdf: pikepdf.Pdf) -> None:
    _, _, width, height = (float(v) for v in pdf.pages[0].MediaBox)
    pdf.pages[0].CropBox = [0, height / 2, width, height]


def _bookmark_c_to_page_1(pdf: pikepdf.Pdf) -> None:
    with pdf.open_outline() as tree:
        [item] = [i for i in tree.root[0].children if i.title == HEADING_C]
        item.destination = pikepdf.Array([pdf.pages[0].obj, pikepdf.Name.XYZ, 0, 1100, 0])


def _retag_heading_b(pdf: pikepdf.Pdf) -> None:
    struct_elements(pdf, "/H2")[1].S = pikepdf.Name.P  # the second section heading: B


def _invert_picture_1(pdf: pikepdf.Pdf) -> None:
    with_decode = pikepdf.Array([1, 0, 1, 0, 1, 0])
    page = pdf.pages[0]
    first = next(i for i in pikepdf.parse_content_stream(page, "Do"))
    page.Resources.XObject[first.operands[0]].Decode = with_decode


def _mask_picture_1_away(pdf: pikepdf.Pdf) -> None:
    """A soft mask of zeros (nothing of the picture shows) on the first picture drawn."""
    page = pdf.pages[0]
    first = next(i for i in pikepdf.parse_content_stream(page, "Do"))
    mask = pdf.make_stream(zlib.compress(bytes(64)), Type=pikepdf.Name.XObject, Subtype=pikepdf.Name.Image,
                           Width=8, Height=8, ColorSpace=pikepdf.Name.DeviceGray, BitsPerComponent=8,
                           Filter=pikepdf.Name.FlateDecode)
    page.Resources.XObject[first.operands[0]].SMask = mask


def _dark_badge_text(page: pikepdf.Page, instructions: Instructions) -> Instructions:
    """The masthead's white "要闻" on its red box, drawn in the box's own red."""
    return wrap_words("要闻", [op("rg", 0.701961, 0.105882, 0.105882)])(page, instructions)


def _garbled_operators(page: pikepdf.Page, instructions: Instructions) -> Instructions:
    """Operators with wrong operands (viewers skip them), then the paragraph invisible."""
    garbage = [op("Tm", pikepdf.String("x")), op("cm", 1, 2), op("Tf"), op("re", pikepdf.Name.A, 1, 2, 3),
               op("Do", 7), op("gs", pikepdf.Name("/Nowhere")), op("Q"), op("EMC"), op("cs", pikepdf.Name("/Nope")),
               op("scn", pikepdf.Name("/P0")), op("d0", 1), op("TJ", 5), op("Tr", pikepdf.Name.X)]
    return garbage + wrap_words(SHORT, [op("Tr", 3)])(page, instructions)


def _on_page_1(change: Callable[[pikepdf.Page, Instructions], Instructions]) -> Callable[[pikepdf.Pdf], None]:
    return lambda pdf: edit_page(pdf, 1, change)


def _set(target: str, key: str, value: str) -> Callable[[pikepdf.Pdf], None]:
    def change(pdf: pikepdf.Pdf) -> None:
        (pdf.Root if target == "root" else pdf.docinfo)[key] = pikepdf.String(value)
    return change


#: tampering → (change, kind, change, words the message must hold, other kinds it may cause)
HIDDEN = f'"{SHORT}"'
TAMPERS: dict[str, tuple[Callable[[pikepdf.Pdf], None], str, str, tuple[str, ...], set[str]]] = {
    "render mode 3": (_on_page_1(wrap_words(SHORT, [op("Tr", 3)])), "text", "hidden",
                      (HIDDEN, "is drawn invisible (text render mode 3)", "on page 1"), set()),
    "white on the white page": (_on_page_1(wrap_words(SHORT, [op("rg", 1, 1, 1)])), "text", "hidden",
                                (HIDDEN, "is drawn in white on white", "on page 1"), set()),
    "red on its red badge": (_on_page_1(_dark_badge_text), "text", "hidden",
                             ('"要闻"', "is drawn in #b31b1b on #b31b1b", "on page 1"), set()),
    "a white box over it": (_cover, "text", "hidden", (HIDDEN, "is covered by a white box drawn over it", "page 1"),
                            set()),
    "a picture over it": (_picture_over, "text", "hidden", (HIDDEN, "is covered by a picture", "page 1"),
                          {"figures"}),
    "clipped away": (_on_page_1(wrap_words(SHORT, [op("re", 0, 0, 10, 10), op("W"), op("n")])), "text", "hidden",
                     (HIDDEN, "is clipped away", "on page 1"), set()),
    "font size 0.1": (_on_page_1(change_text_objects(SHORT, "Tf", lambda o: [o[0], 0.1])), "text", "hidden",
                      (HIDDEN, "is drawn 0.1 pt high", "on page 1"), set()),
    "alpha 0": (_transparent, "text", "hidden", (HIDDEN, "is drawn fully transparent", "on page 1"), set()),
    "moved off the page": (_on_page_1(change_text_objects(SHORT, "Tm", lambda o: o[:4] + [float(o[4]) + 5000, o[5]])),
                           "text", "hidden", (HIDDEN, "is drawn off the page", "on page 1"), set()),
    "crop box without the lower half": (_crop_lower_half, "text", "hidden",
                                        (SHORT, "is drawn off the page", "on page 1"), set()),
    "ActualText for a number": (_on_page_1(_with_actual_text), "text", "replaced",
                                ('"98" is copied and read aloud as "89" (ActualText)', "on page 1"), {"numbers"}),
    "a /Square annotation": (lambda pdf: add_annotation(pdf, "/Square", box_around(pdf.pages[0], SHORT)), "text",
                             "hidden", (HIDDEN, "is covered by an annotation (/Square) drawn over it", "page 1"),
                             set()),
    "a /FreeText annotation": (lambda pdf: add_annotation(pdf, "/FreeText", box_around(pdf.pages[0], SHORT)),
                               "text", "hidden", (HIDDEN, "is covered by an annotation (/FreeText)", "page 1"),
                               set()),
    "an annotation beside the text": (lambda pdf: add_annotation(pdf, "/Stamp", (1, 1, 20, 20)), "structure",
                                      "annotation", ("an annotation (/Stamp) is drawn on the page on page 1",),
                                      set()),
    "a bookmark to the wrong page": (_bookmark_c_to_page_1, "structure", "bookmark",
                                     (f'"{HEADING_C}" leads to page 1, where it is not printed',), set()),
    "a heading tagged P": (_retag_heading_b, "structure", "tags",
                           (f'"{HEADING_B}" is not tagged as a heading in the tag tree',), set()),
    "a paragraph tagged H2": (lambda pdf: setattr(struct_elements(pdf, "/P")[4], "S", pikepdf.Name.H2), "structure",
                              "tags", ("is tagged H2, a heading, but has no bookmark",), set()),
    "/Lang changed": (_set("root", "/Lang", "en-US"), "structure", "language",
                      ('language "zh-CN" is "en-US" in the file\'s metadata',), set()),
    "/Author changed": (_set("info", "/Author", "张三、江组轩"), "structure", "authors",
                        ('"张三"; "江组轩" in the file\'s metadata',), set()),
    "a picture squashed": (_on_page_1(first_picture(_halve_width)), "figures", "drawn",
                           ("图1 is drawn squashed (226×301 pt for a 3:2 picture)", "on page 1"), set()),
    "a picture inverted": (_invert_picture_1, "figures", "drawn",
                           ("图1 is drawn inverted", "on page 1"), set()),
    "a picture masked away": (_mask_picture_1_away, "figures", "drawn",
                              ("图1 is drawn fully transparent", "on page 1"), set()),
    "a picture clipped away": (_on_page_1(first_picture(_clip_elsewhere)), "figures", "drawn",
                               ("图1 is clipped away", "on page 1"), set()),
    # poppler loses the page's text after such operators: the text check names much, this the hiding
    "garbled operators, then text hidden": (_on_page_1(_garbled_operators), "text", "hidden",
                                            (HIDDEN, "text render mode 3", "on page 1"),
                                            {"headings", "figures", "numbers", "structure"}),
}


@pytest.mark.parametrize("tampering", list(TAMPERS))
def test_every_tampering_is_named(tampering: str, seed_pdf: Path, expected: Expected, tmp_path: Path) -> None:
    change, kind, what, words, others = TAMPERS[tampering]
    result = check(expected, tampered(seed_pdf, tmp_path / "tampered.pdf", change))
    named(result.differences, kind, what, *words)
    assert {d.kind for d in result.differences} <= {kind} | others, [d.message() for d in result.differences]


def test_text_off_the_page_is_also_missing_from_the_text(seed_pdf: Path, expected: Expected, tmp_path: Path) -> None:
    """pdftotext leaves out text off the MediaBox, but keeps text outside the CropBox: there the
    interpreter alone sees that no reader does."""
    change = _on_page_1(change_text_objects(SHORT, "Tm", lambda o: o[:4] + [float(o[4]) + 5000, o[5]]))
    result = check(expected, tampered(seed_pdf, tmp_path / "off.pdf", change))
    named(result.differences, "text", "missing", SHORT)
    cropped = check(expected, tampered(seed_pdf, tmp_path / "crop.pdf", _crop_lower_half))
    assert [d.change for d in cropped.differences] == ["hidden"] * len(cropped.differences) != []


#: drawing without end, and a content stream qpdf cannot decode: exit 2, one line
BROKEN: dict[str, tuple[Callable[[pikepdf.Pdf], None], str]] = {
    "fan-out bomb": (lambda pdf: _draw_on_page_1(pdf, _bomb(pdf)), "PDF draws too many nested objects on page 1"),
    "a form drawing itself": (lambda pdf: _draw_on_page_1(pdf, _cycle(pdf)),
                              "PDF draws a form that draws itself on page 1"),
    "undecodable content": (lambda pdf: _undecodable(pdf), "not a readable PDF"),
}


def _bomb(pdf: pikepdf.Pdf) -> pikepdf.Stream:
    """Five levels of forms, each drawing the next 100 times: 10^10 draws."""
    drawn = form(pdf, b"0 0 1 1 re f")
    for _ in range(5):
        drawn = form(pdf, b"/X Do " * 100, X=drawn)
    return drawn


def _cycle(pdf: pikepdf.Pdf) -> pikepdf.Stream:
    first = form(pdf, b"/Next Do")
    second = form(pdf, b"/Next Do", Next=first)
    first.Resources.XObject.Next = second
    return first


def _draw_on_page_1(pdf: pikepdf.Pdf, drawn: pikepdf.Stream) -> None:
    pdf.pages[0].Resources.XObject.Drawn = drawn
    paint_over(pdf, 1, b"/Drawn Do\n")


def _undecodable(pdf: pikepdf.Pdf) -> None:
    pdf.pages[0].contents_coalesce()
    pdf.pages[0].Contents.write(b"not deflated at all", filter=pikepdf.Name.FlateDecode)


@pytest.mark.parametrize("breakage", list(BROKEN))
def test_a_pdf_that_cannot_be_read_safely_is_bad_input(breakage: str, seed_pdf: Path, expected: Expected,
                                                       tmp_path: Path) -> None:
    change, message = BROKEN[breakage]
    path = tampered(seed_pdf, tmp_path / "broken.pdf", change)
    with pytest.raises(PublisherError) as raised:
        check(expected, path)
    assert message in str(raised.value) and str(path) in str(raised.value) and "\n" not in str(raised.value)


def test_the_bomb_is_exit_2_on_the_command_line(seed_pdf: Path, tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    from publisher.cli import main
    from .conftest import SEED
    path = tampered(seed_pdf, tmp_path / "bomb.pdf", lambda pdf: _draw_on_page_1(pdf, _bomb(pdf)))
    assert main(["verify", str(SEED), str(path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "too many nested objects on page 1" in err


# ---- the same file, saved otherwise: nothing to name ----------------------------------------

def _reencode_pictures(pdf: pikepdf.Pdf, jpeg: bool) -> None:
    for page in pdf.pages:
        for image in page.Resources.XObject.values():
            picture = pikepdf.PdfImage(image).as_pil_image().convert("RGB")
            if jpeg:
                data = io.BytesIO()
                picture.save(data, "JPEG", quality=95)
                image.write(data.getvalue(), filter=pikepdf.Name.DCTDecode)
            else:
                image.write(zlib.compress(picture.tobytes()), filter=pikepdf.Name.FlateDecode)


def _swap_two_rule_blocks(page: pikepdf.Page, instructions: Instructions) -> Instructions:
    """Two of the masthead's artifacts (the band and the column rules: apart on the page) in
    the other order."""
    blocks, depth, start = [], 0, 0
    for k, instruction in enumerate(instructions):
        operator = str(instruction.operator)
        if operator in ("BMC", "BDC"):
            start, depth = (k if depth == 0 else start), depth + 1
        elif operator == "EMC":
            depth -= 1
            blocks += [(start, k)] if depth == 0 and str(instructions[start].operator) == "BMC" else []
    (a0, a1), (b0, b1) = blocks[1], blocks[2]
    assert a1 + 1 == b0
    return instructions[:a0] + instructions[b0:b1 + 1] + instructions[a0:a1 + 1] + instructions[b1 + 1:]


def _split_contents(pdf: pikepdf.Pdf) -> None:
    page = pdf.pages[0]
    instructions = list(pikepdf.parse_content_stream(page))
    half = len(instructions) // 2
    page.Contents = pikepdf.Array([pdf.make_stream(pikepdf.unparse_content_stream(part))
                                   for part in (instructions[:half], instructions[half:])])


#: control → (change, pikepdf save options)
CONTROLS: dict[str, tuple[Callable[[pikepdf.Pdf], None], dict[str, Any]]] = {
    "re-saved": (lambda pdf: None, {}),
    "object streams generated": (lambda pdf: None, {"object_stream_mode": pikepdf.ObjectStreamMode.generate}),
    "object streams disabled": (lambda pdf: None, {"object_stream_mode": pikepdf.ObjectStreamMode.disable}),
    "streams decompressed": (lambda pdf: None, {"compress_streams": False}),
    "streams recompressed": (lambda pdf: None, {"recompress_flate": True}),
    "linearised": (lambda pdf: None, {"linearize": True}),
    "pictures re-encoded losslessly": (lambda pdf: _reencode_pictures(pdf, jpeg=False), {}),
    "pictures re-encoded as JPEG": (lambda pdf: _reencode_pictures(pdf, jpeg=True), {}),
    "paint order of blocks apart": (_on_page_1(_swap_two_rule_blocks), {}),
    "content split in two streams": (_split_contents, {}),
}


@pytest.mark.parametrize("control", list(CONTROLS))
def test_the_same_pdf_saved_otherwise_agrees(control: str, seed_pdf: Path, expected: Expected,
                                             tmp_path: Path) -> None:
    change, options = CONTROLS[control]
    result = check(expected, tampered(seed_pdf, tmp_path / "same.pdf", change, **options))
    assert result.differences == [], [d.message() for d in result.differences]


def test_the_seed_sets_white_text_on_its_dark_boxes_visibly(seed_pdf: Path) -> None:
    """The masthead and the section badges set white text on dark boxes: seen, not hidden."""
    with pikepdf.open(seed_pdf) as pdf:
        painter = Painter(page_box(pdf.pages[0]), set(), Fonts(), Pictures())
        painter.run(pdf.pages[0].obj, pdf.pages[0].Resources, 0)
        painter.result()
        white = [painter.fonts.decode(t[6], t[7]) for t, reason in zip(painter.texts, painter.reasons)
                 if t[3] is not None and t[3][1] == "white" and not reason]
    assert "要闻" in white and "A" in white
