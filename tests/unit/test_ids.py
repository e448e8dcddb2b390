"""MTurk-shaped ids: their shapes, and that every character of the alphabet is equally likely."""

from __future__ import annotations

import re
from collections import Counter

from openturk import ids


def test_shapes():
    assert re.fullmatch(r"[A-Z0-9]{30}", ids.hit_id())
    assert re.fullmatch(r"[A-Z0-9]{30}", ids.hit_type_id())
    assert re.fullmatch(r"[A-Z0-9]{30}", ids.qualification_type_id())
    assert re.fullmatch(r"A[A-Z0-9]{13}", ids.worker_id())
    assert re.fullmatch(r"AKIA[A-Z0-9]{16}", ids.access_key_id())
    assert re.fullmatch(r"[A-Za-z0-9+/]{40}", ids.secret_access_key())
    assert re.fullmatch(r"[A-Z0-9]{40}", ids.qualification_request_id())


def test_ids_do_not_repeat():
    assert len({ids.hit_id() for _ in range(10_000)}) == 10_000


def test_every_character_is_equally_likely():
    """36 characters from bytes 0-255 would favour the first four (256 = 7 × 36 + 4) by 1/7 if the
    bytes were reduced modulo 36 without skipping 252-255. Over 300,000 characters each is expected
    8,333 times (σ ≈ 90); the bias would show as ~9,300 for A-D."""
    counts = Counter("".join(ids.hit_id() for _ in range(10_000)))
    assert set(counts) == set("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
    expected = 300_000 / 36
    assert all(abs(n - expected) < 8 * 90 for n in counts.values()), counts.most_common(6)
