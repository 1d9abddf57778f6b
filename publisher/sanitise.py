"""Link targets every edition may carry (nh3's URL checks): never javascript: or data:."""
from __future__ import annotations

import html

import nh3

#: links may only point inside the document or to the web (never javascript:)
URL_SCHEMES = {"http", "https", "mailto"}


def safe_href(href: str) -> str:
    """`href` if it is a safe link target, else "" (javascript:, data: and friends)."""
    probe = nh3.clean(f'<a href="{html.escape(href, quote=True)}">x</a>', tags={"a"},
                      attributes={"a": {"href"}}, url_schemes=URL_SCHEMES, link_rel=None)
    return href if "href=" in probe else ""
