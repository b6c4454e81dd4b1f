"""An item's scenes asked of a service at the same time: the item waits for its slowest scene,
not for the sum of them (SHORTS_SCENE_CONCURRENCY, on top of the pools in deploy/pools.yaml).

Threads, because the work is waiting on a server or an ffmpeg process; the SDK clients are
made per call. Each call retries on its own (the SDKs' `max_retries`, `http_errors.retried`);
a call that still fails fails the step once every other call has finished or been cancelled,
so nothing runs on after the step and whatever was paid for is already kept.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_EXCEPTION, ThreadPoolExecutor, wait
from contextlib import contextmanager
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")

_HELD: dict[str, threading.Lock] = {}  # one small lock per key this process has paid for
_GUARD = threading.Lock()


def in_order(call: Callable[[T], R], items: Iterable[T], at_once: int) -> list[R]:
    """`call(item)` for every item, at most `at_once` running together; the results in the items' order.

    At the first failure the calls not yet started are cancelled, the running ones finish, and
    the failure of the earliest item that failed is raised, as a loop would have raised it.
    """
    if at_once < 1:
        raise ValueError(f"at least one call must run at a time, not {at_once}")
    with ThreadPoolExecutor(max_workers=at_once, thread_name_prefix="scene") as pool:
        futures = [pool.submit(call, item) for item in items]
        for future in wait(futures, return_when=FIRST_EXCEPTION).not_done:
            future.cancel()
    failed = next((f.exception() for f in futures if not f.cancelled() and f.exception() is not None), None)
    if failed is not None:
        raise failed
    return [future.result() for future in futures]


@contextmanager
def one_at_a_time(key: str) -> Iterator[None]:
    """One thread at a time inside for `key`: two scenes that ask for the same paid thing (the same
    text spoken, the same picture drawn) pay once, the second finding what the first kept."""
    with _GUARD:
        lock = _HELD.setdefault(key, threading.Lock())
    with lock:
        yield
