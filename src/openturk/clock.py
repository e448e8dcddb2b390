"""The one place that says what time it is. Tests move a MovableClock instead of sleeping."""

from __future__ import annotations

import threading
import time as _time
from datetime import datetime, timezone


class SystemClock:
    def epoch_ms(self) -> int:
        return int(_time.time() * 1000)  # noqa: TID251 (the clock itself)

    def now(self) -> datetime:
        return datetime.fromtimestamp(self.epoch_ms() / 1000, timezone.utc)


class MovableClock(SystemClock):
    """Real time plus an offset that only grows: time passes as usual, and tests (or the
    `--test-clock` control of later issues) can jump it forward instead of sleeping."""

    def __init__(self) -> None:
        self._offset_ms = 0
        self._lock = threading.Lock()

    def epoch_ms(self) -> int:
        return super().epoch_ms() + self._offset_ms

    def advance(self, seconds: float) -> int:
        if seconds < 0:
            raise ValueError("the clock only moves forward")
        with self._lock:
            self._offset_ms += int(seconds * 1000)
        return self.epoch_ms()
