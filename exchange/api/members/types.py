"""GraphQL types of members: enrolment, the balances a partner may see, activities."""

from __future__ import annotations

import strawberry

from exchange.api.common import LEDGER_WRITE_CODES, user_error
from exchange.api.scalars import ZonedDateTime
from exchange.ledger.errors import LedgerErrorCode
from exchange.members.errors import MemberErrorCode
from exchange.program.errors import ProgramErrorCode


# Each operation's codes: exactly those it can raise (tests/api/test_error_codes.py checks).
@user_error(
    MemberErrorCode.INVALID_CUSTOMER_REF, MemberErrorCode.INVALID_CARD_NUMBER,
    MemberErrorCode.INVALID_EMAIL, MemberErrorCode.INVALID_BIRTH_DATE,
    MemberErrorCode.INVALID_REFERRAL_CODE, MemberErrorCode.CUSTOMER_REF_TAKEN,
    MemberErrorCode.MEMBER_NOT_FOUND,
)
class MemberEnrollError:
    """An expected failure of memberEnroll; nothing was changed."""


# The ledger's LIMIT_EXCEEDED (points per operation) and the program's (the daily cap) are
# one GraphQL code.
@user_error(
    *LEDGER_WRITE_CODES, MemberErrorCode.MEMBER_NOT_FOUND, ProgramErrorCode.UNKNOWN_ACTIVITY,
    ProgramErrorCode.LIMIT_EXCEEDED, LedgerErrorCode.INVALID_INPUT, LedgerErrorCode.INVALID_AMOUNT,
    LedgerErrorCode.LIMIT_EXCEEDED, ProgramErrorCode.NO_RATE,
)
class ActivityRecordError:
    """An expected failure of activityRecord; nothing was changed."""




@strawberry.type(description="A member's points: what can be spent now and what is coming.")
class Balances:
    available: int
    pending: int = strawberry.field(description="Earned, waiting for the return window to end.")
    held: int = strawberry.field(description="Reserved by holds at checkout.")
    clawback_debt: int = strawberry.field(
        description="Points owed after refunds of spent points; paid first by future earning."
    )


@strawberry.type(description="The next points to expire.")
class Expiry:
    points: int
    expires_at: ZonedDateTime


@strawberry.type(description="A member as a partner linked to them sees them.")
class Member:
    card_number: str
    balances: Balances
    next_expiry: Expiry | None
    referral_code: str | None


@strawberry.input(description="Enrol a new member (a card is issued) or link an existing card.")
class MemberEnrollInput:
    customer_ref: str | None = strawberry.field(
        default=None, description="The partner's own id for this customer."
    )
    card_number: str | None = strawberry.field(
        default=None, description="The card the customer showed; absent: issue a new card."
    )
    email: str | None = None
    birth_date: str | None = strawberry.field(default=None, description="YYYY-MM-DD")
    referral_code: str | None = None


@strawberry.type
class MemberEnrollPayload:
    member: Member | None = None
    is_new_member: bool | None = None
    errors: list[MemberEnrollError] = strawberry.field(default_factory=list)


@strawberry.input(description="A non-purchase action the partner rewards (e.g. review).")
class ActivityRecordInput:
    card_number: str
    kind: str
    idempotency_key: str


@strawberry.type
class ActivityRecordPayload:
    points: int | None = None
    points_available: int | None = None
    points_to_debt: int | None = None
    expires_at: ZonedDateTime | None = None
    errors: list[ActivityRecordError] = strawberry.field(default_factory=list)
