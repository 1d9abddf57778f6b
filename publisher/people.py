"""People in a byline: the names without the role words ("文/图", "记者", "By") that open it."""
from __future__ import annotations

import re

from .typography import CHINESE_TEXT


def authors(byline: str, roles: list[str]) -> list[str]:
    """The authors of a byline, without its opening role word.

    '文/图 张三 李四' → ['张三', '李四'] (Chinese names are split at spaces and 、);
    'By Sam Taylor, Head of IT' → ['Sam Taylor, Head of IT'] (Latin names only at ';' and ' and ').
    """
    text = byline.strip()
    for role in sorted(roles, key=len, reverse=True):
        if text.startswith(role + " ") or text.startswith(role + "\u3000"):
            text = text[len(role):].strip()
            break
    if re.search(r"[A-Za-z]", text) and not CHINESE_TEXT.search(text):
        return [name.strip() for name in re.split(r";|\s+and\s+", text) if name.strip()]
    return [name for name in re.split(r"[\s、，,;；]+", text) if name]


def role_word(byline: str, roles: list[str]) -> str:
    """The role word a byline opens with ('文/图 张三' → '文/图'), or '' for none."""
    text = byline.strip()
    return next((role for role in sorted(roles, key=len, reverse=True)
                 if text.startswith(role + " ") or text.startswith(role + "\u3000")), "")


def author_line(byline: str, roles: list[str]) -> str:
    """The authors as one metadata string: "黎禹君、江组轩", "Ann Lee; Bo Chen"."""
    names = authors(byline, roles)
    return ("、" if CHINESE_TEXT.search(byline) else "; ").join(names)
