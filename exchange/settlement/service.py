"""Running and closing settlement periods, adjustments, and reading what they produced.

A run locks its period (a lease on the period's row, so two admins or two processes cannot
settle one period at once), reads the ledger in one consistent snapshot, builds the statements,
checks them (zero sum, agreement with the ledger's own totals) and only then replaces the
period's previous statements. Closing is a last run whose snapshot is taken with new transfers
held back for an instant, so the id it records is exactly what the period settled.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from decimal import Decimal

from tortoise import BaseDBAsyncClient
from tortoise.transactions import in_transaction

from exchange import limits
from exchange.clock import now_us, seconds_to_us
from exchange.db import connection, execute, fetch_as, is_postgres
from exchange.errors import DomainError
from exchange.ledger import reporting
from exchange.settlement import storage
from exchange.settlement.errors import SettlementErrorCode
from exchange.settlement.periods import Period, period
from exchange.settlement.statements import (
    Adjustment,
    OperatorResult,
    PartnerInfo,
    Statement,
    build_statements,
    check_ledger_agreement,
    check_zero_sum,
    operator_results,
)
from exchange.settlement.storage import Settlement

Progress = Callable[[str], None]


async def run_settlement(
    label: str, run_by: str, timezone: str, progress: Progress | None = None
) -> Settlement:
    return await _settle(period(label, timezone), run_by, timezone, False, progress)


async def close_settlement(
    label: str, closed_by: str, timezone: str, progress: Progress | None = None
) -> Settlement:
    target = period(label, timezone)
    if now_us() < target.end_at:
        raise DomainError(SettlementErrorCode.PERIOD_NOT_OVER,
                              f"{label} is not over yet", "period")
    return await _settle(target, closed_by, timezone, True, progress)


async def begin_settlement(label: str, set_by: str, timezone: str) -> str:
    """Set the coalition's first settlement month: periods close in calendar order from it, and
    activity dated before it is settled as late items of it."""
    target = period(label, timezone)
    await storage.set_first_period(target.label, set_by)
    return target.label


async def _settle(
    target: Period, run_by: str, timezone: str, closing: bool, progress: Progress | None
) -> Settlement:
    first = await _check_settleable(target)
    late_after_id = await _late_after_id(target, first, timezone, closing)
    await storage.ensure_period(target.label)
    await _take_lease(target.label)
    started_at = now_us()
    try:
        through_id = await _through_id(closing)
        window = reporting.Window(target.start_at, target.end_at, through_id, late_after_id)
        try:
            settlement = await _compute(target.label, window, progress)
        except DomainError as refusal:
            await storage.record_run(target.label, run_by, started_at, "refused",
                                     refusal.message, "", through_id)
            raise
        return await storage.store(settlement, run_by, started_at, closing)
    finally:
        await _release_lease(target.label)


async def _check_settleable(target: Period) -> str:
    """The first settlement month, once the target is known to be one that can still change:
    on or after it, and open."""
    first = await storage.first_period()
    if first is None:
        raise DomainError(SettlementErrorCode.FIRST_PERIOD_NOT_SET,
                          "set the first settlement month first: exchange settle begin "
                          "--period YYYY-MM", "period")
    if target.label < first:
        raise DomainError(SettlementErrorCode.BEFORE_FIRST_PERIOD,
                          f"settlement begins with {first}; activity dated before it is "
                          f"settled as late items of {first}", "period")
    if await storage.is_closed(target.label):
        raise DomainError(SettlementErrorCode.PERIOD_CLOSED, f"{target.label} is closed",
                          "period")
    await _refuse_if_settled_later(target.label)
    return first


async def _refuse_if_settled_later(label: str) -> None:
    """Before periods closed strictly in order, a later close took the open months before it;
    such a month (only in a database from then) never settles again."""
    later = await storage.first_closed_after(label)
    if later is not None:
        raise DomainError(SettlementErrorCode.PERIOD_CLOSED,
                          f"{label} was settled with {later}, which is closed", "period")


async def _late_after_id(target: Period, first: str, timezone: str, closing: bool) -> int:
    """Where this period's late items start, or NO_LATE_ITEMS when it is not next to close.

    Periods close in calendar order from the first month. The next one to close takes what the
    last close left behind; the first month takes everything dated before it, so that nothing
    is ever left unsettled. A period after an open one settles only its own activity, and
    cannot close.
    """
    if target.label == first:
        return 0
    previous = target.previous(timezone).label
    last = await storage.last_closed(target.label)
    if last is not None and last.period == previous:
        return last.closed_through_transfer_id
    if closing:
        raise DomainError(SettlementErrorCode.EARLIER_PERIOD_OPEN,
                          f"{previous} is open: periods close in calendar order from {first}",
                          "period")
    return reporting.NO_LATE_ITEMS


async def _take_lease(label: str) -> None:
    now = now_us()
    taken = await execute(
        connection(),
        "UPDATE settlement_periods SET running_since = $1 WHERE period = $2 "
        "AND status = 'open' AND (running_since IS NULL OR running_since < $3)",
        now, label, now - seconds_to_us(limits.settlement_lease_seconds),
    )
    if taken:
        return
    if await storage.is_closed(label):
        raise DomainError(SettlementErrorCode.PERIOD_CLOSED, f"{label} is closed", "period")
    raise DomainError(SettlementErrorCode.SETTLEMENT_RUNNING,
                          f"{label} is being settled by someone else", "period")


async def _release_lease(label: str) -> None:
    await execute(connection(),
                  "UPDATE settlement_periods SET running_since = NULL WHERE period = $1", label)


async def _through_id(closing: bool) -> int:
    """The highest transfer id the run settles; closing holds new transfers back for an instant
    so that none with a lower id commits after it."""
    async with in_transaction("default") as conn:
        return await reporting.last_transfer_id(conn, hold_writers=closing)


async def _compute(label: str, window: reporting.Window, progress: Progress | None) -> Settlement:
    step = progress or (lambda _: None)
    async with in_transaction("default") as conn:
        await _repeatable_read(conn)
        partners = await _partners(conn)
        accounts = await reporting.read_accounts(conn)
        step("issued points")
        issued = await reporting.issued(conn, window, accounts)
        step("burned points")
        burned = await reporting.burned(conn, window, accounts)
        step("partner accounts")
        moved_issued, moved_burned = await reporting.movements(conn, window, accounts)
        breakage = await reporting.breakage(conn, window, accounts)
        step("provenance")
        cells = await reporting.matrix(conn, window, accounts)
        adjustments = await storage.adjustments(conn, label)
    statements = build_statements(partners, issued, burned, adjustments)
    # The operator's result comes from the partner accounts' own movements, a second reading
    # of the ledger: statements that disagree with it by a point or a cent refuse the run.
    ledger_view = build_statements(partners, moved_issued, moved_burned, adjustments)
    results = operator_results(ledger_view)
    check_zero_sum(statements, results)
    check_ledger_agreement(statements, ledger_view)
    step("storing")
    return Settlement(
        period=label, run_id=0, is_closed=False, statements=statements,
        operator_results=results, breakage_points=breakage,
        matrix=storage.matrix_rows(cells, partners), checksum=checksum(statements, results),
        through_transfer_id=window.through_id,
    )


async def _repeatable_read(conn: BaseDBAsyncClient) -> None:
    # One snapshot for every query of the run; SQLite transactions are serialisable anyway.
    if is_postgres(conn):
        await conn.execute_script("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        # JIT compiling each big aggregate costs more (~0.25 s) than it saves at this size.
        await conn.execute_script("SET LOCAL jit = off")


async def _partners(conn: BaseDBAsyncClient) -> dict[int, PartnerInfo]:
    partners = await fetch_as(conn, PartnerInfo, storage.PARTNER_INFO_SQL)
    return {partner.partner_id: partner for partner in partners}


def checksum(statements: list[Statement], results: list[OperatorResult]) -> str:
    canonical = json.dumps(
        {
            "statements": [
                [s.code, s.currency, [[ln.kind, ln.points, str(ln.price), str(ln.amount),
                                       ln.is_late, ln.description] for ln in s.lines]]
                for s in statements
            ],
            "operator": [[r.currency, str(r.issue_revenue), str(r.redemption_cost),
                          str(r.adjustments)] for r in results],
        },
        separators=(",", ":"),
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


async def add_adjustment(
    label: str, partner_code: str, amount: Decimal, reason: str, created_by: str,
    idempotency_key: str, timezone: str,
) -> Adjustment:
    """A fee (negative) or a credit (positive) on a partner's statement of an open period."""
    target = period(label, timezone)
    if not amount.is_finite() or amount == 0 or abs(amount) > Decimal(10) ** 9:
        raise DomainError(SettlementErrorCode.INVALID_ADJUSTMENT,
                              "an adjustment is a non-zero amount below 1e9", "amount")
    if not 0 < len(reason.strip()) <= 200:
        raise DomainError(SettlementErrorCode.INVALID_ADJUSTMENT,
                              "say why, in 1 to 200 characters", "reason")
    if not 0 < len(idempotency_key) <= limits.idempotency_key_length_max:
        raise DomainError(SettlementErrorCode.INVALID_ADJUSTMENT,
                          f"an idempotency key has 1 to {limits.idempotency_key_length_max} "
                          "characters", "idempotencyKey")
    await _check_settleable(target)
    return await storage.insert_adjustment(target.label, partner_code, amount, reason.strip(),
                                           created_by, idempotency_key)
