"""Two cores: the PDF, the slowest edition by far, is handled in a forked worker beside the rest."""
from __future__ import annotations

import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from typing import Callable, TypeVar

Item = TypeVar("Item")
Result = TypeVar("Result")


def map_beside(job: Callable[[Item], Result], items: list[Item],
               slow: Callable[[Item], bool]) -> list[Result]:
    """`[job(item) for item in items]`, with the one slow item run in a second process.

    `job` must be picklable (a module-level function or a functools.partial of one).
    Errors raised in the worker reach the caller unchanged.
    """
    slow_items = [item for item in items if slow(item)]
    if len(items) < 2 or len(slow_items) != 1 or (os.cpu_count() or 1) < 2:
        return [job(item) for item in items]
    pool = ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("fork"))
    try:
        future = pool.submit(job, slow_items[0])
        here = {id(item): job(item) for item in items if item is not slow_items[0]}
        there = future.result()
    finally:
        pool.shutdown(cancel_futures=True)
    return [there if item is slow_items[0] else here[id(item)] for item in items]
