"""What an offer is: its kind and amount, targeting, segment, window, budget and pacing.
Pure values and their validation; storage is in store.py."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from exchange import limits
from exchange.clock import days_to_us
from exchange.errors import DomainError
from exchange.offers.errors import OfferErrorCode

BONUS_POINTS = "bonus_points"
MULTIPLIER = "multiplier"
REWARD_DISCOUNT = "reward_discount"
_TEXT = re.compile(r"^[^\x00-\x1f]{1,64}$")


@dataclass(frozen=True, slots=True)
class Targeting:
    """Which purchases (and redemptions) an offer applies to. No partners: the funding
    partner's own only. No categories and no items: every line."""

    partners: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    items: tuple[str, ...] = ()  # "PARTNERCODE/sku"


@dataclass(frozen=True, slots=True)
class Segment:
    kind: str = "everyone"  # everyone | new_member | lapsed | spend_band
    days: int = 0  # new_member: enrolled within; lapsed: no purchase within
    currency: str = ""  # spend_band: spend in the last 365 days, minor units of this currency
    spend_min_minor: int = 0
    spend_max_minor: int | None = None


@dataclass(frozen=True, slots=True)
class OfferSpec:
    title: str
    kind: str
    starts_at: int
    ends_at: int
    budget_points: int
    bonus_points: int = 0  # bonus_points: per qualifying purchase
    percent: int = 0  # multiplier: extra percent of the points; reward_discount: percent off
    targeting: Targeting = field(default_factory=Targeting)
    segment: Segment = field(default_factory=Segment)
    requires_activation: bool = False
    per_member_uses_max: int = 1
    pacing: str = "none"  # none | even: at most budget x elapsed share of the window


@dataclass(frozen=True, slots=True)
class OfferChange:
    """What an update may change; None leaves a field as it is."""

    title: str | None = None
    ends_at: int | None = None
    budget_points: int | None = None
    per_member_uses_max: int | None = None
    pacing: str | None = None
    status: str | None = None  # active | paused | cancelled (final)


def _invalid(message: str, field_name: str) -> DomainError:
    return DomainError(OfferErrorCode.INVALID_OFFER, message, field_name)


def check_title(title: str) -> None:
    if not 0 < len(title.strip()) <= limits.offer_title_length_max:
        raise _invalid(f"title: 1 to {limits.offer_title_length_max} characters", "title")


def check_window(starts_at: int, ends_at: int) -> None:
    if not starts_at < ends_at:
        raise _invalid("an offer must end after it starts", "endsAt")
    if ends_at - starts_at > days_to_us(limits.offer_window_days_max):
        raise _invalid(f"an offer runs at most {limits.offer_window_days_max} days", "endsAt")


def check_budget(budget_points: int) -> None:
    if not 0 < budget_points <= limits.offer_budget_points_max:
        raise _invalid(f"budget: 1 to {limits.offer_budget_points_max} points", "budgetPoints")


def check_uses(uses_max: int) -> None:
    if not 0 < uses_max <= limits.offer_uses_per_member_max:
        raise _invalid(f"uses per member: 1 to {limits.offer_uses_per_member_max}",
                       "perMemberUsesMax")


def check_pacing(pacing: str) -> None:
    if pacing not in ("none", "even"):
        raise _invalid("pacing is none or even", "pacing")


def validate_spec(spec: OfferSpec) -> None:
    check_title(spec.title)
    _check_amount(spec)
    check_window(spec.starts_at, spec.ends_at)
    check_budget(spec.budget_points)
    check_uses(spec.per_member_uses_max)
    check_pacing(spec.pacing)
    _check_targeting(spec.targeting)
    _check_segment(spec.segment)


def _check_amount(spec: OfferSpec) -> None:
    if spec.kind == BONUS_POINTS:
        if not 0 < spec.bonus_points <= limits.offer_bonus_points_max:
            raise _invalid(f"bonus: 1 to {limits.offer_bonus_points_max} points", "bonusPoints")
    elif spec.kind == MULTIPLIER:
        if not 0 < spec.percent <= limits.offer_multiplier_percent_max:
            top = 1 + limits.offer_multiplier_percent_max // 100
            raise _invalid(f"a multiplier is above 1 and at most {top}, in hundredths",
                           "multiplier")
    elif spec.kind == REWARD_DISCOUNT:
        if not 0 < spec.percent < 100:
            raise _invalid("a discount is 1 to 99 percent", "discountPercent")
    else:
        raise _invalid(f"unknown kind {spec.kind!r}", "kind")


def _check_targeting(targeting: Targeting) -> None:
    for name, values in (("partners", targeting.partners),
                         ("categories", targeting.categories), ("items", targeting.items)):
        if len(values) > limits.offer_targets_max:
            raise _invalid(f"at most {limits.offer_targets_max} {name}", f"targeting.{name}")
        if len(set(values)) != len(values) or not all(_TEXT.match(v) for v in values):
            raise _invalid(f"{name}: distinct texts of 1 to 64 characters", f"targeting.{name}")
    if not all(item.count("/") >= 1 and not item.startswith("/") for item in targeting.items):
        raise _invalid('items are "PARTNERCODE/sku"', "targeting.items")


def _check_segment(segment: Segment) -> None:
    if segment.kind not in ("everyone", "new_member", "lapsed", "spend_band"):
        raise _invalid(f"unknown segment {segment.kind!r}", "segment.kind")
    if segment.kind in ("new_member", "lapsed") and not (
        0 < segment.days <= limits.offer_segment_days_max
    ):
        raise _invalid(f"days: 1 to {limits.offer_segment_days_max}", "segment.days")
    if segment.kind == "spend_band":
        top = segment.spend_max_minor
        if len(segment.currency) != 3 or segment.spend_min_minor < 0 or (
            top is not None and top < segment.spend_min_minor
        ):
            raise _invalid("a spend band has a currency and 0 <= min <= max", "segment")
