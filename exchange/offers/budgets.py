"""Spending an offer's budget: exact under concurrency, never past the (paced) budget."""

from __future__ import annotations

from dataclasses import dataclass

from tortoise import BaseDBAsyncClient

from exchange.db import execute, fetch_one_as
from exchange.offers.eligibility import paced_cap


@dataclass(frozen=True, slots=True)
class _Budget:
    """What spending needs of an offer row: whether it is active, and its paced budget."""

    status: str
    points_awarded: int
    budget_points: int
    pacing: str
    starts_at: int
    ends_at: int


async def _lock_budget(conn: BaseDBAsyncClient, offer_id: int) -> _Budget:
    budget = await fetch_one_as(
        conn, _Budget,
        "SELECT status, points_awarded, budget_points, pacing, starts_at, ends_at FROM offers "
        "WHERE id = $1 FOR UPDATE",
        offer_id,
    )
    assert budget is not None
    return budget


async def spend(conn: BaseDBAsyncClient, offer_id: int, points: int, now: int) -> bool:
    """Take `points` from the offer's budget, all or nothing; False when they do not fit.

    The row is locked for the rest of the transaction, so concurrent purchases spend the budget
    one after another and their sum never passes it (the database's CHECK backs this up).
    Callers lock offers by ascending id, after the member and before the shared partner
    accounts (ledger/journal.py), which keeps the lock order free of cycles.
    """
    budget = await _lock_budget(conn, offer_id)
    if budget.status != "active" or budget.points_awarded + points > paced_cap(budget, now):
        return False
    await execute(
        conn, "UPDATE offers SET points_awarded = points_awarded + $1 WHERE id = $2",
        points, offer_id,
    )
    return True
