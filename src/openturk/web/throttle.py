"""Optional throttling (`serve --rate-limit N`): at most N requests per second per access key on the
requester APIs, as a token bucket holding at most N tokens (a burst of N, then N per second).

Per process: with `--workers P` a key may reach up to P × N requests per second in all. Real time
(time.monotonic), not the service clock: `--test-clock` does not refill buckets.
"""

from __future__ import annotations

import time


class RateLimiter:
    def __init__(self, rate: int, now=time.monotonic):
        self.rate = float(rate)
        self.now = now
        self.buckets: dict[str, tuple[float, float]] = {}     # access key -> (tokens, when counted)

    @classmethod
    def from_settings(cls, settings) -> "RateLimiter | None":
        """None when throttling is off, so that the request path pays one `is None` test and nothing else."""
        return cls(settings.rate_limit) if settings.rate_limit > 0 else None

    def allow(self, key: str) -> bool:
        """Take a token from `key`'s bucket; False when it is empty."""
        now = self.now()
        tokens, then = self.buckets.get(key, (self.rate, now))
        tokens = min(self.rate, tokens + (now - then) * self.rate)
        if tokens < 1.0:
            self.buckets[key] = (tokens, now)
            return False
        self.buckets[key] = (tokens - 1.0, now)
        return True
