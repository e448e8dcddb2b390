"""GetAccountBalance: clients call it to check their connection (psiTurk refuses to start without it)."""

from __future__ import annotations

from ..domain.money import format_cents
from ..store import queries
from .context import Ctx
from .registry import operation


@operation("GetAccountBalance")
def get_account_balance(ctx: Ctx) -> dict:
    """"The GetAccountBalance operation retrieves the Prepaid HITs balance in your Amazon Mechanical Turk
    account" — here the sum of the requester's ledger: the opening balance (default 10000.00, the
    sandbox's) less what HITs have reserved (domain.money)."""
    row = queries.requester_by_id(ctx.conn, ctx.caller.requester_id)
    return {"available_balance": format_cents(row["balance_cents"])}
