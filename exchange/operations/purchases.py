"""Purchases: quote and record the points a purchase earns, and refund a purchase."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from decimal import Decimal

from exchange.callers import Caller
from exchange.clock import now_us
from exchange.ledger import earning
from exchange.ledger.earning import EarnResult, FundedCredit, PurchaseEarn
from exchange.ledger.expiry import lock_settled_member
from exchange.ledger.journal import Journal
from exchange.ledger.refunds import PurchaseRefund, RefundResult
from exchange.members.service import MemberRecord, get_linked_member
from exchange.money import to_minor
from exchange.offers import at_purchase
from exchange.offers.at_purchase import HistoryLine, OfferCredit, PurchaseContext
from exchange.offers.eligibility import EarnLine
from exchange.operations import postings
from exchange.operations.pricing import prices_at, purchase_issue_price
from exchange.operations.unit import run_once
from exchange.program import purchases as rules
from exchange.program.purchases import Purchase, PurchaseQuote
from exchange.registry.partners import PartnerRecord, get_partner_by_id
from exchange.registry.rates import Rate


@dataclass(frozen=True, slots=True)
class PurchaseOutcome:
    quote: PurchaseQuote
    earning_id: int
    points_to_debt: int
    points_pending: int
    points_available: int


@dataclass(frozen=True, slots=True)
class _Recorded(EarnResult):
    """What a recorded purchase gave, offers' bonuses included (in the debt, pending and
    available counts too); stored with its idempotency key, so a retry gets the first answer
    (the points and rules as they were, not as now)."""

    offer_points: int = 0
    offer_ids: list[int] = field(default_factory=list)  # results stored before 0.2 have it too


async def quote_purchase(caller: Caller, purchase: Purchase) -> PurchaseQuote:
    """What recording the purchase would earn, without writing anything: the same rules, the
    offers without spending budgets (so a purchase racing others may get less)."""
    member = await get_linked_member(caller.partner_id_or_raise(), purchase.card_number)
    partner = await get_partner_by_id(caller.partner_id_or_raise())
    now = now_us()
    quote, rate = await rules.quote(partner, purchase, now)
    credits = await at_purchase.preview_offers(member.id, _offer_context(partner, purchase, rate),
                                               now)
    return replace(quote, offer_points=sum(c.points for c in credits),
                   rules_applied=(*quote.rules_applied, *(c.reason for c in credits)))


async def record_purchase(
    caller: Caller, purchase: Purchase, idempotency_key: str
) -> PurchaseOutcome:
    member = await get_linked_member(caller.partner_id_or_raise(), purchase.card_number)
    partner = await get_partner_by_id(caller.partner_id_or_raise())
    quote, rate = await rules.quote(partner, purchase, now_us())
    context = _offer_context(partner, purchase, rate)
    # The payload is what the partner sent: a rate changed before a retry cannot turn the retry
    # into a different request.
    request = _earn_request(member, partner, purchase, quote)

    async def earn(journal: Journal) -> _Recorded:
        price = await purchase_issue_price(journal.conn, partner, rate, purchase.occurred_at)
        return await _earn(journal, request, context, price)

    recorded = await run_once("earn_purchase", purchase, _Recorded, earn, caller=caller.label,
                              idempotency_key=idempotency_key)
    return PurchaseOutcome(
        quote=replace(quote, points=recorded.points, available_at=recorded.available_at,
                      expires_at=recorded.expires_at,
                      rules_applied=tuple(recorded.rules_applied),
                      offer_points=recorded.offer_points),
        earning_id=recorded.earning_id, points_to_debt=recorded.points_to_debt,
        points_pending=recorded.points_pending, points_available=recorded.points_available,
    )


async def _earn(journal: Journal, request: PurchaseEarn, context: PurchaseContext,
                issue_price: Decimal) -> _Recorded:
    accounts = await lock_settled_member(journal, request.member_id)
    earned = await earning.earn_purchase(journal, accounts, request, issue_price)
    member_id = request.member_id
    await at_purchase.record_history(journal.conn, member_id, earned.earning_id, context)
    credits = await at_purchase.award_offers(journal.conn, member_id, earned.earning_id, context,
                                             journal.now_us)
    to_debt, to_lot = earned.points_to_debt, earned.points_pending + earned.points_available
    for credit in credits:
        funder = await prices_at(journal.conn, credit.funding_partner_id, request.occurred_at)
        credited = await earning.credit_funded(
            journal, accounts, earned, funded(credit, funder.issue_price), request.occurred_at)
        to_debt, to_lot = to_debt + credited.points_to_debt, to_lot + credited.points_to_lot
    return _recorded(earned, credits, to_debt, to_lot, journal.now_us)


def _recorded(
    earned: EarnResult, credits: tuple[OfferCredit, ...], to_debt: int, to_lot: int, now: int
) -> _Recorded:
    is_pending = earned.available_at > now
    return _Recorded(
        earning_id=earned.earning_id, points=earned.points, points_to_debt=to_debt,
        points_pending=to_lot if is_pending else 0,
        points_available=0 if is_pending else to_lot,
        available_at=earned.available_at, expires_at=earned.expires_at,
        rules_applied=[*earned.rules_applied, *(c.reason for c in credits)],
        offer_points=sum(c.points for c in credits),
        offer_ids=[c.offer_id for c in credits],
    )


def funded(credit: OfferCredit, issue_price: Decimal) -> FundedCredit:
    """An offer's points as the ledger posts them: issued and billed by the funder at its
    `issue_price`."""
    return FundedCredit(credit.funding_partner_id, credit.points, credit.reason, issue_price)


def _earn_request(
    member: MemberRecord, partner: PartnerRecord, purchase: Purchase, quote: PurchaseQuote
) -> PurchaseEarn:
    return PurchaseEarn(
        member_id=member.id, partner_id=partner.id, order_id=purchase.order_id,
        currency=purchase.currency, amount_minor=to_minor(quote.amount, purchase.currency),
        points=quote.points, occurred_at=purchase.occurred_at,
        available_at=quote.available_at, expires_at=quote.expires_at,
        rules_applied=quote.rules_applied,
    )


async def refund_purchase(
    caller: Caller, order_id: str, currency: str, amount: Decimal, idempotency_key: str
) -> RefundResult:
    rules.check_refund(amount, currency)
    return await postings.refund_purchase(
        PurchaseRefund(caller.partner_id_or_raise(), order_id, currency,
                       to_minor(amount, currency)),
        caller=caller.label, idempotency_key=idempotency_key,
    )


def _offer_context(partner: PartnerRecord, purchase: Purchase, rate: Rate) -> PurchaseContext:
    """The purchase as offers and the ranking history see it."""
    lines: tuple[EarnLine, ...]
    history: tuple[HistoryLine, ...]
    if not purchase.lines:
        assert purchase.total is not None
        lines = (EarnLine("", "", purchase.total * rate.earn_rate),)
        history = (HistoryLine("", "", to_minor(purchase.total, purchase.currency)),)
    else:
        lines = tuple(
            EarnLine(f"{partner.code}/{line.sku}", line.category or "",
                     line.amount * rate.earn_rate * rate.multiplier(line.category))
            for line in purchase.lines
        )
        history = tuple(
            HistoryLine(line.sku, line.category or "", to_minor(line.amount, purchase.currency))
            for line in purchase.lines
        )
    return PurchaseContext(partner.id, partner.code, purchase.currency, purchase.occurred_at,
                           lines, history)
