"""GraphQL types of offers: creating and changing them, activation, and the ranked list."""

from __future__ import annotations

from enum import Enum
from typing import TYPE_CHECKING

import strawberry

from exchange.api.common import Money, user_error
from exchange.api.scalars import StrictDecimal, ZonedDateTime
from exchange.members.errors import MemberErrorCode
from exchange.offers.errors import OfferErrorCode
from exchange.offers.ranking import Reason


# Each operation's codes: exactly those it can raise (tests/api/test_error_codes.py checks).
@user_error(
    OfferErrorCode.INVALID_OFFER, OfferErrorCode.PARTNER_NOT_FOUND, OfferErrorCode.TOO_MANY_OFFERS,
    OfferErrorCode.OFFER_NOT_FOUND,
)
class OfferCreateError:
    """An expected failure of offerCreate; nothing was changed."""


@user_error(
    OfferErrorCode.OFFER_NOT_FOUND, OfferErrorCode.INVALID_OFFER, OfferErrorCode.OFFER_NOT_ACTIVE,
    OfferErrorCode.BUDGET_BELOW_AWARDED,
)
class OfferUpdateError:
    """An expected failure of offerUpdate; nothing was changed."""


@user_error(
    MemberErrorCode.MEMBER_NOT_FOUND, OfferErrorCode.OFFER_NOT_FOUND,
    OfferErrorCode.OFFER_NOT_ACTIVE, OfferErrorCode.NOT_ELIGIBLE,
)
class OfferActivateError:
    """An expected failure of offerActivate; nothing was changed."""


if TYPE_CHECKING:  # an enum made by a call is no type to mypy
    OfferReason = Reason
else:
    OfferReason = strawberry.enum(Reason, name="OfferReason",
                                  description="The largest part of a ranked offer's score.")


@strawberry.enum(description="What an offer gives.")
class OfferKind(Enum):
    BONUS_POINTS = "bonus_points"
    MULTIPLIER = "multiplier"
    REWARD_DISCOUNT = "reward_discount"


@strawberry.enum(description="Which members an offer is for.")
class OfferSegmentKind(Enum):
    EVERYONE = "everyone"
    NEW_MEMBER = "new_member"
    LAPSED = "lapsed"
    SPEND_BAND = "spend_band"


@strawberry.enum(description="How the budget may be spent over the offer's window.")
class OfferPacing(Enum):
    NONE = "none"
    EVEN = "even"


@strawberry.enum
class OfferStatus(Enum):
    ACTIVE = "active"
    PAUSED = "paused"
    CANCELLED = "cancelled"


@strawberry.input(description="Empty lists do not narrow; no partners means the funder's own.")
class OfferTargetingInput:
    partners: list[str] = strawberry.field(default_factory=list)
    categories: list[str] = strawberry.field(default_factory=list)
    items: list[str] = strawberry.field(
        default_factory=list, description='"PARTNERCODE/sku"')


@strawberry.input
class MoneyInput:
    amount: StrictDecimal
    currency: str


@strawberry.input(description="A new offer. Partners fund their own; admins name the funder.")
class OfferCreateInput:
    title: str
    kind: OfferKind
    starts_at: ZonedDateTime
    ends_at: ZonedDateTime
    budget_points: int
    bonus_points: int | None = None
    multiplier: StrictDecimal | None = strawberry.field(
        default=None, description="Points times this, e.g. 2 (hundredths at most).")
    discount_percent: int | None = None
    targeting: OfferTargetingInput | None = None
    segment_kind: OfferSegmentKind = OfferSegmentKind.EVERYONE
    segment_days: int = 0
    spend_min: MoneyInput | None = None
    spend_max: MoneyInput | None = None
    requires_activation: bool = False
    per_member_uses_max: int = 1
    pacing: OfferPacing = OfferPacing.NONE
    funding_partner_code: str | None = None


@strawberry.input(description="Change an offer; fields left out stay as they are.")
class OfferUpdateInput:
    offer_id: strawberry.ID
    title: str | None = None
    ends_at: ZonedDateTime | None = None
    budget_points: int | None = None
    per_member_uses_max: int | None = None
    pacing: OfferPacing | None = None
    status: OfferStatus | None = None


@strawberry.input(description="Activate (clip) an offer for a member linked to the caller.")
class OfferActivateInput:
    offer_id: strawberry.ID
    card_number: str


@strawberry.type
class OfferTargeting:
    partners: list[str]
    categories: list[str]
    items: list[str]


@strawberry.type
class OfferSegment:
    kind: OfferSegmentKind
    days: int
    spend_min: Money | None
    spend_max: Money | None


@strawberry.type(description="Only the funding partner and admins see an offer's budget.")
class OfferBudget:
    budget_points: int
    points_awarded: int
    pacing: OfferPacing


@strawberry.type
class Offer:
    id: strawberry.ID
    funding_partner_code: str
    title: str
    kind: OfferKind
    bonus_points: int | None
    multiplier: StrictDecimal | None
    discount_percent: int | None
    targeting: OfferTargeting
    segment: OfferSegment
    starts_at: ZonedDateTime
    ends_at: ZonedDateTime
    requires_activation: bool
    per_member_uses_max: int
    status: OfferStatus
    budget: OfferBudget | None


@strawberry.type(description="One offer in a member's ranking, with its score and main reason.")
class RankedOffer:
    rank: int
    score: float
    reason: OfferReason
    is_activated: bool
    offer: Offer


@strawberry.type
class OfferRanking:
    offers: list[RankedOffer]
    model_version: int | None = strawberry.field(
        description="The trained model used; null: popularity and the member's own history.")
    model_trained_at: ZonedDateTime | None


@strawberry.type
class OfferActivation:
    offer: Offer
    card_number: str
    activated_at: ZonedDateTime
    activated_by: str


@strawberry.type
class OfferCreatePayload:
    offer: Offer | None = None
    errors: list[OfferCreateError] = strawberry.field(default_factory=list)


@strawberry.type
class OfferUpdatePayload:
    offer: Offer | None = None
    errors: list[OfferUpdateError] = strawberry.field(default_factory=list)


@strawberry.type
class OfferActivatePayload:
    activation: OfferActivation | None = None
    errors: list[OfferActivateError] = strawberry.field(default_factory=list)
