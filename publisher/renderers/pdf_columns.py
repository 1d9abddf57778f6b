"""One layout pass per column instead of two (a scoped patch of WeasyPrint 70's columns).

`weasyprint.layout.column.columns_layout` lays out each page's columns twice: a
trial at full height to learn whether the content fits, then the real pass at
the same height. Both calls get the same children, skip stack and bottom space;
only the column's x position differs. So the trial's result is kept and, moved
sideways, handed to the real pass.

Only plain flow content is reused: a column holding a float or an absolutely
positioned box is laid out again, because the trial's clean-up
(`remove_placeholders`) has already taken those out of the page's lists.
"""
from __future__ import annotations

import contextlib
from collections.abc import Iterator
from math import inf
from typing import Any

from weasyprint.layout import block as wp_block

_ORIGINAL = wp_block.block_box_layout


def _plain(box: Any) -> bool:
    """True when nothing in `box` is floated or positioned out of the flow."""
    return not any(child.is_floated() or child.is_absolutely_positioned()
                   for child in box.descendants())


def _key(box: Any, bottom_space: float, skip_stack: Any, page_is_empty: bool) -> tuple[Any, ...]:
    # a column box gets a fresh tuple of the same children on each pass: key on the first child
    first = id(box.children[0]) if box.children else 0
    return (first, repr(skip_stack), bottom_space, page_is_empty, box.position_y)


@contextlib.contextmanager
def single_pass_columns() -> Iterator[None]:
    """Reuse each column's trial layout in the real pass, for the duration of one render."""
    memo: dict[tuple[Any, ...], tuple[tuple[Any, ...], float]] = {}

    def block_box_layout(context: Any, box: Any, bottom_space: float, skip_stack: Any,
                         containing_block: Any, page_is_empty: bool, *args: Any, **kwargs: Any) -> Any:
        if not getattr(box, "is_column", False) or bottom_space == inf:
            return _ORIGINAL(context, box, bottom_space, skip_stack, containing_block,
                             page_is_empty, *args, **kwargs)
        key = _key(box, bottom_space, skip_stack, page_is_empty)
        kept = memo.pop(key, None)
        if kept is not None:
            result, x = kept
            result[0].translate(box.position_x - x, 0)
            return result
        result = _ORIGINAL(context, box, bottom_space, skip_stack, containing_block,
                           page_is_empty, *args, **kwargs)
        if result[0] is not None and _plain(result[0]):
            if memo and next(iter(memo))[0] != key[0]:
                memo.clear()  # another column set: the earlier trials are spent
            memo[key] = (result, box.position_x)
        return result

    wp_block.block_box_layout = block_box_layout
    try:
        yield
    finally:
        wp_block.block_box_layout = _ORIGINAL
        memo.clear()
