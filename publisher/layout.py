"""Layouts are data: `layouts/<name>/layout.yaml` plus templates and styles, over `base`."""
from __future__ import annotations

import difflib
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import layout_check
from .errors import LayoutError
from .layout_check import FORMAT_LABELS
from .reader import YAMLError, load_yaml

#: where layouts live unless PUBLISHER_LAYOUTS names another folder
LAYOUTS_DIR = Path(os.environ.get("PUBLISHER_LAYOUTS", Path(__file__).resolve().parent.parent / "layouts"))
BASE = "base"


@dataclass(frozen=True)
class Layout:
    name: str
    #: the layout's folder first, then the folders it extends, ending with base
    dirs: tuple[Path, ...]
    #: layout.yaml of the chain, merged (the layout's own values win)
    config: dict[str, Any] = field(hash=False, default_factory=dict)

    def find(self, filename: str) -> Path:
        """The first `filename` along the chain of layout folders."""
        for folder in self.dirs:
            if (folder / filename).is_file():
                return folder / filename
        raise LayoutError(f"layout '{self.name}' has no file {filename!r}",
                          self.dirs[0], hint=f"add it to {self.dirs[0]} or to layouts/{BASE}")

    def has(self, filename: str) -> bool:
        return any((folder / filename).is_file() for folder in self.dirs)

    def get(self, key: str, default: Any = None) -> Any:
        """A dotted key from the merged config, e.g. get('page.size')."""
        value: Any = self.config
        for part in key.split("."):
            if not isinstance(value, dict) or part not in value:
                return default
            value = value[part]
        return value

    def labels(self, language: str) -> dict[str, Any]:
        """The words the editions print in `language`: labels.<tag>, else its first subtag, else en."""
        return by_language(self.config.get("labels") or {}, language, fallback="en")

    def word(self, fmt: str, key: str, language: str) -> Any:
        """A label for edition `fmt`: the format's own setting if the layout has one, else labels."""
        own = self.get(f"{fmt}.{FORMAT_LABELS.get(key, key)}")
        value = own if own is not None else self.labels(language).get(key)
        if value is None:
            raise LayoutError(f"layout '{self.name}' has no label {key!r} for language {language!r}",
                              self.dirs[0] / "layout.yaml", hint=f"add labels.{language.split('-')[0]}.{key}")
        return value

    def with_options(self, **options: Any) -> "Layout":
        """The same layout with command-line overrides merged into its config."""
        return Layout(self.name, self.dirs, merge(self.config, {k: v for k, v in options.items() if v}))


def by_language(table: dict[str, Any], language: str, fallback: str = "") -> dict[str, Any]:
    """The entry of `table` for `language`: its full tag, else its first subtag, else `fallback`."""
    tag = language.lower()
    for key in (tag, tag.split("-")[0], fallback):
        if key and isinstance(table.get(key), dict):
            return dict(table[key])
    return {}


def load(name: str, root: Path | None = None) -> Layout:
    """Load layout `name` and the chain of layouts it extends; each layout.yaml is checked."""
    root = root or LAYOUTS_DIR
    if not re.fullmatch(r"[A-Za-z0-9_-]+", name):
        raise LayoutError(f"{name!r} is not a layout name", hint="use the name of a folder in layouts/")
    dirs: list[Path] = []
    configs: list[dict[str, Any]] = []
    current: str | None = name
    while current:
        folder = root / current
        if not (folder / "layout.yaml").is_file():
            raise unknown_layout(current, root, dirs[-1] / "layout.yaml" if dirs else None)
        if folder in dirs:
            raise LayoutError(f"layout '{current}' extends itself", folder / "layout.yaml")
        config = _read_config(folder / "layout.yaml")
        layout_check.check(config, folder / "layout.yaml", base_config(root, current, config))
        dirs.append(folder)
        configs.append(config)
        current = config.get("extends", BASE if current != BASE else None)
    merged: dict[str, Any] = {}
    for config in reversed(configs):
        merged = merge(merged, config)
    return Layout(name, tuple(dirs), merged)


def known_layouts(root: Path) -> list[str]:
    """The names of the layouts in `root` (folders with a layout.yaml)."""
    return sorted(p.name for p in root.iterdir() if (p / "layout.yaml").is_file()) if root.is_dir() else []


def unknown_layout(name: str, root: Path, extended_by: Path | None = None) -> LayoutError:
    """The error for a layout `root` does not have, with the nearest name if one is close; named
    at the `extends:` line of the layout.yaml that asked for it, if one did."""
    known = known_layouts(root)
    close = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
    guess = f"did you mean '{close[0]}'? " if close else ""
    if extended_by is None:
        return LayoutError(f"unknown layout '{name}'", hint=guess + "known layouts: " + ", ".join(known))
    line = layout_check.key_line(extended_by.read_text(encoding="utf-8", errors="replace"), ("extends",))
    return LayoutError(f"extends: unknown layout '{name}'", extended_by, line,
                       hint=guess + "known layouts: " + ", ".join(known))


def base_config(root: Path, current: str, config: dict[str, Any]) -> dict[str, Any]:
    """The base layout's settings: what a layout.yaml may set (besides what the code reads)."""
    if current == BASE:
        return config
    path = root / BASE / "layout.yaml"
    return _read_config(path) if path.is_file() else {}


def _read_config(path: Path) -> dict[str, Any]:
    try:
        data = load_yaml(path.read_text(encoding="utf-8")) or {}
    except YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        raise LayoutError(f"layout.yaml: {getattr(error, 'problem', None) or 'invalid YAML'}", path,
                          mark.line + 1 if mark else None, getattr(error, "hint", "")) from None
    if not isinstance(data, dict):
        raise LayoutError("layout.yaml must be a mapping of settings", path)
    return data


def merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    """Deep-merge two config dicts; values of `over` win."""
    out = dict(base)
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = merge(out[key], value)
        else:
            out[key] = value
    return out
