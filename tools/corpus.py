#!/usr/bin/env python3
"""Build every real document of ../shared/corpus as it is, verify it, and print the table.

    .venv/bin/python tools/corpus.py [--formats pdf,docx,html,epub] [--only a,b] [--keep DIR]

Copies the corpus to a temporary folder (it is read-only in CI), draws its stand-in
pictures there, then runs `publisher build` and `publisher verify` on each document.
"""
from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT.parent / "shared" / "corpus"
PUBLISHER = [sys.executable, "-m", "publisher"]


def prepare(dest: Path) -> Path:
    """A writable copy of the corpus with its stand-in pictures drawn."""
    shutil.copytree(CORPUS, dest, dirs_exist_ok=True)
    for path in dest.rglob("*"):
        path.chmod(path.stat().st_mode | 0o200)
    subprocess.run([sys.executable, str(dest / "make_standins.py"), str(dest)], check=True,
                   capture_output=True)
    return dest


def run_one(doc_dir: Path, formats: str) -> dict[str, object]:
    """Build and verify one document; its exit codes, warnings and first error line."""
    source = doc_dir / f"{doc_dir.name}.md"
    out = doc_dir / "out"
    built = subprocess.run([*PUBLISHER, "build", str(source), "--formats", formats, "--out", str(out)],
                           capture_output=True, text=True, cwd=ROOT)
    row: dict[str, object] = {"document": doc_dir.name, "build": built.returncode,
                              "warnings": sum(1 for l in built.stderr.splitlines() if ": warning: " in l),
                              "build_error": _first_error(built.stderr)}
    row["verify"], row["differences"] = None, []
    if built.returncode == 0:
        editions = [str(out / f"{doc_dir.name}.{f}") for f in formats.split(",")]
        verified = subprocess.run([*PUBLISHER, "verify", str(source), *editions, "--json"],
                                  capture_output=True, text=True, cwd=ROOT)
        row["verify"] = verified.returncode
        try:
            verdict = json.loads(verified.stdout)
            row["differences"] = [d["message"] for e in verdict["editions"] for d in e["differences"]]
        except (json.JSONDecodeError, KeyError, TypeError):
            row["differences"] = [verified.stderr.strip()[:300]]
    return row


def _first_error(stderr: str) -> str:
    for line in stderr.splitlines():
        if "error" in line:
            return line[:200]
    return ""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--formats", default="pdf,docx,html,epub")
    parser.add_argument("--only", default="", help="comma-separated document names")
    parser.add_argument("--keep", type=Path, help="work in this folder and keep it")
    parser.add_argument("--json", type=Path, help="also write the rows as JSON here")
    parser.add_argument("-v", "--verbose", action="store_true", help="print every difference")
    args = parser.parse_args()
    work = args.keep or Path(tempfile.mkdtemp(prefix="corpus-"))
    prepare(work)
    only = {n for n in args.only.split(",") if n}
    rows = [run_one(d, args.formats) for d in sorted(work.iterdir())
            if d.is_dir() and (d / f"{d.name}.md").is_file() and (not only or d.name in only)]
    print(f"{'document':24} {'build':>5} {'verify':>6} {'warnings':>8}  first problem")
    for row in rows:
        problem = row["build_error"] or (row["differences"][0] if row["differences"] else "")
        verify = "-" if row["verify"] is None else row["verify"]
        print(f"{row['document']:24} {row['build']:>5} {verify:>6} {row['warnings']:>8}  {str(problem)[:110]}")
        if args.verbose:
            for message in row["differences"][1:]:
                print(f"{'':48}{str(message)[:160]}")
    if args.json:
        args.json.write_text(json.dumps(rows, ensure_ascii=False, indent=1), encoding="utf-8")
    if not args.keep:
        shutil.rmtree(work)
    return 0 if all(r["build"] == 0 and r["verify"] == 0 for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
