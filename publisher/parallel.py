"""Two cores: the PDF, the slowest edition by far, is handled in a forked worker beside the rest."""
from __future__ import annotations

import ctypes
import multiprocessing
import os
import signal
from concurrent.futures import Future, ProcessPoolExecutor
from typing import Callable, Iterator, TypeVar

Item = TypeVar("Item")
Result = TypeVar("Result")


class Beside:
    """A second process for one slow job, forked early so that it can warm up.

    `warm` (module imports, say) runs in the worker at once, while the caller goes
    on reading its input; the slow job submitted later finds it done. With one
    core there is no worker and jobs run in the caller when their result is asked.
    `job`s must be picklable (module-level functions or functools.partials of them).
    """

    def __init__(self, warm: Callable[[], object] | None = None) -> None:
        self.pool: ProcessPoolExecutor | None = None
        if (os.cpu_count() or 1) >= 2:
            self.pool = ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("fork"),
                                            initializer=_die_with_parent)
            if warm is not None:
                self.pool.submit(warm)

    def submit(self, job: Callable[[Item], Result], item: Item) -> Callable[[], Result]:
        """Start `job(item)` in the worker; the returned function waits for its result."""
        if self.pool is None:
            return lambda: job(item)
        future: Future[Result] = self.pool.submit(job, item)
        return future.result

    def close(self, failed: bool = False) -> None:
        """Wait for the worker; after a failure stop it at once (its result is not wanted)."""
        if self.pool is None:
            return
        if failed:  # no public way to stop a running job before Python 3.14's terminate_workers
            for process in list(getattr(self.pool, "_processes", {}).values()):
                process.terminate()
        self.pool.shutdown(cancel_futures=True)

    def __enter__(self) -> Beside:
        return self

    def __exit__(self, kind: type[BaseException] | None, *exc: object) -> None:
        self.close(failed=kind is not None)


#: prctl option: the signal a process gets when its parent dies (linux/prctl.h)
_PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:
    """In the worker: end on SIGTERM at once, and ask Linux to send it when the parent dies."""
    signal.signal(signal.SIGTERM, signal.SIG_DFL)  # not the command line's unwinding handler
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
    except (OSError, AttributeError):  # not Linux: the worker ends when its pipe closes
        pass


def run_beside(job: Callable[[Item], Result], items: list[Item], slow: Callable[[Item], bool],
               beside: Beside | None = None) -> Iterator[tuple[Item, Result]]:
    """(item, job(item)) for each item as it is done, the one slow item last and in a worker.

    Errors raised in the worker reach the caller unchanged.
    """
    slow_items = [item for item in items if slow(item)]
    if len(items) < 2 or len(slow_items) != 1:
        yield from ((item, job(item)) for item in items)
        return
    owned = beside is None
    worker = Beside() if beside is None else beside
    try:
        result = worker.submit(job, slow_items[0])
        for item in items:
            if item is not slow_items[0]:
                yield item, job(item)
        yield slow_items[0], result()
    finally:
        if owned:
            worker.close()


def map_beside(job: Callable[[Item], Result], items: list[Item],
               slow: Callable[[Item], bool]) -> list[Result]:
    """`[job(item) for item in items]`, with the one slow item run in a second process."""
    done = dict((id(item), result) for item, result in run_beside(job, items, slow))
    return [done[id(item)] for item in items]
