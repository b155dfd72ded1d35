"""GraphQL types of redemptions: holds at checkout, one-step burns, refunds of burned points."""

from __future__ import annotations

from enum import Enum

import strawberry

from exchange.api.common import LEDGER_WRITE_CODES, user_error
from exchange.api.scalars import ZonedDateTime
from exchange.ledger.errors import LedgerErrorCode
from exchange.members.errors import MemberErrorCode
from exchange.program.errors import ProgramErrorCode


# Each operation's codes: exactly those it can raise (tests/api/test_error_codes.py checks).
@user_error(
    *LEDGER_WRITE_CODES, MemberErrorCode.MEMBER_NOT_FOUND, LedgerErrorCode.INVALID_INPUT,
    LedgerErrorCode.INVALID_AMOUNT, LedgerErrorCode.LIMIT_EXCEEDED,
    LedgerErrorCode.INSUFFICIENT_POINTS,
)
class RedemptionAuthorizeError:
    """An expected failure of redemptionAuthorize; nothing was changed."""


@user_error(
    *LEDGER_WRITE_CODES, LedgerErrorCode.INVALID_INPUT, LedgerErrorCode.INVALID_AMOUNT,
    LedgerErrorCode.LIMIT_EXCEEDED, LedgerErrorCode.HOLD_NOT_FOUND, LedgerErrorCode.HOLD_EXPIRED,
    LedgerErrorCode.HOLD_ALREADY_RESOLVED, LedgerErrorCode.CAPTURE_EXCEEDS_HOLD,
    ProgramErrorCode.NO_RATE,
)
class RedemptionCaptureError:
    """An expected failure of redemptionCapture; nothing was changed."""


@user_error(
    *LEDGER_WRITE_CODES, LedgerErrorCode.INVALID_INPUT, LedgerErrorCode.HOLD_NOT_FOUND,
    LedgerErrorCode.HOLD_ALREADY_RESOLVED,
)
class RedemptionVoidError:
    """An expected failure of redemptionVoid; nothing was changed."""


@user_error(
    *LEDGER_WRITE_CODES, MemberErrorCode.MEMBER_NOT_FOUND, LedgerErrorCode.INVALID_INPUT,
    LedgerErrorCode.INVALID_AMOUNT, LedgerErrorCode.LIMIT_EXCEEDED,
    LedgerErrorCode.INSUFFICIENT_POINTS,
    ProgramErrorCode.NO_RATE,
)
class PointsRedeemError:
    """An expected failure of pointsRedeem; nothing was changed."""


@user_error(
    *LEDGER_WRITE_CODES, LedgerErrorCode.INVALID_INPUT, LedgerErrorCode.INVALID_AMOUNT,
    LedgerErrorCode.LIMIT_EXCEEDED, LedgerErrorCode.HOLD_NOT_FOUND,
    LedgerErrorCode.REFUND_EXCEEDS_REDEMPTION,
)
class RedemptionRefundError:
    """An expected failure of redemptionRefund; nothing was changed."""




@strawberry.enum(description="Where a redemption stands.")
class RedemptionStatus(Enum):
    AUTHORIZED = "authorized"
    CAPTURED = "captured"
    VOIDED = "voided"
    EXPIRED = "expired"


@strawberry.type(description="Points held or burned at the calling partner.")
class Redemption:
    id: strawberry.ID
    status: RedemptionStatus
    points: int = strawberry.field(description="Points reserved (or burned, for one step).")
    points_captured: int
    points_released: int
    expires_at: ZonedDateTime
    offer_points: int = strawberry.field(
        description="Of the points burned, those a reward-discount offer's funder paid "
                    "(at capture, or in one step); the member paid the rest.")


@strawberry.input(description="Reserve points at checkout.")
class RedemptionAuthorizeInput:
    card_number: str
    points: int
    ttl_seconds: int | None = strawberry.field(
        default=None, description="How long the hold lives; 15 minutes when absent."
    )
    idempotency_key: str


@strawberry.input(description="Burn all (points absent) or part of a hold; the rest is released.")
class RedemptionCaptureInput:
    redemption_id: strawberry.ID
    points: int | None = None
    idempotency_key: str


@strawberry.input(description="Release a hold.")
class RedemptionVoidInput:
    redemption_id: strawberry.ID
    idempotency_key: str


@strawberry.input(description="Burn points in one step.")
class PointsRedeemInput:
    card_number: str
    points: int
    idempotency_key: str


@strawberry.input(description="Give burned points back (goods paid with points returned).")
class RedemptionRefundInput:
    redemption_id: strawberry.ID
    points: int
    idempotency_key: str


@strawberry.type
class RedemptionAuthorizePayload:
    redemption: Redemption | None = None
    errors: list[RedemptionAuthorizeError] = strawberry.field(default_factory=list)


@strawberry.type
class RedemptionCapturePayload:
    redemption: Redemption | None = None
    errors: list[RedemptionCaptureError] = strawberry.field(default_factory=list)


@strawberry.type
class RedemptionVoidPayload:
    redemption: Redemption | None = None
    errors: list[RedemptionVoidError] = strawberry.field(default_factory=list)


@strawberry.type
class PointsRedeemPayload:
    redemption: Redemption | None = None
    errors: list[PointsRedeemError] = strawberry.field(default_factory=list)


@strawberry.type
class RedemptionRefundPayload:
    points_refunded: int | None = None
    points_refunded_total: int | None = None
    errors: list[RedemptionRefundError] = strawberry.field(default_factory=list)
