"""The admin page's overview queries: where each settlement period stands, and the members'
points liability and breakage month by month (admins)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import strawberry

from exchange import limits
from exchange.api.common import Money, money
from exchange.api.context import require_admin
from exchange.api.errors import CodedError
from exchange.api.scalars import ZonedDateTime, zoned_at
from exchange.config import load_settings
from exchange.errors import DomainError
from exchange.settlement import liability, overview

SettlementPeriodState = strawberry.enum(
    overview.PeriodState, name="SettlementPeriodState",
    description="Closed; open (run at least once, not closed); or never run.")


@strawberry.type(description="One settlement period and where it stands.")
class SettlementPeriodStatus:
    period: str
    status: overview.PeriodState
    last_run_at: ZonedDateTime | None = strawberry.field(description="When the last run ended.")
    last_run_by: str | None
    last_run_outcome: str | None = strawberry.field(description="succeeded or refused.")
    last_run_message: str | None = strawberry.field(description="Why a refused run refused.")
    closed_at: ZonedDateTime | None
    closed_by: str | None


@strawberry.type(description="Points issued by partners settling in one currency, and their "
                             "value at the issue prices those partners were charged.")
class PointsValue:
    points: int
    value: Money


@strawberry.type(description="Points and their value for one month: for liabilityByMonth what "
                             "members held at `at`, for breakageByMonth what expired in the month.")
class MonthPoints:
    month: str
    at: ZonedDateTime = strawberry.field(
        description="The month's end, or now for the current month.")
    points: int
    unpriced_points: int = strawberry.field(
        description="Points no partner was charged for: in `points`, in no value.")
    values: list[PointsValue]


def _status(found: overview.PeriodStatus) -> SettlementPeriodStatus:
    run = found.last_run
    return SettlementPeriodStatus(
        period=found.period, status=found.state,
        last_run_at=None if run is None else zoned_at(run.finished_at),
        last_run_by=None if run is None else run.run_by,
        last_run_outcome=None if run is None else run.outcome,
        last_run_message=None if run is None else run.message,
        closed_at=None if found.closed_at is None else zoned_at(found.closed_at),
        closed_by=found.closed_by,
    )


async def settlement_periods(info: strawberry.Info) -> list[SettlementPeriodStatus]:
    require_admin(info)
    found = await overview.period_statuses(load_settings().program_timezone)
    return [_status(each) for each in found]


def _month(found: liability.MonthPoints) -> MonthPoints:
    return MonthPoints(
        month=found.month, at=zoned_at(found.at), points=found.points,
        unpriced_points=found.unpriced_points,
        values=[PointsValue(points=v.points, value=money(v.value, v.currency))
                for v in found.values],
    )


async def _by_month(
    info: strawberry.Info, months: int,
    read: Callable[[int, str], Awaitable[list[liability.MonthPoints]]],
) -> list[MonthPoints]:
    require_admin(info)
    try:
        found = await read(months, load_settings().program_timezone)
    except DomainError as error:  # a query has no payload: a coded, top-level error
        raise CodedError(error.code.value, error.message) from None
    return [_month(each) for each in found]


async def liability_by_month(
    info: strawberry.Info, months: int = limits.report_months_default
) -> list[MonthPoints]:
    return await _by_month(info, months, liability.liability_by_month)


async def breakage_by_month(
    info: strawberry.Info, months: int = limits.report_months_default
) -> list[MonthPoints]:
    return await _by_month(info, months, liability.breakage_by_month)
