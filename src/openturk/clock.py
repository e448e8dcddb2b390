"""The one place that says what time it is. Tests move a MovableClock instead of sleeping."""

from __future__ import annotations

import threading
import time as _time
from datetime import datetime, timedelta, timezone


class SystemClock:
    def now(self) -> datetime:
        return datetime.fromtimestamp(_time.time(), timezone.utc)  # noqa: TID251 (the clock itself)

    def epoch_ms(self) -> int:
        return int(_time.time() * 1000)  # noqa: TID251


class MovableClock:
    """A clock that starts at real time (or `start`) and moves only when told to."""

    def __init__(self, start: datetime | None = None):
        self._now = start or SystemClock().now()
        self._lock = threading.Lock()

    def now(self) -> datetime:
        return self._now

    def epoch_ms(self) -> int:
        return int(self._now.timestamp() * 1000)

    def advance(self, seconds: float) -> datetime:
        with self._lock:
            self._now = self._now + timedelta(seconds=seconds)
            return self._now

    def set(self, when: datetime) -> None:
        with self._lock:
            self._now = when
