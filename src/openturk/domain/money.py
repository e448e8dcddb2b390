"""Money: MTurk's CurrencyAmount, its fees, and the cost of a HIT. Amounts are integer cents.

openturk choice (docs/compatibility.md): a HIT's whole cost — (reward + fee) × MaxAssignments — is
reserved from the balance when the HIT is created (as MTurk's prepaid balance did), and what its
unused assignments reserved is given back when the HIT is deleted.
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal

from .. import errors

# The model's CurrencyAmount pattern; the JSON adapter checks it before an operation sees the value.
_AMOUNT = re.compile(r"^[0-9]+(\.)?[0-9]{0,2}$")
# openturk choice: an upper bound, so that no amount overflows (MTurk's own limit was not documented).
MAX_REWARD_CENTS = 100_000_00

BASE_FEE_PERCENT = 20          # "20% fee on the reward and bonus amount"
MANY_ASSIGNMENTS_FEE_PERCENT = 20   # "+20% for HITs with 10 or more assignments"
MASTERS_FEE_PERCENT = 5        # "+5% for the Masters Qualification"
MIN_FEE_CENTS = 1              # "The minimum commission charge is $0.01 per assignment"
MANY_ASSIGNMENTS = 10


def parse_amount(text: str, param: str = "Reward") -> int:
    """A CurrencyAmount ("0.50", "1", "2.5") → cents. "A string representing a currency amount."""
    if not isinstance(text, str) or not _AMOUNT.match(text):
        raise errors.invalid_value(param, f"{text!r} is not an amount of US dollars such as 0.50")
    cents = int((Decimal(text) * 100).to_integral_value())
    if cents > MAX_REWARD_CENTS:
        raise errors.out_of_range(param, text, "0.00", format_cents(MAX_REWARD_CENTS))
    return cents


def cents_of(amount: str) -> int:
    """A decimal amount of dollars (already checked) → cents."""
    return int((Decimal(amount) * 100).to_integral_value(rounding=ROUND_HALF_UP))


def format_cents(cents: int) -> str:
    """Cents → the CurrencyAmount MTurk answered ("0.50", "10000.00")."""
    sign = "-" if cents < 0 else ""
    cents = abs(cents)
    return f"{sign}{cents // 100}.{cents % 100:02d}"


def fee_percent(max_assignments: int, masters: bool) -> int:
    """The commission on a HIT's rewards: 20%, +20% with 10 or more assignments, +5% with Masters."""
    percent = BASE_FEE_PERCENT
    if max_assignments >= MANY_ASSIGNMENTS:
        percent += MANY_ASSIGNMENTS_FEE_PERCENT
    if masters:
        percent += MASTERS_FEE_PERCENT
    return percent


def fee_cents(amount_cents: int, percent: int) -> int:
    """The fee on one payment, rounded half up to a cent, at least $0.01 (none on a zero amount)."""
    if amount_cents <= 0:
        return 0
    fee = (Decimal(amount_cents) * percent / 100).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    return max(MIN_FEE_CENTS, int(fee))


def assignment_cost(reward_cents: int, max_assignments: int, masters: bool) -> int:
    """What one assignment of a HIT costs the requester: its reward and the fee on it."""
    return reward_cents + fee_cents(reward_cents, fee_percent(max_assignments, masters))


def hit_cost(reward_cents: int, max_assignments: int, masters: bool) -> int:
    """What creating a HIT reserves: every assignment's reward and fee."""
    return assignment_cost(reward_cents, max_assignments, masters) * max_assignments
