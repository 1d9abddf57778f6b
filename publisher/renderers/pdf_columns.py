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
from unittest import mock

from weasyprint.formatting_structure import boxes as wp_boxes
from weasyprint.layout import block as wp_block
from weasyprint.layout import inline as wp_inline

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


# ---- lines kept across balancing passes -------------------------------------------

_ORIGINAL_COLUMNS = wp_block.columns_layout
_ORIGINAL_NEXT_LINE = wp_inline.get_next_linebox
_TEXT_ONLY = (wp_boxes.TextBox, wp_boxes.InlineBox)


def _text_only(linebox: Any) -> bool:
    """True when a line box holds only text and inline spans (nothing whose layout
    depends on the space left below it: images, inline blocks, floats)."""
    return all(isinstance(child, _TEXT_ONLY) and not child.is_floated()
               and not child.is_absolutely_positioned()
               for child in linebox.descendants() if child is not linebox)


@contextlib.contextmanager
def lines_kept_while_balancing() -> Iterator[None]:
    """Lay out each text line once per column set, however often the set is balanced.

    WeasyPrint balances the columns of a page where the text ends by laying them
    all out again at growing heights: the seed's last page is laid out six times.
    A line's breaks depend only on its text, where it starts, the column width and
    its indent, so within one column set a line laid out before is copied and moved
    to its new place instead. Lines holding anything but text (images, inline
    blocks) and columns with floats beside them are laid out as before.

    A moved line's coordinates can differ from a fresh layout's in the last bits
    (1e-13 px: float rounding of the move). PDFs print six decimals, and the
    sources and layouts tested give the same bytes with and without this patch.
    """
    memo: dict[tuple[Any, ...], tuple[Any, ...]] = {}
    text_only: dict[int, tuple[Any, bool]] = {}
    depth = [0]

    def columns_layout(*args: Any, **kwargs: Any) -> Any:
        depth[0] += 1
        try:
            return _ORIGINAL_COLUMNS(*args, **kwargs)
        finally:
            depth[0] -= 1
            if not depth[0]:
                memo.clear()

    def get_next_linebox(context: Any, linebox: Any, position_y: float, bottom_space: float,
                         skip_stack: Any, containing_block: Any, absolute_boxes: Any,
                         fixed_boxes: Any, first_letter_style: Any, first_line_style: Any) -> Any:
        args = (context, linebox, position_y, bottom_space, skip_stack, containing_block,
                absolute_boxes, fixed_boxes, first_letter_style, first_line_style)
        if (not depth[0] or context.excluded_shapes or first_letter_style or first_line_style):
            return _ORIGINAL_NEXT_LINE(*args)
        known = text_only.get(id(linebox))
        if known is None or known[0] is not linebox:
            known = text_only[id(linebox)] = (linebox, _text_only(linebox))
        if not known[1]:
            return _ORIGINAL_NEXT_LINE(*args)
        x = containing_block.content_box_x()
        key = (id(linebox), repr(skip_stack), containing_block.width, linebox.text_indent)
        kept = memo.get(key)
        if kept is not None and kept[0] is linebox:
            _, line, resume_at, old_x, old_y, width, height = kept
            if line is None:
                return None, None
            linebox.position_y, linebox.width, linebox.height = position_y, width, height
            copy = line.deepcopy()
            copy.translate(x - old_x, position_y - old_y)
            return copy, copy_skip_stack(resume_at)
        line, resume_at = _ORIGINAL_NEXT_LINE(*args)
        memo[key] = (linebox, line.deepcopy() if line is not None else None, copy_skip_stack(resume_at),
                     x, position_y, linebox.width, linebox.height)
        return line, resume_at

    with mock.patch.object(wp_block, "columns_layout", columns_layout), \
            mock.patch.object(wp_inline, "get_next_linebox", get_next_linebox):
        yield


def copy_skip_stack(stack: Any) -> Any:
    """A skip stack ({index: stack or None}) as a new dict, so no caller shares it."""
    return None if stack is None else {k: copy_skip_stack(v) for k, v in stack.items()}
