"""Runtime settings for renders: room on the frame stack, collector thresholds restored."""
from __future__ import annotations

import gc
import sys

import pytest

from publisher.runtime import RENDER_THRESHOLDS, call_with_room, fewer_collections


def test_call_with_room_returns_and_raises_as_the_call() -> None:
    assert call_with_room(lambda: 42) == 42
    with pytest.raises(ZeroDivisionError):
        call_with_room(lambda: 1 / 0)


def test_deep_recursion_still_works_beyond_the_room() -> None:
    def depth(n: int) -> int:
        return 0 if n == 0 else 1 + depth(n - 1)
    limit = min(sys.getrecursionlimit() - 100, 5000)
    assert call_with_room(lambda: depth(limit)) == limit


def test_thresholds_are_raised_during_a_render_and_restored() -> None:
    before = gc.get_threshold()
    with fewer_collections():
        assert gc.get_threshold() == RENDER_THRESHOLDS
    assert gc.get_threshold() == before
    with pytest.raises(RuntimeError), fewer_collections():
        raise RuntimeError
    assert gc.get_threshold() == before
