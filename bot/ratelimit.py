"""Per-user rate limiting (token bucket), so one user cannot starve the others."""
from __future__ import annotations

import time


class RateLimiter:
    """``allow(key)`` is True while ``key`` has tokens: ``burst`` at once, refilled at ``rate`` per
    second. Memory is bounded: idle keys are dropped."""

    def __init__(self, rate: float = 0.5, burst: int = 8, clock=time.monotonic, max_keys: int = 100_000):
        self.rate = float(rate)
        self.burst = float(burst)
        self.clock = clock
        self.max_keys = max_keys
        self._buckets: dict[object, tuple[float, float]] = {}

    def _tokens(self, key, now: float) -> float:
        tokens, last = self._buckets.get(key, (self.burst, now))
        return min(self.burst, tokens + (now - last) * self.rate)

    def allow(self, key, cost: float = 1.0) -> bool:
        now = self.clock()
        tokens = self._tokens(key, now)
        if tokens < cost:
            self._buckets[key] = (tokens, now)
            return False
        if len(self._buckets) >= self.max_keys and key not in self._buckets:
            self._prune(now)
        self._buckets[key] = (tokens - cost, now)
        return True

    def wait(self, key, cost: float = 1.0) -> float:
        """Seconds until ``key`` can afford ``cost`` again."""
        tokens = self._tokens(key, self.clock())
        return max(0.0, (cost - tokens) / self.rate) if self.rate > 0 else float("inf")

    def _prune(self, now: float) -> None:
        full = self.burst / self.rate if self.rate > 0 else 0.0
        for k, (tok, last) in list(self._buckets.items()):
            if now - last >= full:
                del self._buckets[k]
        if len(self._buckets) >= self.max_keys:  # still full: forget the oldest half
            for k in sorted(self._buckets, key=lambda k: self._buckets[k][1])[: self.max_keys // 2]:
                del self._buckets[k]
