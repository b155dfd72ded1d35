"""Resolvers of members: parse, one domain call, payload."""

from __future__ import annotations

import strawberry

from exchange.api.callers import caller_of
from exchange.api.common import to_user_errors
from exchange.api.members.types import (
    ActivityRecordError,
    ActivityRecordInput,
    ActivityRecordPayload,
    Balances,
    Expiry,
    Member,
    MemberEnrollError,
    MemberEnrollInput,
    MemberEnrollPayload,
)
from exchange.api.scalars import zoned_at
from exchange.errors import DomainError
from exchange.members.service import Enrolment
from exchange.members.views import MemberView, enrol_and_view, member_view
from exchange.operations.activities import record_activity


def _member(view: MemberView) -> Member:
    balances = view.balances
    expiry = None
    if balances.next_expiry_at is not None:
        expiry = Expiry(points=balances.next_expiry_points,
                        expires_at=zoned_at(balances.next_expiry_at))
    return Member(
        card_number=view.member.card_number,
        balances=Balances(available=balances.available, pending=balances.pending,
                          held=balances.held, clawback_debt=balances.clawback_debt),
        next_expiry=expiry, referral_code=view.member.referral_code,
    )


async def member_enroll(info: strawberry.Info, input: MemberEnrollInput) -> MemberEnrollPayload:
    caller = caller_of(info)
    enrolment = Enrolment(
        partner_id=caller.partner_id_or_raise(), customer_ref=input.customer_ref,
        card_number=input.card_number, email=input.email, birth_date=input.birth_date,
        referral_code=input.referral_code,
    )
    try:
        view = await enrol_and_view(enrolment)
    except DomainError as error:
        return MemberEnrollPayload(errors=to_user_errors(error, MemberEnrollError))
    return MemberEnrollPayload(member=_member(view), is_new_member=view.is_new_member)


async def member(info: strawberry.Info, card_number: str) -> Member | None:
    """The member with this card, if linked to the calling partner; otherwise null."""
    view = await member_view(caller_of(info).partner_id_or_raise(), card_number)
    return _member(view) if view else None


async def activity_record(
    info: strawberry.Info, input: ActivityRecordInput
) -> ActivityRecordPayload:
    try:
        result = await record_activity(
            caller_of(info), input.card_number, input.kind, input.idempotency_key
        )
    except DomainError as error:
        return ActivityRecordPayload(errors=to_user_errors(error, ActivityRecordError))
    return ActivityRecordPayload(
        points=result.points, points_available=result.points_available,
        points_to_debt=result.points_to_debt, expires_at=zoned_at(result.expires_at),
    )
