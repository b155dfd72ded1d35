"""Who an offer applies to, when, how much of its budget may be spent, and what it gives on a
purchase. Pure functions over an offer and what is known about the member."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_FLOOR, Decimal
from typing import Protocol

from exchange.clock import days_to_us
from exchange.offers.spec import BONUS_POINTS, MULTIPLIER, OfferSpec
from exchange.offers.store import OfferRecord

DAY_US = days_to_us(1)


@dataclass(frozen=True, slots=True)
class MemberFacts:
    member_id: int
    enrolled_at: int
    last_purchase_at: int | None  # before the purchase being recorded, if any
    spend_minor: dict[str, int] = field(default_factory=dict)  # last 365 days, by currency
    activated_offer_ids: frozenset[int] = frozenset()
    uses: dict[int, int] = field(default_factory=dict)  # offer id: awards so far


@dataclass(frozen=True, slots=True)
class EarnLine:
    """A purchase line as offers see it: its item and category, and the exact points the
    partner's rate gives it before rounding (so a multiplier multiplies what was earned)."""

    item: str  # "PARTNERCODE/sku", or "" for a purchase given as a total
    category: str
    points_exact: Decimal


def is_live(offer: OfferRecord, at: int) -> bool:
    return offer.status == "active" and offer.spec.starts_at <= at < offer.spec.ends_at


def in_segment(spec: OfferSpec, facts: MemberFacts, now: int) -> bool:
    segment = spec.segment
    if segment.kind == "new_member":
        return now - facts.enrolled_at < days_to_us(segment.days)
    if segment.kind == "lapsed":
        # A member who never bought is new, not lapsed.
        return facts.last_purchase_at is not None and (
            now - facts.last_purchase_at >= days_to_us(segment.days)
        )
    if segment.kind == "spend_band":
        spend = facts.spend_minor.get(segment.currency, 0)
        top = segment.spend_max_minor
        return spend >= segment.spend_min_minor and (top is None or spend <= top)
    return True


def has_uses_left(offer: OfferRecord, facts: MemberFacts) -> bool:
    return facts.uses.get(offer.id, 0) < offer.spec.per_member_uses_max


class Paced(Protocol):
    """What pacing needs of an offer: an OfferSpec, or the few columns a budget lock reads."""

    @property
    def budget_points(self) -> int: ...
    @property
    def pacing(self) -> str: ...
    @property
    def starts_at(self) -> int: ...
    @property
    def ends_at(self) -> int: ...


def paced_cap(spec: Paced, now: int) -> int:
    """The most the offer may have awarded by `now`. Even pacing releases the budget day by
    day over the window, so an early rush cannot spend what later days were meant to get."""
    if spec.pacing != "even":
        return spec.budget_points
    days_total = max(1, -(-(spec.ends_at - spec.starts_at) // DAY_US))
    days_begun = min(days_total, max(0, (now - spec.starts_at) // DAY_US) + 1)
    return spec.budget_points * days_begun // days_total


def can_show(offer: OfferRecord, facts: MemberFacts, now: int) -> bool:
    """Shown in the member's ranking: live, in segment, uses and paced budget left. An offer
    that needs activation is shown before it is activated: that is how a member finds it."""
    return (
        is_live(offer, now) and in_segment(offer.spec, facts, now)
        and has_uses_left(offer, facts) and paced_cap(offer.spec, now) > offer.points_awarded
    )


def applies_to_purchase(offer: OfferRecord, facts: MemberFacts, occurred_at: int,
                        now: int) -> bool:
    if offer.spec.requires_activation and offer.id not in facts.activated_offer_ids:
        return False
    # Live when bought, and not ended (or paused) by the time the purchase is recorded.
    return is_live(offer, occurred_at) and now < offer.spec.ends_at and (
        in_segment(offer.spec, facts, occurred_at) and has_uses_left(offer, facts)
    )


def targets_partner(offer: OfferRecord, partner_code: str) -> bool:
    partners = offer.spec.targeting.partners
    return partner_code in partners if partners else partner_code == offer.funding_partner_code


def purchase_points(offer: OfferRecord, partner_code: str, lines: tuple[EarnLine, ...]) -> int:
    """The bonus this offer gives on the purchase: 0 when no line qualifies."""
    if not targets_partner(offer, partner_code):
        return 0
    qualifying = [line for line in lines if _line_qualifies(offer.spec, line)]
    if not qualifying:
        return 0
    if offer.spec.kind == BONUS_POINTS:
        return offer.spec.bonus_points
    if offer.spec.kind == MULTIPLIER:
        exact = sum((line.points_exact for line in qualifying), Decimal(0))
        extra = exact * offer.spec.percent / 100
        return int(extra.to_integral_value(rounding=ROUND_FLOOR))
    return 0  # a reward discount applies when points are spent, not earned


def _line_qualifies(spec: OfferSpec, line: EarnLine) -> bool:
    targeting = spec.targeting
    if not targeting.categories and not targeting.items:
        return True
    return line.category in targeting.categories or line.item in targeting.items
