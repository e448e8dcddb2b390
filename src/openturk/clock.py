"""The one place that says what time it is. Tests move a movable clock instead of sleeping.

Business time only: signature checks (X-Amz-Date skew) always use real time (`SystemClock`), so clients
keep working after the clock has been moved.
"""

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
    """Real time plus an offset, in this process: time passes as usual, and tests jump it."""

    def __init__(self) -> None:
        self._offset_ms = 0
        self._lock = threading.Lock()

    def epoch_ms(self) -> int:
        return SystemClock.epoch_ms(self) + self._offset_ms

    def advance(self, seconds: float) -> int:
        if seconds < 0:
            raise ValueError("the clock only moves forward with advance(); use set_epoch_ms() to go back")
        with self._lock:
            self._offset_ms += int(seconds * 1000)
        return self.epoch_ms()

    def set_epoch_ms(self, ms: int) -> int:
        with self._lock:
            self._offset_ms = ms - SystemClock.epoch_ms(self)
        return self.epoch_ms()


class SharedMovableClock(SystemClock):
    """`serve --test-clock`: real time plus an offset kept in the database, so that every server process
    (`--workers N`, or several machines) sees the same moved time."""

    KEY = "test_clock_offset_ms"

    def __init__(self, db) -> None:
        self._db = db

    def _offset(self) -> int:
        from .store import queries
        with self._db.transaction(write=False) as tx:
            return int(queries.get_meta(tx, self.KEY) or 0)

    def epoch_ms(self) -> int:
        return SystemClock.epoch_ms(self) + self._offset()

    def _store(self, offset: int) -> None:
        from .store import queries
        with self._db.transaction(write=True) as tx:
            queries.put_meta(tx, self.KEY, str(offset))

    def advance(self, seconds: float) -> int:
        if seconds < 0:
            raise ValueError("the clock only moves forward with advance(); use set_epoch_ms() to go back")
        self._store(self._offset() + int(seconds * 1000))
        return self.epoch_ms()

    def set_epoch_ms(self, ms: int) -> int:
        self._store(ms - SystemClock.epoch_ms(self))
        return self.epoch_ms()
