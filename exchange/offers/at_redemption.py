"""What offers do when points are burned: the largest reward discount that applies pays part of
the points, spent from its budget. The redemption's use case calls this inside its own
transaction, after the member's lock, posts the discount through the ledger, and then records
the award against the redemption (its hold)."""

from __future__ import annotations

from dataclasses import dataclass

from tortoise import BaseDBAsyncClient

from exchange.offers.at_purchase import OfferCredit, candidate_offers, credit_of, record_award
from exchange.offers.budgets import spend
from exchange.offers.eligibility import applies_to_purchase, targets_partner
from exchange.offers.facts import member_facts
from exchange.offers.store import OfferRecord


@dataclass(frozen=True, slots=True)
class DiscountSpent:
    """A discount whose budget is spent, to be posted and then recorded (`record_discount`)."""

    offer: OfferRecord
    credit: OfferCredit


async def spend_discount(
    conn: BaseDBAsyncClient, member_id: int, partner_id: int, partner_code: str, points: int,
    now: int,
) -> DiscountSpent | None:
    """The discount on burning `points` at the partner, its budget spent; None if none."""
    offers = await candidate_offers(conn, ("reward_discount",), now, now, partner_id,
                                    partner_code)
    if not offers:
        return None
    facts = await member_facts(conn, member_id, now)
    usable = [o for o in offers
              if targets_partner(o, partner_code) and applies_to_purchase(o, facts, now, now)]
    # Discounts do not stack: the largest applies (the earliest offer on a tie). Budgets are
    # locked in that one order, the same for every redemption, and discount offers are never
    # among the bonus offers a purchase locks (by ascending id), so no two transactions wait
    # on each other's budgets.
    for offer in sorted(usable, key=lambda o: -o.spec.percent):
        discount = points * offer.spec.percent // 100
        if discount > 0 and await spend(conn, offer.id, discount, now):
            return DiscountSpent(offer, credit_of(offer, discount))
    return None


async def record_discount(
    conn: BaseDBAsyncClient, spent: DiscountSpent, member_id: int, hold_id: int, now: int
) -> None:
    await record_award(conn, spent.offer, member_id, None, spent.credit.points, now,
                       hold_id=hold_id)
