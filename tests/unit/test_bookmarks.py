"""ops/bookmarks.py: where the legacy listings' pages ended, the most recently used kept."""

from __future__ import annotations

from openturk.ops.bookmarks import Bookmarks


def test_page_one_starts_at_the_start_and_page_n_after_page_n_minus_one():
    marks = Bookmarks()
    assert marks.start_after(("holders", "T"), 1) is None
    marks.remember(("holders", "T"), 1, (41,))
    assert marks.start_after(("holders", "T"), 2) == (41,)
    assert marks.start_after(("holders", "T"), 3) is None          # page 2 was never served
    assert marks.start_after(("holders", "U"), 2) is None          # another listing


def test_the_least_recently_used_pages_are_forgotten():
    marks = Bookmarks(capacity=2)
    marks.remember(("L",), 1, (1,))
    marks.remember(("L",), 2, (2,))
    assert marks.start_after(("L",), 2) == (1,)                    # page 1's end used: page 2's is the oldest
    marks.remember(("L",), 3, (3,))
    assert marks.start_after(("L",), 2) == (1,) and marks.start_after(("L",), 4) == (3,)
    assert marks.start_after(("L",), 3) is None
