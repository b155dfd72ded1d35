"""Spending an offer's budget: exact under concurrency, never past the (paced) budget."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tortoise import BaseDBAsyncClient

from exchange.db import execute, fetch_one
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

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> _Budget:
        return cls(row["status"], row["points_awarded"], row["budget_points"], row["pacing"],
                   row["starts_at"], row["ends_at"])


async def _lock_budget(conn: BaseDBAsyncClient, offer_id: int) -> _Budget:
    row = await fetch_one(
        conn,
        "SELECT status, points_awarded, budget_points, pacing, starts_at, ends_at FROM offers "
        "WHERE id = $1 FOR UPDATE",
        offer_id,
    )
    assert row is not None
    return _Budget.from_row(row)


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
