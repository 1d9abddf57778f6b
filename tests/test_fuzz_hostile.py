"""Property-based attacks: generated hostile Markdown, and written editions mutated byte by byte.

Whatever comes in, the command line ends in 0, 1 or 2 with one line per problem, never in an
internal error (exit 3). CI runs a few examples; `make fuzz` runs many (HYPOTHESIS_PROFILE=long).
"""
from __future__ import annotations

import io
import os
import shutil
import zipfile
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from publisher import cli

from .conftest import SEED

settings.register_profile("ci", max_examples=6, deadline=None, derandomize=True,
                          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
settings.register_profile("long", max_examples=80, deadline=None,
                          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

IMAGES = Path(__file__).parent / "sources" / "images"

# ---- hostile Markdown ------------------------------------------------------------------

TAGS = ["div", "span", "table", "tr", "td", "th", "img", "a", "script", "style", "details", "summary", "sup",
        "sub", "figure", "figcaption", "h2", "p", "br", "iframe", "svg", "math", "font", "center", "pre", "code",
        "ul", "li", "video", "object", "template", "noscript", "xmp", "plaintext", "!--"]
ATTRS = ["id", "class", "style", "src", "href", "alt", "width", "onerror", "align", "data-x", "xmlns", "colspan"]
VALUES = ["x", "", "javascript:alert(1)", "images/map.jpg", "../../etc/passwd", "&amp;&#0;&#x110000;", "\"'<>",
          "url(http://example.org/x)", "50%", "zoom:50%", "#top", "data:text/html,<b>", "9" * 30]
#: text of every script and trouble: Han, Latin, RTL, combining marks, emoji, controls, odd spaces
unicode_text = st.text(alphabet=st.characters(blacklist_categories=("Cs",), max_codepoint=0x10FFFF), max_size=30)
words = st.one_of(unicode_text, st.sampled_from(["党建工作", "Jiangmen", "مرحبا", "e\u0301", "👩‍💻", "\u202e",
                                                 "\x07", "\u2028", "98次", "[", "]", "(", ")", "`", "*", "_", "~",
                                                 "==", "^", "$x$", "{#id .c k=v}", "[^1]", "^[note]", "<", "&"]))
attribute = st.builds(lambda n, v, q: f' {n}={q}{v}{q}', st.sampled_from(ATTRS), st.sampled_from(VALUES),
                      st.sampled_from(['"', "'", ""]))
raw_tag = st.builds(lambda t, a, inner, close: f"<{t}{''.join(a)}>{inner}" + (f"</{t}>" if close else ""),
                    st.sampled_from(TAGS), st.lists(attribute, max_size=3), words, st.booleans())
inline = st.lists(st.one_of(words, raw_tag, st.builds(lambda t, u: f"[{t}]({u})", words, st.sampled_from(VALUES)),
                            st.builds(lambda t: f"![{t}](images/map.jpg)", words)), min_size=1, max_size=6).map("".join)


def nested(depth: int, text: str, marks: list[str]) -> str:
    return "".join(f"{'  ' * n}{marks[n % len(marks)]} {text}\n" for n in range(depth))


block = st.one_of(
    inline,
    st.builds(lambda h, t: f"{'#' * h} {t}", st.integers(1, 6), inline),
    st.builds(nested, st.integers(1, 45), inline, st.sampled_from([["-"], ["1."], [">"], ["-", ">"]])),
    st.builds(lambda t: f"```\n{t}\n```", inline),
    st.builds(lambda a, b: f"| {a} | {b} |\n|---|---|\n| {b} | {a} |", inline, inline),
    st.builds(lambda t, a: f"{t}\n{{: {a.strip()}}}", inline, attribute),
    st.builds(lambda t: f"[^1]: {t}\n\nref[^1]", inline),
)
front = st.sampled_from(["---\ntitle: 攻击\n---\n", "", "+++\ntitle = \"x\"\n+++\n", "% 标题\n% 作者\n% 2025-01-01\n",
                         "---\ntitle: x\nauthor: [{name: 甲}, 乙]\ndate: 2025-13-40\n---\n", "Title: x\nAuthor: y\n\n"])
hostile_document = st.builds(lambda f, blocks: f + "\n" + "\n\n".join(blocks) + "\n", front,
                             st.lists(block, min_size=1, max_size=6))


def run(*args: str) -> tuple[int, str]:
    """The command line in this process: (exit code, what it printed on stderr)."""
    err = io.StringIO()
    with redirect_stdout(io.StringIO()), redirect_stderr(err):
        code = cli.main(list(args))
    return code, err.getvalue()


def assert_handled(code: int, err: str, allowed: tuple[int, ...]) -> None:
    assert code in allowed, err
    assert "internal error" not in err and "Traceback" not in err, err
    if code == 2:  # bad input: one line per problem, each naming what to fix
        assert all(line.startswith(("publisher: error: ", "publisher: warning: ", "publisher: "))
                   for line in err.splitlines()), err


@given(hostile_document)
def test_hostile_markdown_never_ends_in_an_internal_error(tmp_path_factory: pytest.TempPathFactory,
                                                         text: str) -> None:
    folder = tmp_path_factory.mktemp("hostile")
    shutil.copytree(IMAGES, folder / "images")
    source = folder / "doc.md"
    source.write_text(text, encoding="utf-8", errors="surrogatepass")
    code, err = run("build", str(source), "--formats", "html,docx,epub", "--out", str(folder / "out"))
    assert_handled(code, err, (0, 2))
    if code == 0:
        code, err = run("verify", str(source), "--out", str(folder / "out"))
        assert_handled(code, err, (0, 1, 2))


# ---- mutated editions --------------------------------------------------------------------

@pytest.fixture(scope="module")
def seed_built(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    out = tmp_path_factory.mktemp("seed-editions")
    assert run("build", str(SEED), "--out", str(out))[0] == 0
    return {fmt: (out / f"{SEED.stem}.{fmt}").read_bytes() for fmt in ("pdf", "docx", "html", "epub")}


def mutate(data: bytes, edits: list[tuple[str, int, int, bytes]]) -> bytes:
    """Apply byte edits: cut the end, flip a byte, delete a range, insert bytes."""
    for kind, where, size, extra in edits:
        if not data:
            break
        at = where % len(data)
        if kind == "cut":
            data = data[:at]
        elif kind == "flip":
            data = data[:at] + bytes([data[at] ^ (size % 255 + 1)]) + data[at + 1:]
        elif kind == "delete":
            data = data[:at] + data[at + size:]
        else:
            data = data[:at] + extra + data[at:]
    return data


def mutate_member(data: bytes, pick: int, edits: list[tuple[str, int, int, bytes]]) -> bytes:
    """A zip package with one member's bytes mutated and the package itself sound."""
    source = zipfile.ZipFile(io.BytesIO(data))
    names = source.namelist()
    chosen = names[pick % len(names)]
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for name in names:
            body = source.read(name)
            target.writestr(name, mutate(body, edits) if name == chosen else body)
    return out.getvalue()


EDITS = st.lists(st.tuples(st.sampled_from(["cut", "flip", "delete", "insert"]), st.integers(0, 10**7),
                           st.integers(1, 400), st.sampled_from([b"<", b"\x00", b"]]>", b"<!ENTITY a 'b'>", b"&a;",
                                                                 b"(", b"\xff\xfe", b"<w:p>", b"BT /F1 1 Tf ET"])),
                 min_size=1, max_size=4)


@given(st.sampled_from(["pdf", "docx", "html", "epub"]), st.booleans(), st.integers(0, 1000), EDITS)
def test_mutated_editions_never_end_verify_in_an_internal_error(seed_built: dict[str, bytes],
                                                                tmp_path_factory: pytest.TempPathFactory,
                                                                fmt: str, inside: bool, pick: int,
                                                                edits: list[tuple[str, int, int, bytes]]) -> None:
    data = seed_built[fmt]
    zipped = fmt in ("docx", "epub")
    data = mutate_member(data, pick, edits) if zipped and inside else mutate(data, edits)
    folder = tmp_path_factory.mktemp("mutated")
    edition = folder / f"{SEED.stem}.{fmt}"
    edition.write_bytes(data)
    code, err = run("verify", str(SEED), str(edition))
    assert_handled(code, err, (0, 1, 2))
