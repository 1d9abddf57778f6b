"""Jinja2 templates of a layout (autoescape on; styles are linked, never templated)."""
from __future__ import annotations

from typing import Any

import jinja2
from markupsafe import Markup

from .errors import LayoutError
from .layout import Layout


def environment(layout: Layout) -> jinja2.Environment:
    """A Jinja2 environment that looks up templates along the layout chain."""
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader([str(d) for d in layout.dirs]),
        autoescape=True, undefined=jinja2.StrictUndefined,
        trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)


def render_template(layout: Layout, name: str, **context: Any) -> str:
    """Render template `name` of `layout`; template errors become LayoutError."""
    try:
        template = environment(layout).get_template(name)
        return template.render(layout=layout.config, **context)
    except jinja2.TemplateSyntaxError as error:
        raise LayoutError(f"template error: {error.message}", error.filename or name, error.lineno) from None
    except jinja2.TemplateNotFound as error:
        raise LayoutError(f"layout '{layout.name}' has no template {error.name!r}", layout.dirs[0]) from None
    except (jinja2.UndefinedError, TypeError, ValueError) as error:
        raise LayoutError(f"template {name!r} failed: {error}", layout.dirs[0] / name) from None


def format_setting(name: str, pattern: str, **values: object) -> str:
    """A layout's format string filled in, e.g. '图{number}'; a bad pattern is a LayoutError."""
    try:
        return str(pattern).format(**values)
    except (KeyError, IndexError, ValueError) as error:
        raise LayoutError(f"layout setting {name} {pattern!r} cannot be filled in ({error})",
                          hint="use only " + ", ".join("{" + k + "}" for k in values)) from None


def markup(html: str) -> Markup:
    """Mark renderer-built (already escaped) HTML as safe for templates."""
    return Markup(html)
