"""What offers do when a purchase earns: its lines join the member's history, and the offers
that apply give their bonuses, spent from their budgets. The purchase's use case calls these
inside its own transaction, so they commit with the points or not at all; it then posts the
bonuses through the ledger, billed to each funding partner. Offers post nothing themselves.
"""

from __future__ import annotations

from dataclasses import dataclass

from tortoise import BaseDBAsyncClient

from exchange import limits
from exchange.db import connection, execute, execute_many
from exchange.offers.budgets import spend
from exchange.offers.eligibility import (
    EarnLine,
    applies_to_purchase,
    paced_cap,
    purchase_points,
)
from exchange.offers.facts import member_facts
from exchange.offers.store import OfferRecord, offers_for_partner


@dataclass(frozen=True, slots=True)
class OfferCredit:
    """Points an offer gives, to be issued (and paid for) by its funding partner."""

    offer_id: int
    funding_partner_id: int
    points: int
    reason: str


@dataclass(frozen=True, slots=True)
class HistoryLine:
    sku: str
    category: str
    amount_minor: int


@dataclass(frozen=True, slots=True)
class PurchaseContext:
    partner_id: int
    partner_code: str
    currency: str
    occurred_at: int
    lines: tuple[EarnLine, ...]
    history: tuple[HistoryLine, ...]


async def record_history(
    conn: BaseDBAsyncClient, member_id: int, earning_id: int, purchase: PurchaseContext
) -> None:
    """Keep the purchase's lines: the history offers are ranked from."""
    await execute_many(
        conn,
        "INSERT INTO purchase_items (member_id, partner_id, earning_id, sku, category, "
        "amount_minor, currency, occurred_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        [(member_id, purchase.partner_id, earning_id, line.sku, line.category,
          line.amount_minor, purchase.currency, purchase.occurred_at)
         for line in purchase.history],
    )


async def candidate_offers(
    conn: BaseDBAsyncClient, kinds: tuple[str, ...], at: int, now: int, partner_id: int,
    partner_code: str,
) -> list[OfferRecord]:
    """Offers of these kinds live at `at` that target the partner, by ascending id (the order
    their budgets are locked in): one indexed lookup of the partner in offer_targets."""
    return await offers_for_partner(conn, kinds, at, now, partner_id, partner_code)


async def record_award(conn: BaseDBAsyncClient, offer: OfferRecord, member_id: int,
                       earning_id: int | None, points: int, now: int, *,
                       hold_id: int | None = None) -> OfferCredit:
    """Keep what the offer gave, and on which purchase (earning) or redemption (hold)."""
    await execute(
        conn,
        "INSERT INTO offer_awards (offer_id, member_id, earning_id, hold_id, points, created_at) "
        "VALUES ($1, $2, $3, $4, $5, $6)",
        offer.id, member_id, earning_id, hold_id, points, now,
    )
    return credit_of(offer, points)


def credit_of(offer: OfferRecord, points: int) -> OfferCredit:
    return OfferCredit(
        offer_id=offer.id, funding_partner_id=offer.funding_partner_id, points=points,
        reason=f"offer {offer.id} \"{offer.spec.title}\": {points} points, funded by "
               f"{offer.funding_partner_code}"[:200],
    )


async def _applicable(
    conn: BaseDBAsyncClient, member_id: int, purchase: PurchaseContext, now: int,
    except_earning_id: int = 0,
) -> list[tuple[OfferRecord, int]]:
    """The offers that apply to this purchase and what each gives, by ascending offer id;
    their budgets are not looked at yet. A purchase takes at most a few offers (the largest
    bonuses, the earliest offer on a tie), so its work stays bounded however many run."""
    offers = await candidate_offers(conn, ("bonus_points", "multiplier"), purchase.occurred_at,
                                    now, purchase.partner_id, purchase.partner_code)
    if not offers:
        return []
    facts = await member_facts(conn, member_id, now, except_earning_id=except_earning_id)
    found = []
    for offer in offers:
        if applies_to_purchase(offer, facts, purchase.occurred_at, now):
            points = purchase_points(offer, purchase.partner_code, purchase.lines)
            if points > 0:
                found.append((offer, points))
    largest = sorted(found, key=lambda pair: (-pair[1], pair[0].id))
    return sorted(largest[:limits.offers_applied_per_purchase_max], key=lambda pair: pair[0].id)


async def preview_offers(member_id: int, purchase: PurchaseContext, now: int
                         ) -> tuple[OfferCredit, ...]:
    """What the offers would give on this purchase now, written nowhere (for a quote): the same
    rules, without spending budgets, so a purchase racing others may get less."""
    return tuple(
        credit_of(offer, points)
        for offer, points in await _applicable(connection(), member_id, purchase, now)
        if offer.points_awarded + points <= paced_cap(offer.spec, now)
    )


async def award_offers(
    conn: BaseDBAsyncClient, member_id: int, earning_id: int, purchase: PurchaseContext,
    now: int,
) -> tuple[OfferCredit, ...]:
    """Spend the budgets of the offers that apply and record their awards: what each gives.
    The caller holds the member's lock; budgets are locked next, by ascending offer id."""
    credits = []
    for offer, points in await _applicable(conn, member_id, purchase, now, earning_id):
        if await spend(conn, offer.id, points, now):
            credits.append(await record_award(conn, offer, member_id, earning_id, points, now))
    return tuple(credits)
