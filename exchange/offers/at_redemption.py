"""What happens to offers when points are spent in one step: the best reward discount that
applies pays part of the points, funded (and billed) by its partner, inside the redemption's
own transaction (the ledger's spend hook)."""

from __future__ import annotations

from exchange.ledger.earning import OfferCredit
from exchange.ledger.holds import SpendContext, SpendHook
from exchange.offers.at_purchase import candidate_offers, record_award
from exchange.offers.budgets import spend
from exchange.offers.eligibility import applies_to_purchase, targets_partner
from exchange.offers.facts import member_facts


def redemption_hook(partner_id: int, partner_code: str) -> SpendHook:
    async def hook(context: SpendContext) -> tuple[OfferCredit, ...]:
        now = context.now_us
        offers = await candidate_offers(context.conn, ("reward_discount",),
                                        now, now, partner_id, partner_code)
        if not offers:
            return ()
        facts = await member_facts(context.conn, context.member_id, now)
        usable = [o for o in offers
                  if targets_partner(o, partner_code) and applies_to_purchase(o, facts, now, now)]
        # Discounts do not stack: the largest applies (the earliest offer on a tie).
        for offer in sorted(usable, key=lambda o: -o.spec.percent):
            points = context.points * offer.spec.percent // 100
            if points > 0 and await spend(context.conn, offer.id, points, now):
                return (await record_award(context.conn, offer, context.member_id, None, points,
                                           now),)
        return ()

    return hook
