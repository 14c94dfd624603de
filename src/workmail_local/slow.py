"""Slow work (argon2 hashing and verification) off the event loop and outside the store's lock.

A request runs in one transaction that holds the store's lock, on the event loop: a
45 ms password hash there would stall every other request. So CPU-heavy functions are
called through :func:`slow`, and a request that needs one runs in rounds:

1. The request runs as usual. Its first ``slow(fn, *args)`` has no result yet: it raises
   :class:`SlowWorkNeeded`, which rolls the transaction back (nothing is written) and
   unwinds to ``App.__call__``.
2. ``App.__call__`` runs ``fn(*args)`` in a worker thread (:func:`run_off_loop`) — no
   transaction is open, the lock is free, the loop answers other requests meanwhile —
   and remembers the result under ``(fn, args)``.
3. The request runs again from the start, in a fresh transaction, and this time
   ``slow(fn, *args)`` returns the remembered result.

The second run re-reads and re-checks everything, so whatever changed in between is
seen: a handler whose input to ``slow`` changed (another request replaced the password
hash meanwhile) calls it with other arguments, which is simply another round. After
:data:`MAX_ROUNDS` rounds the work is done inline, so a request always finishes.

Requests that call no slow function (the hot path) pay one context-variable set and
nothing else: no thread hop. Called any other way — the in-process mock, unit tests,
start-up — ``slow(fn, *args)`` just calls ``fn(*args)``.

``fn`` must be a pure function of its arguments (hashable ones), safe to run in a thread
and to run again: a rolled-back round may repeat what a handler did before calling it.
"""

from __future__ import annotations

import asyncio
import os
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextvars import ContextVar
from typing import Any, TypeVar

T = TypeVar("T")

#: Rounds of off-loop work one request may take before the rest is done inline.
MAX_ROUNDS = 4

# The results of one request's slow calls so far; ``None``: not served over ASGI, run inline.
_results: ContextVar[dict[tuple[Any, ...], Any] | None] = ContextVar("workmail_local_slow_results", default=None)

#: Added to the nice value of the worker threads: where slow work and requests share a
#: core, the requests go first.
NICENESS = 10


def _yield_to_requests() -> None:
    """Lower this worker thread's scheduling priority (Linux sets nice values per thread)."""
    try:
        tid = threading.get_native_id()
        os.setpriority(os.PRIO_PROCESS, tid, min(19, os.getpriority(os.PRIO_PROCESS, tid) + NICENESS))
    except (AttributeError, OSError):  # not Linux, or not allowed: same priority as the loop
        pass


# One core is left to the event loop (argon2 releases the GIL while it hashes).
_pool = ThreadPoolExecutor(max_workers=max(1, (os.cpu_count() or 2) - 1), thread_name_prefix="workmail-slow",
                           initializer=_yield_to_requests)


class SlowWorkNeeded(BaseException):  # noqa: N818 - a control-flow signal, not an error
    """Raised by :func:`slow` to have ``fn(*args)`` run off the loop, then the request again.

    A ``BaseException`` so that a handler's ``except Exception`` cannot swallow it; every
    transaction rolls back on it."""

    def __init__(self, fn: Callable[..., Any], args: tuple[Any, ...]) -> None:
        super().__init__(fn.__name__)
        self.fn, self.args = fn, args


def slow(fn: Callable[..., T], *args: Any) -> T:
    """``fn(*args)``, computed outside the request's transaction when serving over ASGI."""
    results = _results.get()
    if results is None:
        return fn(*args)
    key = (fn, *args)
    if key in results:
        return results[key]
    raise SlowWorkNeeded(fn, args)


async def in_rounds(answer: Callable[[], T]) -> T:
    """``answer()`` (one run of a request), run again after each :class:`SlowWorkNeeded` with
    the slow work done off the loop; the last round runs any remaining slow work inline."""
    results: dict[tuple[Any, ...], Any] = {}
    token = _results.set(results)
    try:
        return answer()  # the hot path: one run, no slow work
    except SlowWorkNeeded as need:
        for _ in range(MAX_ROUNDS - 1):
            results[(need.fn, *need.args)] = await run_off_loop(need.fn, *need.args)
            try:
                return answer()
            except SlowWorkNeeded as again:
                need = again
        _results.set(None)
        return answer()
    finally:
        _results.reset(token)


async def run_off_loop(fn: Callable[..., T], *args: Any) -> T:
    """``fn(*args)`` in the slow-work thread pool, awaited."""
    return await asyncio.get_running_loop().run_in_executor(_pool, fn, *args)
