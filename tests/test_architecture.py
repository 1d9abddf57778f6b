"""The code's own rules (STYLE.md): each dependency is imported in one place."""
from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "publisher"

#: dependency → the modules (paths relative to publisher/, glob patterns) allowed to import it
ALLOWED = {
    "weasyprint": ["renderers/pdf*.py"],
    "docx": ["renderers/docx*.py", "verify/docx*.py"],
    "pypdf": ["verify/pdf*.py"],
    "pikepdf": ["verify/pdf*.py"],
    "markdown": ["markdown_body.py"],
    "pymdownx": ["markdown_body.py"],
    "pygments": ["highlight.py"],
    "markdown_it": ["verify/source.py"],
    "mdit_py_plugins": ["verify/source.py"],
    "yaml": ["frontmatter.py"],
    "jinja2": ["templates.py"],
    "nh3": ["sanitise.py"],
    "PIL": ["images.py"],
    "tinycss2": ["verify/css*.py"],
    "cssselect2": ["verify/css*.py"],
}


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("dependency", sorted(ALLOWED))
def test_dependency_is_imported_in_its_own_modules_only(dependency: str) -> None:
    offenders = []
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(PACKAGE)
        if dependency in imported_modules(path) and not any(relative.match(p) for p in ALLOWED[dependency]):
            offenders.append(str(relative))
    assert offenders == [], f"{dependency} imported outside {ALLOWED[dependency]}"


def test_every_module_has_a_docstring() -> None:
    missing = [str(p.relative_to(PACKAGE)) for p in PACKAGE.rglob("*.py")
               if ast.get_docstring(ast.parse(p.read_text(encoding="utf-8"))) is None]
    assert missing == []


def test_types_check_with_mypy() -> None:
    result = subprocess.run([sys.executable, "-m", "mypy", str(PACKAGE)], capture_output=True,
                            text=True, cwd=PACKAGE.parent, check=False)
    assert result.returncode == 0, result.stdout


def test_no_unused_imports_or_undefined_names() -> None:
    result = subprocess.run([sys.executable, "-m", "ruff", "check", str(PACKAGE), str(PACKAGE.parent / "tests")],
                            capture_output=True, text=True, cwd=PACKAGE.parent, check=False)
    assert result.returncode == 0, result.stdout
