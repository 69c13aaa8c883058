"""A token bucket per API token, in this process's memory.

Each worker process keeps its own buckets, so with ``--workers N`` behind one address a
token can make up to N times the configured rate; a deployment that needs one global
limit puts it in the load balancer (or a shared store such as Redis) instead.

Deliberately left out: sharing buckets between processes, and forgetting idle buckets
(one small entry per token that ever called).
"""

from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass


@dataclass
class _Bucket:
    tokens: float
    stamp: float


class RateLimiter:
    def __init__(self, per_minute: float, burst: int) -> None:
        self.rate = per_minute / 60.0  # tokens added per second
        self.burst = max(1, burst)
        self._buckets: dict[int, _Bucket] = {}
        self._lock = threading.Lock()

    def take(self, key: int) -> float:
        """Spend one request for ``key``: 0 when allowed, else the seconds until one is free."""
        now = time.monotonic()
        with self._lock:
            bucket = self._buckets.setdefault(key, _Bucket(float(self.burst), now))
            bucket.tokens = min(float(self.burst), bucket.tokens + (now - bucket.stamp) * self.rate)
            bucket.stamp = now
            if bucket.tokens >= 1.0:
                bucket.tokens -= 1.0
                return 0.0
            if self.rate <= 0:
                return math.inf
            return (1.0 - bucket.tokens) / self.rate
