"""What eligibility needs to know about a member, read in a few statements."""

from __future__ import annotations

from tortoise import BaseDBAsyncClient

from exchange.clock import days_to_us
from exchange.db import fetch
from exchange.offers.eligibility import MemberFacts

SPEND_WINDOW_DAYS = 365


async def member_facts(
    conn: BaseDBAsyncClient, member_id: int, now: int, *, except_earning_id: int = 0
) -> MemberFacts:
    """The member's facts as of `now`, leaving out the purchase being recorded, if any.
    Two statements: this runs on every ranking request and every purchase with offers."""
    # One row per currency bought in, or one row of NULLs for a member who never bought.
    purchases = await fetch(
        conn,
        "SELECT m.created_at, e.currency, MAX(e.occurred_at) AS last_at, "
        "SUM(CASE WHEN e.occurred_at >= $3 THEN e.amount_minor - e.amount_refunded_minor "
        "ELSE 0 END) AS spend FROM members m LEFT JOIN earnings e ON e.member_id = m.id "
        "AND e.id <> $2 WHERE m.id = $1 GROUP BY m.created_at, e.currency",
        member_id, except_earning_id, now - days_to_us(SPEND_WINDOW_DAYS),
    )
    assert purchases, f"member {member_id} vanished"
    bought = [r for r in purchases if r["currency"] is not None]
    offers = await fetch(
        conn,
        "SELECT 'activated' AS fact, offer_id, 0 AS n FROM offer_activations "
        "WHERE member_id = $1 UNION ALL SELECT 'used', offer_id, COUNT(*) FROM offer_awards "
        "WHERE member_id = $1 GROUP BY offer_id",
        member_id,
    )
    last = max((int(r["last_at"]) for r in bought), default=None)
    return MemberFacts(
        member_id=member_id, enrolled_at=int(purchases[0]["created_at"]), last_purchase_at=last,
        spend_minor={r["currency"]: int(r["spend"]) for r in bought},
        activated_offer_ids=frozenset(
            int(r["offer_id"]) for r in offers if r["fact"] == "activated"),
        uses={int(r["offer_id"]): int(r["n"]) for r in offers if r["fact"] == "used"},
    )
