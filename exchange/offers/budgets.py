"""Spending an offer's budget: exact under concurrency, never past the (paced) budget."""

from __future__ import annotations

from tortoise import BaseDBAsyncClient

from exchange.db import execute, fetch_one
from exchange.offers.eligibility import paced_cap
from exchange.offers.store import record_from_row


async def spend(conn: BaseDBAsyncClient, offer_id: int, points: int, now: int) -> bool:
    """Take `points` from the offer's budget, all or nothing; False when they do not fit.

    The row is locked for the rest of the transaction, so concurrent purchases spend the budget
    one after another and their sum never passes it (the database's CHECK backs this up).
    Callers lock offers by ascending id, after the member and before the shared partner
    accounts (ledger/journal.py), which keeps the lock order free of cycles.
    """
    row = await fetch_one(
        conn,
        "SELECT o.*, '' AS funding_partner_code FROM offers o WHERE o.id = $1 FOR UPDATE",
        offer_id,
    )
    assert row is not None
    offer = record_from_row(row)
    if offer.status != "active" or offer.points_awarded + points > paced_cap(offer.spec, now):
        return False
    await execute(
        conn, "UPDATE offers SET points_awarded = points_awarded + $1 WHERE id = $2",
        points, offer_id,
    )
    return True
