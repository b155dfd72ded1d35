"""Resolvers of settlement: admins run, close, adjust and read everything; a partner reads only
its own statements."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import strawberry

from exchange.api.callers import admin_of, partner_or_admin
from exchange.api.common import money, to_user_errors
from exchange.api.context import require_admin
from exchange.api.errors import CodedError
from exchange.api.scalars import StrictDecimal, zoned_at
from exchange.api.settlement import types as t
from exchange.config import load_settings
from exchange.errors import DomainError
from exchange.settlement import service, storage
from exchange.settlement.periods import period
from exchange.settlement.statements import OperatorResult, Statement, operator_results
from exchange.settlement.storage import Settlement


def _timezone() -> str:
    return load_settings().program_timezone


def _statement(label: str, statement: Statement) -> t.SettlementStatement:
    return t.SettlementStatement(
        period=label, partner_code=statement.code, net=money(statement.net, statement.currency),
        lines=[t.SettlementLine(
            kind=t.SettlementLineKind(line.kind), points=line.points,
            price=StrictDecimal(line.price), amount=money(line.amount, statement.currency),
            is_late=line.is_late, description=line.description,
        ) for line in statement.lines],
    )


def _operator(result: OperatorResult) -> t.OperatorResult:
    return t.OperatorResult(
        issue_revenue=money(result.issue_revenue, result.currency),
        redemption_cost=money(result.redemption_cost, result.currency),
        adjustments=money(result.adjustments, result.currency),
        result=money(result.result, result.currency),
    )


def _settlement(done: Settlement) -> t.Settlement:
    return t.Settlement(
        period=done.period, is_closed=done.is_closed, checksum=done.checksum,
        breakage_points=done.breakage_points,
        statements=[_statement(done.period, s) for s in done.statements],
        operator_results=[_operator(r) for r in done.operator_results],
        matrix=[t.ProvenanceCell(issuer=c.issuer, burned_at=c.burned_at, points=c.points,
                                 value=money(c.value, c.currency)) for c in done.matrix],
    )


async def _settle(
    info: strawberry.Info, label: str, settle: Callable[..., Awaitable[Settlement]]
) -> Settlement:
    return await settle(label, admin_of(info).label, _timezone())


async def settlement_run(
    info: strawberry.Info, input: t.SettlementPeriodInput
) -> t.SettlementRunPayload:
    try:
        done = await _settle(info, input.period, service.run_settlement)
    except DomainError as error:
        return t.SettlementRunPayload(errors=to_user_errors(error, t.SettlementRunError))
    return t.SettlementRunPayload(settlement=_settlement(done))


async def settlement_close(
    info: strawberry.Info, input: t.SettlementPeriodInput
) -> t.SettlementClosePayload:
    try:
        done = await _settle(info, input.period, service.close_settlement)
    except DomainError as error:
        return t.SettlementClosePayload(errors=to_user_errors(error, t.SettlementCloseError))
    return t.SettlementClosePayload(settlement=_settlement(done))


async def settlement_begin(
    info: strawberry.Info, input: t.SettlementPeriodInput
) -> t.SettlementBeginPayload:
    try:
        first = await service.begin_settlement(input.period, admin_of(info).label, _timezone())
    except DomainError as error:
        return t.SettlementBeginPayload(errors=to_user_errors(error, t.SettlementBeginError))
    return t.SettlementBeginPayload(first_period=first)


async def settlement_adjustment_add(
    info: strawberry.Info, input: t.SettlementAdjustmentAddInput
) -> t.SettlementAdjustmentAddPayload:
    admin = admin_of(info)
    try:
        await service.add_adjustment(
            input.period, input.partner_code, input.amount, input.reason,
            admin.label, input.idempotency_key, _timezone(),
        )
        currency = await storage.partner_currency(input.partner_code)
    except DomainError as error:
        errors = to_user_errors(error, t.SettlementAdjustmentAddError)
        return t.SettlementAdjustmentAddPayload(errors=errors)
    return t.SettlementAdjustmentAddPayload(amount=money(input.amount, currency))


def _checked_label(label: str) -> str:
    # Queries have no payload: a malformed period is a top-level, coded error.
    try:
        return period(label, _timezone()).label
    except DomainError as error:
        raise CodedError(error.code.value, error.message) from None


async def settlement_statements(
    info: strawberry.Info, period: str
) -> list[t.SettlementStatement]:
    """Admins see every statement of the period; a partner only its own."""
    label = _checked_label(period)
    partner_id = partner_or_admin(info).partner_id  # None for an admin: every statement
    return [_statement(label, s) for s in await storage.read_statements(label, partner_id)]


async def settlement_operator_results(
    info: strawberry.Info, period: str
) -> list[t.OperatorResult]:
    require_admin(info)
    statements = await storage.read_statements(_checked_label(period))
    return [_operator(r) for r in operator_results(statements)]


async def settlement_matrix(info: strawberry.Info, period: str) -> list[t.ProvenanceCell]:
    require_admin(info)
    cells = await storage.read_matrix(_checked_label(period))
    return [t.ProvenanceCell(issuer=c.issuer, burned_at=c.burned_at, points=c.points,
                             value=money(c.value, c.currency)) for c in cells]


async def settlement_runs(info: strawberry.Info, period: str) -> list[t.SettlementRun]:
    require_admin(info)
    runs = await storage.read_runs(_checked_label(period))
    return [t.SettlementRun(
        id=strawberry.ID(str(r.id)), period=r.period, run_by=r.run_by,
        started_at=zoned_at(r.started_at), finished_at=zoned_at(r.finished_at), outcome=r.outcome,
        message=r.message, checksum=r.checksum, breakage_points=r.breakage_points,
    ) for r in runs]
