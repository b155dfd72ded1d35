"""Resolvers of offers: parse the input, make one domain call, build the payload."""

from __future__ import annotations

from decimal import Decimal

import strawberry

from exchange import limits
from exchange.api.callers import caller_of, partner_or_admin
from exchange.api.common import Money, moment_us, money, to_user_errors
from exchange.api.errors import CodedError
from exchange.api.offers import types as t
from exchange.api.scalars import StrictDecimal, zoned_at
from exchange.callers import Caller
from exchange.errors import DomainError
from exchange.money import MoneyError, from_minor, to_minor
from exchange.offers import service
from exchange.offers.errors import OfferErrorCode
from exchange.offers.spec import OfferChange, OfferSpec, Segment, Targeting
from exchange.offers.store import OfferRecord


def _offer_id(text: str) -> int:
    if not text.isdigit() or len(text) > 18:
        raise DomainError(OfferErrorCode.OFFER_NOT_FOUND, f"no offer {text!r}", "offerId")
    return int(text)


def _percent(multiplier: Decimal | None, discount: int | None, kind: t.OfferKind) -> int:
    if kind is t.OfferKind.MULTIPLIER:
        extra = ((multiplier or Decimal(0)) - 1) * 100
        if extra != extra.to_integral_value():
            raise DomainError(OfferErrorCode.INVALID_OFFER,
                             "a multiplier has at most two decimals", "multiplier")
        return int(extra)
    return (discount or 0) if kind is t.OfferKind.REWARD_DISCOUNT else 0


def _segment(data: t.OfferCreateInput) -> Segment:
    bounds = [b for b in (data.spend_min, data.spend_max) if b is not None]
    currency = bounds[0].currency if bounds else ""
    if any(b.currency != currency for b in bounds):
        raise DomainError(OfferErrorCode.INVALID_OFFER, "one currency for the band", "spendMax")
    try:
        low, high = (None if b is None else to_minor(b.amount, b.currency)
                     for b in (data.spend_min, data.spend_max))
    except MoneyError as error:
        raise DomainError(OfferErrorCode.INVALID_OFFER, str(error), "spendMin") from None
    return Segment(data.segment_kind.value, data.segment_days, currency, low or 0, high)


def _spec(data: t.OfferCreateInput) -> OfferSpec:
    targeting = data.targeting or t.OfferTargetingInput()
    return OfferSpec(
        title=data.title, kind=data.kind.value, starts_at=moment_us(data.starts_at),
        ends_at=moment_us(data.ends_at), budget_points=data.budget_points,
        bonus_points=(data.bonus_points or 0) if data.kind is t.OfferKind.BONUS_POINTS else 0,
        percent=_percent(data.multiplier, data.discount_percent, data.kind),
        targeting=Targeting(tuple(targeting.partners), tuple(targeting.categories),
                            tuple(targeting.items)),
        segment=_segment(data), requires_activation=data.requires_activation,
        per_member_uses_max=data.per_member_uses_max, pacing=data.pacing.value,
    )


def offer_view(offer: OfferRecord, viewer_partner_id: int | None, is_admin: bool) -> t.Offer:
    spec, segment = offer.spec, offer.spec.segment
    shows_budget = is_admin or viewer_partner_id == offer.funding_partner_id

    def band(minor: int | None) -> Money | None:
        if minor is None or not segment.currency:
            return None
        return money(from_minor(minor, segment.currency), segment.currency)

    return t.Offer(
        id=strawberry.ID(str(offer.id)), funding_partner_code=offer.funding_partner_code,
        title=spec.title, kind=t.OfferKind(spec.kind),
        bonus_points=spec.bonus_points if spec.kind == "bonus_points" else None,
        multiplier=StrictDecimal(1 + Decimal(spec.percent) / 100) if spec.kind == "multiplier"
        else None,
        discount_percent=spec.percent if spec.kind == "reward_discount" else None,
        targeting=t.OfferTargeting(partners=list(spec.targeting.partners),
                                   categories=list(spec.targeting.categories),
                                   items=list(spec.targeting.items)),
        segment=t.OfferSegment(kind=t.OfferSegmentKind(segment.kind), days=segment.days,
                               spend_min=band(segment.spend_min_minor if segment.currency
                                              else None),
                               spend_max=band(segment.spend_max_minor)),
        starts_at=zoned_at(spec.starts_at), ends_at=zoned_at(spec.ends_at),
        requires_activation=spec.requires_activation,
        per_member_uses_max=spec.per_member_uses_max, status=t.OfferStatus(offer.status),
        budget=t.OfferBudget(budget_points=spec.budget_points,
                             points_awarded=offer.points_awarded,
                             pacing=t.OfferPacing(spec.pacing)) if shows_budget else None,
    )


def _own_view(caller: Caller, offer: OfferRecord) -> t.Offer:
    return offer_view(offer, caller.partner_id, caller.partner_id is None)


async def offer_create(
    info: strawberry.Info, input: t.OfferCreateInput
) -> t.OfferCreatePayload:
    caller = partner_or_admin(info)
    try:
        offer = await service.create(caller, _spec(input), input.funding_partner_code)
    except DomainError as error:
        return t.OfferCreatePayload(errors=to_user_errors(error, t.OfferCreateError))
    return t.OfferCreatePayload(offer=_own_view(caller, offer))


async def offer_update(
    info: strawberry.Info, input: t.OfferUpdateInput
) -> t.OfferUpdatePayload:
    caller = partner_or_admin(info)
    change = OfferChange(
        title=input.title, ends_at=None if input.ends_at is None else moment_us(input.ends_at),
        budget_points=input.budget_points, per_member_uses_max=input.per_member_uses_max,
        pacing=None if input.pacing is None else input.pacing.value,
        status=None if input.status is None else input.status.value,
    )
    try:
        offer = await service.update(caller, _offer_id(input.offer_id), change)
    except DomainError as error:
        return t.OfferUpdatePayload(errors=to_user_errors(error, t.OfferUpdateError))
    return t.OfferUpdatePayload(offer=_own_view(caller, offer))


async def offer_activate(
    info: strawberry.Info, input: t.OfferActivateInput
) -> t.OfferActivatePayload:
    caller = caller_of(info)
    try:
        done = await service.activate_for_card(caller, input.card_number,
                                               _offer_id(input.offer_id))
    except DomainError as error:
        return t.OfferActivatePayload(errors=to_user_errors(error, t.OfferActivateError))
    return t.OfferActivatePayload(activation=t.OfferActivation(
        offer=offer_view(done.offer, caller.partner_id, False), card_number=input.card_number,
        activated_at=zoned_at(done.activated_at), activated_by=done.activated_by,
    ))


async def offers(
    info: strawberry.Info, card_number: str, first: int = 10, exploration: bool = False
) -> t.OfferRanking:
    """Eligible offers ranked for a member linked to the caller. A query has no payload, so an
    unknown card or a bad `first` is a top-level coded error."""
    caller = caller_of(info)
    try:
        ranking = await service.rank_for_card(caller.partner_id_or_raise(), card_number, first,
                                              exploration=exploration)
    except DomainError as error:
        raise CodedError(error.code.value, error.message) from None
    return t.OfferRanking(
        offers=[t.RankedOffer(
            rank=r.rank, score=round(r.score, 6), reason=r.reason, is_activated=r.is_activated,
            offer=offer_view(r.offer, caller.partner_id, False),
        ) for r in ranking.offers],
        model_version=ranking.model_version,
        model_trained_at=None if ranking.model_trained_at is None
        else zoned_at(ranking.model_trained_at),
    )


async def offers_funded(
    info: strawberry.Info, first: int = 50, after: strawberry.ID | None = None
) -> list[t.Offer]:
    """The caller's own offers by id (an admin's: all), with budgets."""
    caller = partner_or_admin(info)
    if not 0 < first <= limits.page_size_max:
        raise CodedError(OfferErrorCode.INVALID_OFFER.value, f"first: 1 to {limits.page_size_max}")
    after_id = 0 if after is None else _offer_id_or_error(after)
    return [_own_view(caller, o) for o in await service.funded(caller, first, after_id)]


def _offer_id_or_error(text: str) -> int:
    try:
        return _offer_id(text)
    except DomainError as error:
        raise CodedError(error.code.value, error.message) from None
