"""The command line as an editor meets it: --version, --debug anywhere, --json, -o, several sources,
standard input, did-you-mean for layouts, and layout.yaml typos refused."""
from __future__ import annotations

import importlib.metadata
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

from publisher import layout as layouts
from publisher import layout_check
from publisher.errors import LayoutError

from .conftest import ROOT, assert_one_line_error

GOOD = "---\ntitle: 好稿\n---\n\n正文一段。\n\n![图一](x.png)\n"
BAD = "---\ntitle: 坏稿\n---\n\n正文。\n\n![图二](nope.png)\n"
WARNED = "---\ntitle: 有警告\n---\n\n正文。\n\n![](x.png)\n"


def run(*args: object, cwd: Path = ROOT, env: dict[str, str] | None = None,
        stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "publisher", *map(str, args)], capture_output=True, text=True,
                          cwd=cwd, env=env, input=stdin, timeout=300, check=False)


def folder(tmp_path: Path, **sources: str) -> Path:
    """`tmp_path` with a picture x.png and each source `<name>.md`."""
    Image.new("RGB", (400, 300), (90, 30, 160)).save(tmp_path / "x.png")
    for name, text in sources.items():
        (tmp_path / f"{name}.md").write_text(text, encoding="utf-8")
    return tmp_path


# ---- version and --debug -------------------------------------------------------------

@pytest.mark.parametrize("flag", ["--version", "-V"])
def test_version_prints_the_package_version(flag: str) -> None:
    result = run(flag)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"publisher {importlib.metadata.version('publisher')}"


def test_debug_is_taken_after_the_command(tmp_path: Path) -> None:
    work = folder(tmp_path, doc=GOOD)
    result = run("build", work / "doc.md", "--formats", "html", "--out", work / "out", "--debug")
    assert result.returncode == 0, result.stderr
    assert (work / "out" / "doc.html").is_file()


# ---- --json ----------------------------------------------------------------------------

def test_build_json_lists_what_was_written_and_each_warning(tmp_path: Path) -> None:
    work = folder(tmp_path, doc=WARNED)
    result = run("build", "doc.md", "--formats", "html", "--out", "out", "--json", cwd=work)
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["ok"] is True and data["errors"] == []
    assert data["written"] == {"html": "out/doc.html"}
    [warning] = data["warnings"]
    assert warning["file"] == "doc.md" and warning["line"] == 7 and warning["message"].startswith("doc.md:7: ")
    assert result.stderr == ""  # the warnings are in the JSON


def test_build_json_gives_errors_as_json_with_exit_2(tmp_path: Path) -> None:
    work = folder(tmp_path, bad=BAD)
    result = run("build", "bad.md", "--formats", "html", "--out", "out", "--json", cwd=work)
    assert_one_line_error(result, "bad.md:7: image 'nope.png' not found")
    data = json.loads(result.stdout)
    assert data["ok"] is False and data["written"] == {}
    assert [(e["file"], e["line"]) for e in data["errors"]] == [("bad.md", 7)]
    assert "image 'nope.png' not found" in data["errors"][0]["message"]


def test_preflight_json_gives_its_error_as_json(tmp_path: Path) -> None:
    work = folder(tmp_path, doc=GOOD)
    result = run("preflight", "doc.md", "--out", "out", "--json", cwd=work)
    assert_one_line_error(result, "PDF not found", "publisher build doc.md --formats pdf")
    data = json.loads(result.stdout)
    assert data["ok"] is False and data["findings"] == [] and data["errors"][0]["cause"] == "PDF not found"


# ---- -o, several sources, standard input ---------------------------------------------

def test_output_file_picks_the_edition_from_its_suffix(tmp_path: Path) -> None:
    work = folder(tmp_path, doc=GOOD)
    result = run("build", "doc.md", "-o", "final/report.html", cwd=work)
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in (work / "final").iterdir()) == ["report.html"]
    assert "图一" in (work / "final" / "report.html").read_text(encoding="utf-8")


@pytest.mark.parametrize("name, expected", [
    ("report.mobi", "report.mobi: unknown output format '.mobi' (end the file name in .pdf, .docx, .html or .epub)"),
    ("report", "report: no file suffix to tell the edition by"),
])
def test_output_file_with_an_unknown_suffix_is_one_line(name: str, expected: str, tmp_path: Path) -> None:
    work = folder(tmp_path, doc=GOOD)
    assert_one_line_error(run("build", "doc.md", "-o", name, cwd=work), expected)
    assert not (work / name).exists()


def test_output_file_and_formats_must_agree(tmp_path: Path) -> None:
    work = folder(tmp_path, doc=GOOD)
    assert_one_line_error(run("build", "doc.md", "-o", "r.pdf", "--formats", "html", cwd=work),
                   "-o r.pdf makes the pdf edition, but --formats asks for html")


def test_several_sources_build_each_and_name_the_bad_ones(tmp_path: Path) -> None:
    work = folder(tmp_path, one=GOOD, bad=BAD, two=GOOD)
    result = run("build", "one.md", "bad.md", "two.md", "--formats", "html", "--out", "out", cwd=work)
    assert result.returncode == 2, result.stderr
    assert sorted(p.name for p in (work / "out").iterdir()) == ["one.html", "two.html"]
    lines = result.stderr.strip().splitlines()
    assert lines == ["publisher: error: bad.md:7: image 'nope.png' not found (looked in " + str(work) + ")",
                     "publisher: error: 1 of 3 sources not built: bad.md"]


def test_several_sources_as_json_are_a_list(tmp_path: Path) -> None:
    work = folder(tmp_path, one=GOOD, bad=BAD)
    result = run("build", "one.md", "bad.md", "--formats", "html", "--out", "out", "--json", cwd=work)
    assert result.returncode == 2
    assert [(b["source"], b["ok"]) for b in json.loads(result.stdout)] == [("one.md", True), ("bad.md", False)]


def test_standard_input_is_a_source_in_the_current_folder(tmp_path: Path) -> None:
    work = folder(tmp_path)
    result = run("build", "-", "--formats", "html", "--out", "out", cwd=work, stdin=GOOD)
    assert result.returncode == 0, result.stderr
    assert "图一" in (work / "out" / "stdin.html").read_text(encoding="utf-8")  # x.png found beside it
    assert sorted(p.name for p in work.iterdir()) == ["out", "x.png"]  # no staging file left behind


def test_errors_in_standard_input_name_it(tmp_path: Path) -> None:
    work = folder(tmp_path)
    assert_one_line_error(run("build", "-", "--formats", "html", "--out", "out", cwd=work, stdin=BAD),
                   "<stdin>:7: image 'nope.png' not found")
    assert sorted(p.name for p in work.iterdir()) == ["x.png"]


def test_help_says_how_standard_input_finds_its_images() -> None:
    assert "current folder" in " ".join(run("build", "--help").stdout.split())


# ---- layouts ---------------------------------------------------------------------------

def layout_env(tmp_path: Path, name: str, text: str) -> dict[str, str]:
    """A copy of the layouts with one more, and the environment that makes the build use it."""
    shutil.copytree(ROOT / "layouts", tmp_path / "layouts")
    (tmp_path / "layouts" / name).mkdir()
    (tmp_path / "layouts" / name / "layout.yaml").write_text(text, encoding="utf-8")
    return {**os.environ, "PUBLISHER_LAYOUTS": str(tmp_path / "layouts")}


def test_an_unknown_layout_gets_the_nearest_name(tmp_path: Path) -> None:
    work = folder(tmp_path, doc=GOOD)
    assert_one_line_error(run("build", "doc.md", "--layout", "newpaper", "--formats", "html", cwd=work),
                   "unknown layout 'newpaper' (did you mean 'newspaper'? known layouts: ")


TYPOS = {
    "bleeed": ("extends: newspaper\npdf:\n  marks: crop\n  bleeed: 3mm\n",
               "typo/layout.yaml:4: unknown layout setting 'pdf.bleeed' (did you mean 'pdf.bleed'?)"),
    "crops": ("extends: newspaper\npdf:\n  marks: crops\n",
              "typo/layout.yaml:3: pdf.marks 'crops' is not a kind of printer's marks (did you mean 'crop'?"),
    "sideways": ("extends: newspaper\npdf:\n  page:\n    size: A9 sideways\n",
                 "typo/layout.yaml:4: pdf.page.size 'A9 sideways' is not a page size"),
    "extends": ("# a typo in the layout it extends\nextends: newspapr\n",
                "typo/layout.yaml:2: extends: unknown layout 'newspapr' (did you mean 'newspaper'?"),
}


@pytest.mark.parametrize("case", sorted(TYPOS))
def test_a_layout_typo_stops_the_build(case: str, tmp_path: Path) -> None:
    text, expected = TYPOS[case]
    env = layout_env(tmp_path, "typo", text)
    work = folder(tmp_path, doc=GOOD)
    assert_one_line_error(run("build", "doc.md", "--layout", "typo", "--formats", "html", cwd=work, env=env), expected)
    assert not (work / "output").exists()


@pytest.mark.parametrize("text, expected", [
    ("extends: newspaper\nlables: {}\n", "unknown layout setting 'lables' (did you mean 'labels'?)"),
    ("extends: newspaper\nfoo: 1\n", "the settings are: docx, epub, extends, html, labels, pdf, reference_docx"),
    ("extends: newspaper\npdf:\n  page:\n    size: A4 lanscape\n", "did you mean 'landscape'?"),
    ("extends: newspaper\npdf:\n  variant: pdf/ua-3\n", "pdf.variant 'pdf/ua-3' is not a PDF variant"),
    ("extends: newspaper\npdf:\n  lead_figure: 'no'\n", "pdf.lead_figure 'no' is not true or false"),
    ("extends: department\ndocx:\n  styles:\n    Quote: {align: centre}\n",
     "docx.styles.Quote.align 'centre' is not an alignment (did you mean 'center'?"),
    ("extends: department\ndocx:\n  language_styles:\n    en:\n      Quote: {colour: red}\n",
     "'docx.language_styles.en.Quote.colour' (did you mean 'docx.language_styles.en.Quote.color'?)"),
    ("extends: department\ndocx:\n  front:\n    - {field: titel, style: Title}\n",
     "docx.front: unknown front-matter field 'titel' (did you mean 'title'?"),
    ("extends: ereader\nlabels:\n  fr: {figure: 'Fig. {number}', contnets: Sommaire}\n",
     "'labels.fr.contnets' (did you mean 'labels.fr.contents'?)"),
    ("extends: 5\n", "extends 5 is not a layout name"),
])
def test_layout_keys_and_closed_values_are_checked(text: str, expected: str, tmp_path: Path) -> None:
    layout_env(tmp_path, "typo", text)
    with pytest.raises(LayoutError, match="typo/layout.yaml") as raised:
        layouts.load("typo", tmp_path / "layouts")
    assert expected in str(raised.value)


@pytest.mark.parametrize("text", [
    "extends: newspaper\npdf:\n  page: {size: A4 landscape}\n  marks: crop cross\n  bleed: 3mm\n",
    "extends: newspaper\npdf:\n  page: {size: 210mm 297mm}\n  marks: true\n  variant: ''\n",
    "extends: department\ndocx:\n  toc: {title: 目录, levels: '1-2', title_style: TOC Heading, entry_styles: [toc 1]}\n"
    "  figure: {spread: false, lead_figure: true}\n  styles:\n    Note: {based_on: Normal, keep_together: true}\n",
    "extends: ereader\nhtml:\n  figure_label: 'Fig. {number}'\n  toc_title: Inhalt\nlabels:\n  de: {figure: 'Abb. {number}'}\n",
    "extends: newspaper\nreference_docx: ref.docx\n# bleeed: 3mm is a comment\n",
])
def test_what_the_code_reads_is_accepted(text: str, tmp_path: Path) -> None:
    layout_env(tmp_path, "fine", text)
    layouts.load("fine", tmp_path / "layouts")


@pytest.mark.parametrize("name", sorted(p.name for p in (ROOT / "layouts").iterdir() if p.is_dir()))
def test_every_bundled_layout_passes_the_check(name: str) -> None:
    layouts.load(name)


def test_key_line_passes_over_comments() -> None:
    text = "# pdf:\n#   bleed: 1\npdf:\n  # bleed here\n  bleed: 2\n"
    assert layout_check.key_line(text, ("pdf", "bleed")) == 5


def test_the_closed_sets_are_weasyprints() -> None:
    """The check must not import WeasyPrint (only the PDF renderer does): its lists are copied, and kept equal here."""
    from weasyprint.css.computed_values import PAGE_SIZES
    from weasyprint.pdf import VARIANTS
    assert layout_check.PAGE_SIZES == set(PAGE_SIZES)
    assert layout_check.PDF_VARIANTS == set(VARIANTS)


# ---- what a new editor met (a walk through the README from a fresh clone) -----------------

@pytest.mark.parametrize("suffix, kind", [("pdf", "a PDF"), ("docx", "a Word, EPUB or zip file"),
                                          ("png", "a PNG picture")])
def test_an_edition_or_picture_given_as_the_source_is_named_for_what_it_is(tmp_path: Path, suffix: str,
                                                                          kind: str) -> None:
    work = folder(tmp_path, doc=GOOD)
    assert run("build", "doc.md", "--formats", "pdf,docx", "--out", "out", cwd=work).returncode == 0
    given = {"pdf": "out/doc.pdf", "docx": "out/doc.docx", "png": "x.png"}[suffix]
    for command in ("build", "verify", "preflight"):
        assert_one_line_error(run(command, given, cwd=work), f"{given}: this is {kind}, not a Markdown source",
                              "give the .md file the editions are made from")


def test_the_command_forgotten_is_offered(tmp_path: Path) -> None:
    assert_one_line_error(run("doc.md", cwd=folder(tmp_path, doc=GOOD)),
                          "'doc.md' is not a command (did you mean 'publisher build doc.md'?)")


def test_a_layout_the_front_matter_names_is_named_at_its_line(tmp_path: Path) -> None:
    work = folder(tmp_path, doc="---\ntitle: 版式\nlayouts:\n  html: ereader\n  pdf: newspapr\n---\n\n正文。\n")
    assert_one_line_error(run("build", "doc.md", "--formats", "pdf", cwd=work),
                          "doc.md:5: layouts: unknown layout 'newspapr' (did you mean 'newspaper'?")


def test_a_missing_picture_offers_the_one_beside_it(tmp_path: Path) -> None:
    work = folder(tmp_path, doc="---\ntitle: 图\n---\n\n![图。](y.png)\n\n![图。](nothing-like-it.png)\n")
    (work / "x.png").rename(work / "y1.png")
    result = run("build", "doc.md", "--formats", "html", cwd=work)
    assert result.returncode == 2
    assert f"doc.md:5: image 'y.png' not found (did you mean 'y1.png'? looked in {work})" in result.stderr
    assert f"doc.md:7: image 'nothing-like-it.png' not found (looked in {work})" in result.stderr


def test_warnings_come_in_the_order_of_their_lines(tmp_path: Path) -> None:
    work = folder(tmp_path, doc="---\ntitle: 警告\nlayout: post\n---\n\n[他处](other.md)\n\n![](x.png)\n\n"
                                "[无处](#nowhere)\n")
    result = run("build", "doc.md", "--formats", "html", cwd=work)
    lines = [int(l.split("doc.md:")[1].split(":")[0]) for l in result.stderr.splitlines() if "warning: doc.md:" in l]
    assert len(lines) >= 3 and lines == sorted(lines), result.stderr


def test_verify_says_which_editions_it_did_not_find(tmp_path: Path) -> None:
    work = folder(tmp_path, doc=GOOD)
    assert run("build", "doc.md", "--formats", "html,docx", "--out", "out", cwd=work).returncode == 0
    result = run("verify", "doc.md", "--out", "out", cwd=work)
    assert result.returncode == 0
    assert "publisher: note: not found, not checked: out/doc.pdf, out/doc.epub" in result.stderr


def test_every_mistake_of_a_layout_yaml_in_one_run(tmp_path: Path) -> None:
    env = layout_env(tmp_path, "typo", "extends: newspaper\npdf:\n  bleeed: 3mm\n  marks: crops\nhtml:\n  tco_depth: 2\n")
    result = run("build", "doc.md", "--layout", "typo", "--formats", "html", cwd=folder(tmp_path, doc=GOOD), env=env)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert [line.split("layout.yaml:")[1].split(":")[0] for line in lines] == ["3", "4", "6"], lines
    assert "pdf.bleeed" in lines[0] and "'crops'" in lines[1] and "html.tco_depth" in lines[2]
