"""`publisher verify` on the command line: the table, --json, and exit codes 0, 1 and 2."""
from __future__ import annotations

import json
import shutil
import zipfile
from pathlib import Path

import pytest

from publisher.cli import main

SEED = Path(__file__).resolve().parent.parent / "sources" / "jiangmen-party-building.md"


def _tampered_html(seed_editions: dict[str, Path], folder: Path) -> Path:
    html = seed_editions["html"].read_text(encoding="utf-8")
    assert html.count(">98<") == 1
    path = folder / "tampered.html"
    path.write_text(html.replace(">98<", ">89<"), encoding="utf-8")
    return path


def test_all_editions_agree(seed_editions: dict[str, Path], capsys: pytest.CaptureFixture[str]) -> None:
    out_dir = seed_editions["pdf"].parent
    assert main(["verify", str(SEED), "--out", str(out_dir)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[1].split() == ["edition", "headings", "figures", "numbers", "text", "structure"]
    rows = {Path(line.split()[0]).suffix: line.split()[1:] for line in lines[2:6]}
    assert rows == {f".{fmt}": ["ok"] * 5 for fmt in ("pdf", "docx", "html", "epub")}
    assert lines[-1].startswith("all 4 editions agree with the source")


def test_a_difference_exits_1_and_is_named(seed_editions: dict[str, Path], tmp_path: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    edition = _tampered_html(seed_editions, tmp_path)
    assert main(["verify", str(SEED), str(edition)]) == 1
    out = capsys.readouterr().out
    assert f"{edition}  ok         ok         1 differ   ok" in out
    assert 'html: number 98次 → 89次 in "A 党的创新理论武装…", paragraph 4, source line 42' in out.splitlines()


def test_json(seed_editions: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    edition = _tampered_html(seed_editions, tmp_path)
    assert main(["verify", str(SEED), str(seed_editions["docx"]), str(edition), "--json"]) == 1
    data = json.loads(capsys.readouterr().out)
    assert data["agree"] is False
    docx, html = data["editions"]
    assert (docx["format"], docx["agree"], docx["differences"]) == ("docx", True, [])
    assert html["checks"] == {"headings": 0, "figures": 0, "numbers": 1, "text": 0, "structure": 0}
    [difference] = html["differences"]
    assert {k: difference[k] for k in ("kind", "change", "expected", "found", "section", "paragraph")} == {
        "kind": "numbers", "change": "changed", "expected": "98次", "found": "89次",
        "section": "A 党的创新理论武装持续加强", "paragraph": 4}


def test_no_editions_is_bad_input(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["verify", str(SEED), "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "no editions of jiangmen-party-building.md" in err


@pytest.mark.parametrize("name", ["broken.pdf", "broken.docx", "broken.epub", "broken.html", "notes.txt",
                                  "missing.pdf"])
def test_unreadable_editions_are_bad_input(name: str, tmp_path: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / name
    if not name.startswith("missing"):
        path.write_bytes(b"\x00\x01 not what the name says")
    assert main(["verify", str(SEED), str(path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith(f"publisher: error: {path}: ")
    assert "Traceback" not in err


def test_a_zip_without_the_right_parts_is_bad_input(seed_editions: dict[str, Path], tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    for fmt in ("docx", "epub"):
        path = tmp_path / f"empty.{fmt}"
        with zipfile.ZipFile(path, "w") as package:
            package.writestr("hello.txt", "hi")
        assert main(["verify", str(SEED), str(path)]) == 2
        assert "publisher: error:" in capsys.readouterr().err


def test_editions_are_found_by_the_source_stem(seed_editions: dict[str, Path], tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    shutil.copy(seed_editions["epub"], tmp_path)
    assert main(["verify", str(SEED), "--out", str(tmp_path), "--json"]) == 0
    assert [e["format"] for e in json.loads(capsys.readouterr().out)["editions"]] == ["epub"]


# ---- build --verify: the same checks, on the files as the build writes them --------

def test_build_verify_writes_and_checks_every_edition(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out"
    assert main(["build", str(SEED), "--out", str(out), "--verify"]) == 0
    lines = capsys.readouterr().out.splitlines()
    written = [Path(line.removeprefix("wrote ")) for line in lines if line.startswith("wrote ")]
    assert sorted(p.suffix for p in written) == [".docx", ".epub", ".html", ".pdf"]
    rows = {line.split()[0]: line.split()[1:] for line in lines if line.startswith(str(out))}
    # the table names the editions' own paths, not the staged files it read
    assert rows == {str(path): ["ok"] * 5 for path in written}
    assert lines[-1].startswith("all 4 editions agree with the source")
    assert sorted(p.name for p in out.iterdir()) == sorted(p.name for p in written)  # no temp files left


def test_build_verify_names_a_difference_and_exits_1(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    from publisher.renderers import html as html_renderer
    render = html_renderer.render

    def wrong_number(doc, layout):  # type: ignore[no-untyped-def]
        return render(doc, layout).replace(b">98<", b">89<")

    monkeypatch.setattr(html_renderer, "render", wrong_number)
    out = tmp_path / "out"
    assert main(["build", str(SEED), "--out", str(out), "--formats", "html,docx", "--verify"]) == 1
    text = capsys.readouterr().out
    assert 'html: number 98次 → 89次 in "A 党的创新理论武装…", paragraph 4, source line 42' in text.splitlines()
    assert f"{out / 'jiangmen-party-building.html'}  ok         ok         1 differ   ok" in text
    assert (out / "jiangmen-party-building.html").is_file()  # written all the same, as `build` then `verify`


def test_build_verify_keeps_the_editions_when_the_verifier_cannot_run(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    from publisher.verify import pdf as pdf_extractor
    which = pdf_extractor.shutil.which
    monkeypatch.setattr(pdf_extractor.shutil, "which", lambda tool: None if tool == "pdftotext" else which(tool))
    out = tmp_path / "out"
    assert main(["build", str(SEED), "--out", str(out), "--verify"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "pdftotext not found" in err
    assert sorted(p.suffix for p in out.iterdir()) == [".docx", ".epub", ".html", ".pdf"]


def test_an_encrypted_pdf_is_bad_input(seed_editions: dict[str, Path], tmp_path: Path,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    import pikepdf
    locked = tmp_path / "locked.pdf"
    with pikepdf.open(seed_editions["pdf"]) as pdf:
        pdf.save(locked, encryption=pikepdf.Encryption(owner="owner", user="user"))
    assert main(["verify", str(SEED), str(locked)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "not a readable PDF" in err and str(locked) in err


def _with_member(edition: Path, dest: Path, name: str, data: bytes) -> Path:
    with zipfile.ZipFile(edition) as old, zipfile.ZipFile(dest, "w") as new:
        for item in old.infolist():
            new.writestr(item, data if item.filename == name else old.read(item.filename))
    return dest


def test_a_damaged_notes_part_is_bad_input_not_a_crash(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from publisher import build as builder
    source = Path(__file__).resolve().parent / "sources" / "real-copy.md"
    docx = builder.build(source, ["docx"], tmp_path)["docx"]
    with zipfile.ZipFile(docx) as package:
        notes = package.read("word/footnotes.xml")
    damaged = _with_member(docx, tmp_path / "damaged.docx", "word/footnotes.xml", notes[:300])
    assert main(["verify", str(source), str(damaged)]) == 2
    assert "its notes part is damaged" in capsys.readouterr().err


@pytest.mark.parametrize("fmt", ["html", "epub"])
def test_a_marked_section_is_bad_input_not_a_crash(fmt: str, seed_editions: dict[str, Path], tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    if fmt == "html":
        edition = tmp_path / "marked.html"
        edition.write_text(seed_editions["html"].read_text(encoding="utf-8").replace("</body>", "<![x[ y ]]></body>"),
                           encoding="utf-8")
    else:
        with zipfile.ZipFile(seed_editions["epub"]) as book:
            xhtml = book.read("EPUB/content.xhtml").replace(b"</body>", b"<![x[ y ]]></body>")
        edition = _with_member(seed_editions["epub"], tmp_path / "marked.epub", "EPUB/content.xhtml", xhtml)
    assert main(["verify", str(SEED), str(edition)]) == 2
    assert "marked section" in capsys.readouterr().err


def test_a_source_newer_than_its_edition_says_rebuild_first(seed_editions: dict[str, Path], tmp_path: Path,
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    import os
    source = tmp_path / SEED.name
    shutil.copy(SEED, source)
    shutil.copytree(SEED.parent / "images", tmp_path / "images")
    edition = tmp_path / "old.html"
    shutil.copy(seed_editions["html"], edition)
    os.utime(edition, (1, 1))
    assert main(["verify", str(source), str(edition)]) == 0
    assert f"note: {source} is newer than {edition}: rebuild it first" in capsys.readouterr().out
