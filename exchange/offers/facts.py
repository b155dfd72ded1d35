"""What eligibility needs to know about a member, read in two statements: this runs on every
ranking request and every purchase with offers."""

from __future__ import annotations

from dataclasses import dataclass

from tortoise import BaseDBAsyncClient

from exchange import limits
from exchange.clock import days_to_us
from exchange.db import fetch_as
from exchange.ledger.reporting import purchase_spend
from exchange.offers.eligibility import MemberFacts


@dataclass(frozen=True, slots=True)
class _Fact:
    """One row of the member's facts: enrolled (n: when), activated or used (n: how often)."""

    fact: str
    offer_id: int
    n: int


async def member_facts(
    conn: BaseDBAsyncClient, member_id: int, now: int, *, except_earning_id: int = 0
) -> MemberFacts:
    """The member's facts as of `now`, leaving out the purchase being recorded, if any."""
    spends = await purchase_spend(conn, member_id, now - days_to_us(limits.spend_window_days),
                                  except_earning_id=except_earning_id)
    # The member's enrolment, the offers they activated and how often each was used.
    rows = await fetch_as(
        conn, _Fact,
        "SELECT 'enrolled' AS fact, 0 AS offer_id, created_at AS n FROM members WHERE id = $1 "
        "UNION ALL SELECT 'activated', offer_id, 0 FROM offer_activations WHERE member_id = $1 "
        "UNION ALL SELECT 'used', offer_id, COUNT(*) FROM offer_awards WHERE member_id = $1 "
        "GROUP BY offer_id",
        member_id,
    )
    enrolled = [r.n for r in rows if r.fact == "enrolled"]
    assert enrolled, f"member {member_id} vanished"
    return MemberFacts(
        member_id=member_id, enrolled_at=enrolled[0],
        last_purchase_at=max((s.last_purchase_at for s in spends), default=None),
        spend_minor={s.currency: s.spend_minor for s in spends},
        activated_offer_ids=frozenset(r.offer_id for r in rows if r.fact == "activated"),
        uses={r.offer_id: r.n for r in rows if r.fact == "used"},
    )
