"""Background work for a Bokeh document: the latest request wins, the page never blocks.

A :class:`LatestWorker` runs a job on its own thread; requests that arrive while a job runs
collapse into one rerun with the newest inputs, so a slider dragged over fifty values
costs at most two analyses, and the document's callbacks (sliders, taps) stay live. The
result is handed back to the document thread with ``doc.add_next_tick_callback`` (the
only safe way to change a Bokeh document from another thread).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from functools import partial
from typing import Any

__all__ = ["LatestWorker"]


class LatestWorker:
    """Run ``job()`` in the background and deliver its result with ``deliver(result)``.

    Parameters
    ----------
    schedule : callable
        ``schedule(fn)`` runs ``fn()`` on the document thread
        (``doc.add_next_tick_callback``), or directly in tests.
    job : callable
        Computes the result from the current inputs (read when it starts). A job that
        returns an iterator delivers each part as it comes, and stops early when newer
        inputs have arrived meanwhile.
    deliver : callable
        Applies a result (on the document thread). An exception raised by ``job`` is
        delivered as the exception object itself, so the page can show it.
    """

    def __init__(self, schedule: Callable[[Callable[[], None]], Any],
                 job: Callable[[], Any], deliver: Callable[[Any], None]) -> None:
        self._schedule = schedule
        self._job = job
        self._deliver = deliver
        self._lock = threading.Lock()
        self._dirty = False
        self._busy = False
        self._idle = threading.Event()
        self._idle.set()

    def request(self) -> None:
        """Ask for a (re)computation with the current inputs."""
        with self._lock:
            self._dirty = True
            if self._busy:
                return
            self._busy = True
            self._idle.clear()
        threading.Thread(target=self._loop, daemon=True, name="dynsys-explore").start()

    def wait(self, timeout: float | None = None) -> bool:
        """Block until no job runs or is pending (for tests and benchmarks)."""
        return self._idle.wait(timeout)

    def _loop(self) -> None:
        while True:
            with self._lock:
                if not self._dirty:
                    self._busy = False
                    self._idle.set()
                    return
                self._dirty = False
            try:
                result: Any = self._job()
                if isinstance(result, Iterator):  # parts, delivered as they come
                    for part in result:
                        self._schedule(partial(self._deliver, part))
                        if self._dirty:  # newer inputs: the rest is stale
                            break
                    continue
            except Exception as exc:  # shown in the page; the server keeps running
                result = exc
            self._schedule(partial(self._deliver, result))
