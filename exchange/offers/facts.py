"""What eligibility needs to know about a member, read in a few statements."""

from __future__ import annotations

from tortoise import BaseDBAsyncClient

from exchange.clock import days_to_us
from exchange.db import fetch, fetch_one
from exchange.offers.eligibility import MemberFacts

SPEND_WINDOW_DAYS = 365


async def member_facts(
    conn: BaseDBAsyncClient, member_id: int, now: int, *, except_earning_id: int = 0
) -> MemberFacts:
    """The member's facts as of `now`, leaving out the purchase being recorded, if any."""
    row = await fetch_one(
        conn,
        "SELECT m.created_at, (SELECT MAX(e.occurred_at) FROM earnings e WHERE e.member_id = m.id "
        "AND e.id <> $2) AS last_purchase_at FROM members m WHERE m.id = $1",
        member_id, except_earning_id,
    )
    assert row is not None, f"member {member_id} vanished"
    spend = await fetch(
        conn,
        "SELECT currency, SUM(amount_minor - amount_refunded_minor) AS spend FROM earnings "
        "WHERE member_id = $1 AND id <> $2 AND occurred_at >= $3 GROUP BY currency",
        member_id, except_earning_id, now - days_to_us(SPEND_WINDOW_DAYS),
    )
    activated = await fetch(
        conn, "SELECT offer_id FROM offer_activations WHERE member_id = $1", member_id
    )
    uses = await fetch(
        conn, "SELECT offer_id, COUNT(*) AS n FROM offer_awards WHERE member_id = $1 "
        "GROUP BY offer_id", member_id,
    )
    last = row["last_purchase_at"]
    return MemberFacts(
        member_id=member_id, enrolled_at=int(row["created_at"]),
        last_purchase_at=None if last is None else int(last),
        spend_minor={r["currency"]: int(r["spend"]) for r in spend},
        activated_offer_ids=frozenset(int(r["offer_id"]) for r in activated),
        uses={int(r["offer_id"]): int(r["n"]) for r in uses},
    )
