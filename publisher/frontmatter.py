"""Front matter: the YAML block at the top of a source → Meta, with checks an editor can act on."""
from __future__ import annotations

import datetime as dt
import difflib
import os
import re
from pathlib import Path
from typing import Any

import yaml
from yaml import YAMLError

from .errors import SourceError
from .model import Meta
from .typography import normalise_punctuation

#: front-matter fields and the types they accept
FIELDS: dict[str, tuple[type, ...]] = {
    "title": (str,), "subtitle": (str,), "kicker": (str,), "byline": (str,),
    "date": (str, dt.date), "publication": (str,), "section": (str,), "page": (str,),
    "language": (str,), "subject": (str,), "keywords": (list, str), "layouts": (dict,),
}
FORMATS = ("pdf", "docx", "html", "epub")
#: a layout is named by its folder in layouts/: no paths
LAYOUT_NAME = re.compile(r"[A-Za-z0-9_-]+")


#: libyaml's safe loader where PyYAML was built with it (its wheels are): 20x faster
_FAST_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load_yaml(text: str) -> Any:
    """Parse YAML safely (front matter and layout.yaml); raises yaml.YAMLError.

    What libyaml refuses is parsed again by PyYAML's own safe loader, whose error
    messages say more ("found unknown escape character 'q'", not just where).
    """
    try:
        return yaml.load(text, Loader=_FAST_LOADER)  # noqa: S506 - a safe loader
    except yaml.YAMLError:
        return yaml.safe_load(text)


def split_front_matter(text: str, path: Path) -> tuple[str, str]:
    """Split `---` YAML front matter from the Markdown body."""
    if not text.startswith("---\n"):
        raise SourceError("no front matter: the file must start with a '---' line", path, 1,
                          hint="add '---', 'title: …', '---' at the top")
    end = text.find("\n---\n", 3)
    if end < 0:
        end = text.find("\n---", 3) if text.endswith("\n---") else -1
    if end < 0:
        raise SourceError("front matter is not closed by a '---' line", path, 1)
    front = text[4:end + 1]
    return front, text[end + 5:]


def parse_meta(front: str, path: Path) -> Meta:
    """Check the YAML front matter and turn it into Meta."""
    try:
        data = load_yaml(front)
    except YAMLError as error:
        # the context mark is where the broken construct starts (an unclosed quote, say)
        mark = getattr(error, "context_mark", None) or getattr(error, "problem_mark", None)
        line = mark.line + 2 if mark is not None else None
        cause = getattr(error, "problem", None) or "invalid YAML"
        raise SourceError(f"front matter: {cause}", path, line,
                          hint="check quotes and indentation") from None
    except ValueError as error:  # e.g. a date like 2025-13-45
        raise SourceError(f"front matter: {error}", path, hint="dates are YYYY-MM-DD") from None
    if not isinstance(data, dict):
        raise SourceError("front matter must be 'key: value' lines", path, 2)
    for key, value in data.items():
        _check_field(str(key), value, front, path)
    if not data.get("title"):
        raise SourceError("front matter has no title", path, 2, hint="add 'title: …'")
    return _meta_from(data)


def _check_field(key: str, value: Any, front: str, path: Path) -> None:
    found = re.search(rf"^{re.escape(key)}\s*:", front, re.M)
    line = front.count("\n", 0, found.start()) + 2 if found else None
    if key not in FIELDS:
        close = difflib.get_close_matches(key, FIELDS, n=1)
        hint = f"did you mean '{close[0]}'?" if close else "known fields: " + ", ".join(FIELDS)
        raise SourceError(f"unknown front-matter field '{key}'", path, line, hint=hint)
    if not isinstance(value, FIELDS[key]):
        wanted = " or ".join("text" if t is str else t.__name__ for t in FIELDS[key])
        raise SourceError(f"front-matter field '{key}' must be {wanted}", path, line)
    if key == "layouts" and isinstance(value, dict):
        for fmt, name in value.items():
            if fmt not in FORMATS or not isinstance(name, str):
                raise SourceError(f"layouts: '{fmt}' must be one of {', '.join(FORMATS)}"
                                  " with a layout name", path, line)
            if not LAYOUT_NAME.fullmatch(name):
                raise SourceError(f"layouts: {name!r} is not a layout name", path, line,
                                  hint="use the name of a folder in layouts/, e.g. newspaper")
    if key == "date" and isinstance(value, dt.datetime):
        raise SourceError(f"date {value} has a time; write the day only, YYYY-MM-DD", path, line)
    if key == "date" and isinstance(value, str):
        try:
            dt.date.fromisoformat(value)
        except ValueError:
            raise SourceError(f"date {value!r} is not YYYY-MM-DD", path, line) from None


def build_date() -> str:
    """The date of a source without one: SOURCE_DATE_EPOCH (UTC) if set, never the clock."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if not epoch:
        return ""
    try:
        return dt.datetime.fromtimestamp(int(epoch), dt.timezone.utc).date().isoformat()
    except (ValueError, OverflowError, OSError):
        raise SourceError(f"SOURCE_DATE_EPOCH={epoch!r} is not a number of seconds",
                          hint="unset it or give a Unix timestamp") from None


def _meta_from(data: dict[str, Any]) -> Meta:
    keywords = data.get("keywords", ())
    if isinstance(keywords, str):
        keywords = [k.strip() for k in re.split(r"[,，;；]", keywords) if k.strip()]
    text = {k: normalise_punctuation(str(v)).strip() for k, v in data.items()
            if k not in ("keywords", "layouts", "date")}
    date = data.get("date") or build_date()
    return Meta(**text, date=date.isoformat() if isinstance(date, dt.date) else str(date),
                keywords=tuple(normalise_punctuation(str(k)) for k in keywords),
                layouts=tuple(sorted((str(k), str(v)) for k, v in data.get("layouts", {}).items())))
