"""Resolvers of redemptions: parse, one domain call, payload."""

from __future__ import annotations

import strawberry

from exchange import limits
from exchange.api.callers import caller_of
from exchange.api.common import to_user_errors
from exchange.api.redemptions.types import (
    PointsRedeemError,
    PointsRedeemInput,
    PointsRedeemPayload,
    Redemption,
    RedemptionAuthorizeError,
    RedemptionAuthorizeInput,
    RedemptionAuthorizePayload,
    RedemptionCaptureError,
    RedemptionCaptureInput,
    RedemptionCapturePayload,
    RedemptionRefundError,
    RedemptionRefundInput,
    RedemptionRefundPayload,
    RedemptionStatus,
    RedemptionVoidError,
    RedemptionVoidInput,
    RedemptionVoidPayload,
)
from exchange.api.scalars import zoned_at
from exchange.errors import DomainError
from exchange.ledger.errors import LedgerErrorCode
from exchange.ledger.holds import HoldResult
from exchange.operations import redemptions


def _hold_id(redemption_id: strawberry.ID) -> int:
    text = str(redemption_id)
    if not text.isascii() or not text.isdigit() or len(text) > 18:
        raise DomainError(LedgerErrorCode.HOLD_NOT_FOUND, "no such redemption", "holdId")
    return int(text)


def _redemption(hold: HoldResult) -> Redemption:
    return Redemption(
        id=strawberry.ID(str(hold.hold_id)), status=RedemptionStatus(hold.status),
        points=hold.points, points_captured=hold.points_captured,
        points_released=hold.points_released, expires_at=zoned_at(hold.expires_at),
        offer_points=hold.offer_points,
    )


async def redemption_authorize(
    info: strawberry.Info, input: RedemptionAuthorizeInput
) -> RedemptionAuthorizePayload:
    ttl = limits.hold_ttl_seconds_default if input.ttl_seconds is None else input.ttl_seconds
    try:
        hold = await redemptions.authorize(
            caller_of(info), input.card_number, input.points, input.idempotency_key, ttl
        )
    except DomainError as error:
        errors = to_user_errors(error, RedemptionAuthorizeError)
        return RedemptionAuthorizePayload(errors=errors)
    return RedemptionAuthorizePayload(redemption=_redemption(hold))


async def redemption_capture(
    info: strawberry.Info, input: RedemptionCaptureInput
) -> RedemptionCapturePayload:
    try:
        hold = await redemptions.capture(
            caller_of(info), _hold_id(input.redemption_id), input.points, input.idempotency_key
        )
    except DomainError as error:
        return RedemptionCapturePayload(errors=to_user_errors(error, RedemptionCaptureError))
    return RedemptionCapturePayload(redemption=_redemption(hold))


async def redemption_void(
    info: strawberry.Info, input: RedemptionVoidInput
) -> RedemptionVoidPayload:
    try:
        hold = await redemptions.void(
            caller_of(info), _hold_id(input.redemption_id), input.idempotency_key
        )
    except DomainError as error:
        return RedemptionVoidPayload(errors=to_user_errors(error, RedemptionVoidError))
    return RedemptionVoidPayload(redemption=_redemption(hold))


async def points_redeem(info: strawberry.Info, input: PointsRedeemInput) -> PointsRedeemPayload:
    try:
        hold = await redemptions.redeem(
            caller_of(info), input.card_number, input.points, input.idempotency_key
        )
    except DomainError as error:
        return PointsRedeemPayload(errors=to_user_errors(error, PointsRedeemError))
    return PointsRedeemPayload(redemption=_redemption(hold))


async def redemption_refund(
    info: strawberry.Info, input: RedemptionRefundInput
) -> RedemptionRefundPayload:
    try:
        result = await redemptions.refund(
            caller_of(info), _hold_id(input.redemption_id), input.points, input.idempotency_key
        )
    except DomainError as error:
        return RedemptionRefundPayload(errors=to_user_errors(error, RedemptionRefundError))
    return RedemptionRefundPayload(
        points_refunded=result.points_refunded,
        points_refunded_total=result.points_refunded_total,
    )
