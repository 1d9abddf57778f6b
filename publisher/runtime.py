"""Python runtime settings for long renders: room on the frame stack, fewer full collections.

Room on the frame stack (a CPython 3.11 behaviour).
CPython keeps the frames of Python calls in chunks: a call that does not fit in
the current chunk maps a new 16 KB one, and when that call returns the chunk is
unmapped again. WeasyPrint's layout recurses deeply, and when its hot calls
straddle a chunk boundary every text line costs an mmap and a munmap: 16,000
pairs for 20x the seed, 1.7 s of system time. Where the boundary falls depends
only on how deep the render starts, so it came and went with unrelated changes.

`call_with_room` calls from a frame that reserves 20,000 stack slots (160 KB,
never touched): its chunk is 256 KB, and the ~96 KB above it holds the whole
layout's frames. Measured: 136 pairs at 20x.

Fewer full collections. A layout makes millions of objects that live until the
document is written. With Python's default thresholds (700, 10, 10) the cyclic
collector's full passes, which scan every live object, ran nine times for 20x
the seed and took 13% of its render; the 100x PDF took 41.8 s with them, 29.6 s
with fewer.
`fewer_collections` raises the thresholds for a command or one render:
collections still run, the young ones a fourteenth as often. Peak memory was
unchanged (the PDF renderer collects once before writing).
"""
from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator
from typing import Callable, TypeVar

Result = TypeVar("Result")

#: stack slots reserved by the calling frame (8 bytes each)
ROOM = 20_000


def _call(call: Callable[[], Result]) -> Result:
    return call()


_call.__code__ = _call.__code__.replace(co_stacksize=ROOM)


def call_with_room(call: Callable[[], Result]) -> Result:
    """`call()`, with its frames in one chunk of Python's frame stack."""
    return _call(call)


#: collector thresholds during a render (Python's defaults: 700, 10, 10)
RENDER_THRESHOLDS = (10_000, 50, 50)


@contextlib.contextmanager
def fewer_collections() -> Iterator[None]:
    """Raise the cyclic collector's thresholds for the duration of one render."""
    before = gc.get_threshold()
    gc.set_threshold(*RENDER_THRESHOLDS)
    try:
        yield
    finally:
        gc.set_threshold(*before)
