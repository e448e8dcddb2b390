"""Where the pages of the legacy listings ended, so that the next page is read by keyset, not OFFSET.

The legacy API pages by PageNumber: page N is the rows after the first (N-1) × PageSize, and read with
OFFSET a deep page costs as much as every page before it (page 10,000 of a type's million holders: 50 ms
on SQLite, against 1 ms for page 1). Clients walk the pages in turn (boto 2's get_all_* helpers, scripts
that stop at an empty page), so each process remembers where each page it served ended and reads page N+1
from right after that row: one index range read, whatever N. A page asked for out of turn — page N-1 was
never served here (another server process served it, or it was forgotten) — is read by OFFSET.

What a walk sees (docs/compatibility.md): each row that stays in the listing exactly once, even while rows
are added or removed between two pages, where OFFSET would repeat or skip some. A row added before the
walk's position is not shown to that walk.
"""

from __future__ import annotations

from collections import OrderedDict
from threading import Lock
from typing import Callable


class Bookmarks:
    """(listing, page number) -> the sort key of the page's last row, the `capacity` most recently used."""

    def __init__(self, capacity: int = 10_000):
        self.capacity = capacity
        self._ends: OrderedDict[tuple, tuple] = OrderedDict()
        self._lock = Lock()

    def start_after(self, listing: tuple, number: int) -> tuple | None:
        """Where page `number` of the listing starts (the previous page's last key), if this process knows."""
        if number <= 1:
            return None
        with self._lock:
            end = self._ends.get((listing, number - 1))
            if end is not None:
                self._ends.move_to_end((listing, number - 1))
            return end

    def remember(self, listing: tuple, number: int, end: tuple) -> None:
        with self._lock:
            self._ends[(listing, number)] = end
            self._ends.move_to_end((listing, number))
            while len(self._ends) > self.capacity:
                self._ends.popitem(last=False)


PAGES = Bookmarks()


def read_page(listing: tuple, number: int, read: Callable[[tuple | None], list[dict]],
              key: Callable[[dict], tuple]) -> list[dict]:
    """Page `number` of a listing: `read(after)` reads it right after the key `after`, or by OFFSET when
    `after` is None; `key(row)` is a row's sort key. `listing` names everything the rows depend on (the
    operation, the caller, the filters, the sort, the page size)."""
    rows = read(PAGES.start_after(listing, number))
    if rows:
        PAGES.remember(listing, number, key(rows[-1]))
    return rows
