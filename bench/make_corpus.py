"""Benchmark corpus: N copies of a source's body, each with distinct headings and captions.

Usage: python bench/make_corpus.py SOURCE COPIES OUT_DIR [--pandoc]

Copy n prefixes "第n篇 " to every heading and caption (the reader refuses duplicate
headings, and the verifier needs each caption to be findable). Images are reused:
the source's images folder is copied once beside the corpus. `--pandoc` also writes
`<stem>.pandoc.md`, the same text in pandoc's Markdown (front matter mapped to
pandoc's metadata, Python-Markdown attribute lines dropped).
"""
from __future__ import annotations

import argparse
import re
import shutil
from pathlib import Path

_HEADING = re.compile(r"^(#{1,6})\s+(.*)$")
_IMAGE = re.compile(r"^!\[(.*?)\]\((.*?)\)\s*$")
_FOOTNOTE = re.compile(r"\[\^([^\]]+)\]")
_ATTR_LINE = re.compile(r"^\{:[^}]*\}\s*$")
#: our front-matter fields → pandoc's metadata names (the rest is dropped)
_PANDOC_FIELDS = {"title": "title", "subtitle": "subtitle", "byline": "author",
                  "date": "date", "language": "lang", "subject": "subject"}


def split(text: str) -> tuple[str, str]:
    """(front matter lines without the '---' fences, body)."""
    if not text.startswith("---\n"):
        raise SystemExit("make_corpus: source has no front matter")
    end = text.index("\n---\n", 3)
    return text[4:end + 1], text[end + 5:]


def numbered(body: str, n: int) -> str:
    """Copy `n` of the body: headings, captions and footnote labels made distinct."""
    out = []
    for line in body.splitlines():
        line = _HEADING.sub(lambda m: f"{m[1]} 第{n}篇 {m[2]}", line)
        line = _IMAGE.sub(lambda m: f"![第{n}篇 {m[1]}]({m[2]})", line)
        out.append(_FOOTNOTE.sub(lambda m: f"[^{m[1]}-{n}]", line))
    return "\n".join(out).strip("\n") + "\n"


def corpus(text: str, copies: int) -> str:
    """The front matter once, then `copies` numbered copies of the body."""
    front, body = split(text)
    bodies = [numbered(body, n) for n in range(1, copies + 1)]
    return f"---\n{front}---\n\n" + "\n".join(bodies)


def pandoc_markdown(text: str) -> str:
    """The same document for pandoc: its own YAML metadata, no attribute-list lines."""
    front, body = split(text)
    meta = []
    for line in front.splitlines():
        key, _, value = line.partition(":")
        if key in _PANDOC_FIELDS and value.strip():
            meta.append(f"{_PANDOC_FIELDS[key]}: {value.strip()}")
    lines = [line for line in body.splitlines() if not _ATTR_LINE.match(line)]
    return "---\n" + "\n".join(meta) + "\n---\n\n" + "\n".join(lines) + "\n"


def make(source: Path, copies: int, out_dir: Path, pandoc: bool = False) -> Path:
    """Write the corpus (and its images) into `out_dir`; return the corpus path."""
    out_dir.mkdir(parents=True, exist_ok=True)
    images = source.parent / "images"
    if images.is_dir():
        shutil.copytree(images, out_dir / "images", dirs_exist_ok=True)
    stem = f"{source.stem}-x{copies}"
    text = corpus(source.read_text(encoding="utf-8"), copies)
    path = out_dir / f"{stem}.md"
    path.write_text(text, encoding="utf-8")
    if pandoc:
        (out_dir / f"{stem}.pandoc.md").write_text(pandoc_markdown(text), encoding="utf-8")
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source", type=Path)
    parser.add_argument("copies", type=int)
    parser.add_argument("out_dir", type=Path)
    parser.add_argument("--pandoc", action="store_true", help="also write the pandoc Markdown")
    args = parser.parse_args()
    print(make(args.source, args.copies, args.out_dir, args.pandoc))


if __name__ == "__main__":
    main()
