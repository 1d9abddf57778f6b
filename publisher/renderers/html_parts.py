"""Pieces shared by the e-reader HTML and the EPUB: settings, contents, dates, styles, images."""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from .. import images
from ..arrange import lead_then_spread
from ..errors import LayoutError
from ..layout import Layout
from ..layout_check import SCREEN_WORDS
from ..model import Document, heading_depths
from ..people import author_line
from .htmlbody import in_languages
from ..templates import format_setting, markup

#: a stylesheet must not be able to close the <style> element it is inlined into
_STYLE_END = re.compile(r"</style", re.IGNORECASE)


def setting(layout: Layout, fmt: str, key: str) -> Any:
    """The value of `<fmt>.<key>` in the layout, which must be set."""
    value = layout.get(f"{fmt}.{key}")
    if value is None:
        raise LayoutError(f"layout '{layout.name}' has no setting {fmt}.{key}",
                          layout.dirs[0] / "layout.yaml", hint="add it, or remove the override hiding layouts/base")
    return value


def whole_number(layout: Layout, fmt: str, key: str) -> int:
    """The whole number `<fmt>.<key>` of the layout (a size, a quality, a depth)."""
    value = setting(layout, fmt, key)
    if isinstance(value, bool) or not isinstance(value, (int, str)) or not str(value).strip().isdigit():
        raise LayoutError(f"{fmt}.{key} {value!r} is not a whole number", layout.dirs[0] / "layout.yaml")
    return int(value)


@dataclass
class TocEntry:
    """One line of the table of contents, with the entries nested under it."""
    id: str
    text: str
    level: int
    children: list["TocEntry"] = field(default_factory=list)


def toc(doc: Document, depth: int) -> list[TocEntry]:
    """The headings down to outline depth `depth` (levels that skip close up), nested."""
    top: list[TocEntry] = []
    open_entries: list[TocEntry] = []
    depths = heading_depths(doc)
    for heading in doc.headings:
        if depths[heading.id] > depth:
            continue
        entry = TocEntry(heading.id, heading.text, depths[heading.id])
        while open_entries and open_entries[-1].level >= entry.level:
            open_entries.pop()
        (open_entries[-1].children if open_entries else top).append(entry)
        open_entries.append(entry)
    return top


def display_date(iso: str, pattern: str, labels: dict[str, Any] | None = None) -> str:
    """An ISO date as readers write it, e.g. '2025年1月20日', '20 January 2025' (empty when undated)."""
    if not iso:
        return ""
    day = dt.date.fromisoformat(iso)
    months = (labels or {}).get("months") or [str(m) for m in range(1, 13)]
    weekdays = (labels or {}).get("weekdays") or [""] * 7
    return format_setting("date_format", pattern, year=day.year, month=day.month, day=day.day,
                          month_name=months[day.month - 1], weekday=weekdays[day.weekday()])


def weekday(iso: str, labels: dict[str, Any]) -> str:
    """The day of the week of an ISO date in the labels' language ("" when undated)."""
    names = labels.get("weekdays") or []
    return names[dt.date.fromisoformat(iso).weekday()] if iso and len(names) == 7 else ""


def stylesheet(layout: Layout, names: list[str]) -> str:
    """The layout's stylesheets `names`, joined in order."""
    parts = []
    for name in names:
        path = layout.find(name)
        css = path.read_text(encoding="utf-8")
        if _STYLE_END.search(css):
            raise LayoutError("a stylesheet may not contain '</style'", path)
        parts.append(f"/* {name} */\n{css.strip()}\n")
    return "\n".join(parts)


def screen_image(doc: Document, src: Path, layout: Layout, fmt: str) -> tuple[bytes, str]:
    """A picture of `doc` scaled and compressed for screens, as (bytes, MIME type), from the
    bytes the reader checked (images.checked_picture)."""
    return images.screen_copy(src, doc.pictures.get(src, ""), whole_number(layout, fmt, "image_long_side"),
                              whole_number(layout, fmt, "image_quality"))


def context(doc: Document, layout: Layout, fmt: str) -> dict[str, Any]:
    """What every template of `fmt` gets: the front matter, its date and the contents."""
    return {
        "meta": doc.meta,
        "date_text": display_date(doc.meta.date, layout.word(fmt, "date", doc.meta.language),
                                  layout.labels(doc.meta.language)),
        "toc": toc(doc, whole_number(layout, fmt, "toc_depth")),
        "toc_title": layout.word(fmt, "contents", doc.meta.language),
        "words": screen_words(layout, fmt, doc.meta.language),
        # the masthead's lines as HTML, English in a Chinese document marked as English
        "parts": {name: markup(in_languages(getattr(doc.meta, name), doc.meta.language, name in ("title", "subtitle")))
                  for name in ("title", "subtitle", "kicker", "byline", "publication")},
        "authors": author_line(doc.meta.byline, layout.word(fmt, "byline_roles", doc.meta.language)),
    }


def screen_words(layout: Layout, fmt: str, language: str) -> dict[str, str]:
    """The words a screen edition prints itself (labels: notes, back_to_text, skip_to_text …)."""
    return {key: str(layout.word(fmt, key, language)) for key in SCREEN_WORDS}


def reading_order(doc: Document, layout: Layout, fmt: str) -> Document:
    """`doc` with the photos it opens with spread through the text after the lead photo
    (`<fmt>.spread_figures`), so that reading starts on the first screen."""
    if not layout.get(f"{fmt}.spread_figures", False):
        return doc
    return replace(doc, blocks=tuple(lead_then_spread(list(doc.blocks))))
