"""One allowlist for raw HTML in every edition (nh3)."""
from __future__ import annotations

import html

import nh3

#: tags an editor may write as raw HTML; scripts, iframes, forms and styles are dropped
TAGS = {"a", "abbr", "b", "blockquote", "br", "caption", "cite", "code", "dd", "del", "div",
        "dl", "dt", "em", "figcaption", "figure", "h1", "h2", "h3", "h4", "h5", "h6", "hr",
        "i", "ins", "kbd", "li", "mark", "ol", "p", "pre", "q", "rp", "rt", "ruby", "s",
        "small", "span", "strong", "sub", "sup", "table", "tbody", "td", "tfoot", "th",
        "thead", "time", "tr", "u", "ul"}
#: attributes kept on every tag: ids (heading anchors), language and titles
ATTRIBUTES = {"*": {"id", "lang", "title", "class"}, "a": {"href"},
              "td": {"colspan", "rowspan"}, "th": {"colspan", "rowspan"}}
#: links may only point inside the document or to the web (never javascript:)
URL_SCHEMES = {"http", "https", "mailto"}


def clean_html(fragment: str) -> str:
    """The fragment with everything outside the allowlist removed."""
    return nh3.clean(fragment, tags=TAGS, attributes=ATTRIBUTES, url_schemes=URL_SCHEMES,
                     link_rel="noopener noreferrer", strip_comments=True)


def html_to_text(fragment: str) -> str:
    """The visible text of an HTML fragment (script and style content dropped)."""
    return html.unescape(nh3.clean(fragment, tags=set(), attributes={})).strip()


def safe_href(href: str) -> str:
    """`href` if it is a safe link target, else "" (javascript:, data: and friends)."""
    probe = clean_html(f'<a href="{html.escape(href, quote=True)}">x</a>')
    return href if "href=" in probe else ""
