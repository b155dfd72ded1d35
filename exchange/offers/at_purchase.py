"""What happens to offers when a purchase earns: its lines join the member's history, and
every offer that applies gives its bonus, billed to the funding partner. All of it runs inside
the earn's own transaction (the ledger's earn hook), so it commits with the points or not at all.
"""

from __future__ import annotations

from dataclasses import dataclass

from tortoise import BaseDBAsyncClient

from exchange.db import connection, execute, execute_many
from exchange.ledger.earning import EarnContext, EarnHook, OfferCredit
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


def purchase_hook(purchase: PurchaseContext) -> EarnHook:
    async def hook(context: EarnContext) -> tuple[OfferCredit, ...]:
        await _record_history(context, purchase)
        return await _apply_offers(context, purchase)

    return hook


async def _record_history(context: EarnContext, purchase: PurchaseContext) -> None:
    await execute_many(
        context.conn,
        "INSERT INTO purchase_items (member_id, partner_id, earning_id, sku, category, "
        "amount_minor, currency, occurred_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        [(context.member_id, purchase.partner_id, context.earning_id, line.sku, line.category,
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
                       earning_id: int | None, points: int, now: int) -> OfferCredit:
    await execute(
        conn,
        "INSERT INTO offer_awards (offer_id, member_id, earning_id, points, created_at) "
        "VALUES ($1, $2, $3, $4, $5)",
        offer.id, member_id, earning_id, points, now,
    )
    return _credit(offer, points)


def _credit(offer: OfferRecord, points: int) -> OfferCredit:
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
    their budgets are not looked at yet."""
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
    return found


async def preview_offers(member_id: int, purchase: PurchaseContext, now: int
                         ) -> tuple[OfferCredit, ...]:
    """What the offers would give on this purchase now, written nowhere (for a quote): the same
    rules, without spending budgets, so a purchase racing others may get less."""
    return tuple(
        _credit(offer, points)
        for offer, points in await _applicable(connection(), member_id, purchase, now)
        if offer.points_awarded + points <= paced_cap(offer.spec, now)
    )


async def _apply_offers(
    context: EarnContext, purchase: PurchaseContext
) -> tuple[OfferCredit, ...]:
    applicable = await _applicable(context.conn, context.member_id, purchase, context.now_us,
                                   context.earning_id)
    credits = []
    for offer, points in applicable:
        if await spend(context.conn, offer.id, points, context.now_us):
            credits.append(await record_award(context.conn, offer, context.member_id,
                                              context.earning_id, points, context.now_us))
    return tuple(credits)
