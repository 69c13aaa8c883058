"""Start-up loads that run in the background, and a way to let them finish first.

The embedding model's import (about 5 s of CPU) runs in a background thread while the
catalog and index open. A local llama.cpp model must not generate beside it: its worker
threads spin while they wait for each other, so on two cores a third busy thread made each
decode step about four times slower (measured 2026-12-04: three reasons took 6.4 s beside
the load and 2.1 s alone). A local model therefore waits, bounded, for these loads.

Deliberately left out: general task scheduling. Only start-up loads register here, and
waiting never raises: after the bound the caller goes on.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

_threads: list[threading.Thread] = []
_lock = threading.Lock()


def start(name: str, target: Callable[[], None]) -> threading.Thread:
    """Run ``target`` in a daemon thread that :func:`wait` knows about."""
    thread = threading.Thread(target=target, name=name, daemon=True)
    with _lock:
        _threads[:] = [t for t in _threads if t.is_alive()]
        _threads.append(thread)
    thread.start()
    return thread


def wait(timeout_s: float = 30.0) -> bool:
    """Wait until every background load has finished, at most ``timeout_s`` in all.
    True if none is still running."""
    deadline = time.monotonic() + timeout_s
    with _lock:
        running = [t for t in _threads if t.is_alive() and t is not threading.current_thread()]
    for thread in running:
        thread.join(max(0.0, deadline - time.monotonic()))
    return not any(t.is_alive() for t in running)
