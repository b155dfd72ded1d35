"""GraphQL types of settlement: statements, their lines, the operator's result, the matrix."""

from __future__ import annotations

from enum import Enum

import strawberry

from exchange.api.common import Money, user_error
from exchange.api.scalars import StrictDecimal, ZonedDateTime
from exchange.settlement.errors import SettlementErrorCode

# Each operation's codes: exactly those it can raise (tests/api/test_error_codes.py checks).
_SETTLEABLE_CODES = (
    SettlementErrorCode.INVALID_PERIOD, SettlementErrorCode.FIRST_PERIOD_NOT_SET,
    SettlementErrorCode.BEFORE_FIRST_PERIOD, SettlementErrorCode.PERIOD_CLOSED,
)


@user_error(
    *_SETTLEABLE_CODES, SettlementErrorCode.EARLIER_PERIOD_OPEN,
    SettlementErrorCode.SETTLEMENT_RUNNING, SettlementErrorCode.NO_PRICE,
    SettlementErrorCode.LEDGER_MISMATCH,
)
class SettlementRunError:
    """An expected failure of settlementRun; nothing was changed."""


@user_error(
    *_SETTLEABLE_CODES, SettlementErrorCode.PERIOD_NOT_OVER,
    SettlementErrorCode.EARLIER_PERIOD_OPEN, SettlementErrorCode.SETTLEMENT_RUNNING,
    SettlementErrorCode.NO_PRICE, SettlementErrorCode.LEDGER_MISMATCH,
)
class SettlementCloseError:
    """An expected failure of settlementClose; nothing was changed."""


@user_error(
    *_SETTLEABLE_CODES, SettlementErrorCode.INVALID_ADJUSTMENT,
    SettlementErrorCode.PARTNER_NOT_FOUND,
)
class SettlementAdjustmentAddError:
    """An expected failure of settlementAdjustmentAdd; nothing was changed."""




@strawberry.enum(description="What a statement line settles.")
class SettlementLineKind(Enum):
    ISSUED = "issued"
    OFFER = "offer"
    BURNED = "burned"
    ADJUSTMENT = "adjustment"


@strawberry.type(description="points x price, rounded half-even; positive: owed to the partner.")
class SettlementLine:
    kind: SettlementLineKind
    points: int
    price: StrictDecimal
    amount: Money
    is_late: bool = strawberry.field(
        description="Dated in an earlier, already closed period; settled here."
    )
    description: str


@strawberry.type(description="One partner's statement for one period.")
class SettlementStatement:
    period: str
    partner_code: str
    net: Money = strawberry.field(description="Positive: the exchange pays the partner.")
    lines: list[SettlementLine]


@strawberry.type(description="The operator's side: statements plus this sum to zero exactly.")
class OperatorResult:
    issue_revenue: Money
    redemption_cost: Money
    adjustments: Money
    result: Money


@strawberry.type(description="Points issued by one party and burned at a partner, with value.")
class ProvenanceCell:
    issuer: str = strawberry.field(description="A partner code, or \"operator\".")
    burned_at: str
    points: int
    value: Money


@strawberry.type(description="One settlement run of a period.")
class SettlementRun:
    id: strawberry.ID
    period: str
    run_by: str
    started_at: ZonedDateTime
    finished_at: ZonedDateTime
    outcome: str
    message: str
    checksum: str
    breakage_points: int


@strawberry.type(description="What a run or close produced.")
class Settlement:
    period: str
    is_closed: bool
    checksum: str
    breakage_points: int
    statements: list[SettlementStatement]
    operator_results: list[OperatorResult]
    matrix: list[ProvenanceCell]


@strawberry.input(description="The period to settle, YYYY-MM in the program's time zone.")
class SettlementPeriodInput:
    period: str


@user_error(SettlementErrorCode.INVALID_PERIOD, SettlementErrorCode.PERIOD_CLOSED,
            SettlementErrorCode.EARLIER_PERIOD_OPEN)
class SettlementBeginError:
    """An expected failure of settlementBegin; nothing was changed."""


@strawberry.type
class SettlementBeginPayload:
    first_period: str | None = strawberry.field(
        default=None, description="The coalition's first settlement month, YYYY-MM.")
    errors: list[SettlementBeginError] = strawberry.field(default_factory=list)


@strawberry.type
class SettlementRunPayload:
    settlement: Settlement | None = None
    errors: list[SettlementRunError] = strawberry.field(default_factory=list)


@strawberry.type
class SettlementClosePayload:
    settlement: Settlement | None = None
    errors: list[SettlementCloseError] = strawberry.field(default_factory=list)


@strawberry.input(description="A fee (negative) or credit (positive) on a partner's statement.")
class SettlementAdjustmentAddInput:
    period: str
    partner_code: str
    amount: StrictDecimal
    reason: str
    idempotency_key: str


@strawberry.type
class SettlementAdjustmentAddPayload:
    amount: Money | None = None
    errors: list[SettlementAdjustmentAddError] = strawberry.field(default_factory=list)
