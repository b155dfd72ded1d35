"""Where settlement keeps what it produced, and how it reads it back."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from tortoise import BaseDBAsyncClient
from tortoise.transactions import in_transaction

from exchange.clock import now_us
from exchange.db import (
    connection,
    execute,
    execute_many,
    fetch,
    fetch_as,
    fetch_one_as,
    fetch_value,
)
from exchange.errors import DomainError
from exchange.ledger.reporting import MatrixCell
from exchange.money import minor_unit_digits, parse_decimal
from exchange.settlement.errors import SettlementErrorCode
from exchange.settlement.statements import (
    Adjustment,
    Line,
    OperatorResult,
    PartnerInfo,
    Statement,
    round_money,
)

OPERATOR = "operator"
PARTNER_INFO_SQL = "SELECT id AS partner_id, code, settlement_currency AS currency FROM partners"


@dataclass(frozen=True, slots=True)
class ClosedPeriod:
    period: str
    closed_through_transfer_id: int


@dataclass(frozen=True, slots=True)
class MatrixRow:
    issuer: str  # partner code or "operator"
    burned_at: str
    points: int
    value: Decimal
    currency: str


@dataclass(frozen=True, slots=True)
class Settlement:
    """One run of a period: its statements, the operator's result, the provenance matrix."""

    period: str
    run_id: int
    is_closed: bool
    statements: list[Statement]
    operator_results: list[OperatorResult]
    breakage_points: int
    matrix: list[MatrixRow]
    checksum: str
    through_transfer_id: int


@dataclass(frozen=True, slots=True)
class RunRecord:
    id: int
    period: str
    run_by: str
    started_at: int
    finished_at: int
    outcome: str
    message: str
    checksum: str
    through_transfer_id: int
    breakage_points: int


async def ensure_period(label: str) -> None:
    await fetch(
        connection(),
        "INSERT INTO settlement_periods (period, status, created_at) VALUES ($1, 'open', $2) "
        "ON CONFLICT (period) DO NOTHING RETURNING id",
        label, now_us(),
    )


async def first_period(conn: BaseDBAsyncClient | None = None) -> str | None:
    """The coalition's first settlement month, or None before an admin has set it."""
    return await fetch_value(conn or connection(), str,
                             "SELECT first_period FROM settlement_start WHERE id = 1")


async def set_first_period(label: str, set_by: str) -> None:
    """Set the first settlement month; it can move only while no period is closed."""
    async with in_transaction("default") as conn:
        current = await first_period(conn)
        if current == label:
            return
        closed = await fetch_value(conn, str, "SELECT period FROM settlement_periods "
                                              "WHERE status = 'closed' ORDER BY period LIMIT 1")
        if closed is not None:
            raise DomainError(SettlementErrorCode.PERIOD_CLOSED,
                              f"settlement began with {current} and {closed} is closed: the "
                              "first month can no longer change", "period")
        # A month already run or adjusted before the new first month would never settle: its
        # adjustments would be lost and its statements left behind as if open.
        used = await fetch_value(conn, str, "SELECT period FROM settlement_periods "
                                            "WHERE period < $1 ORDER BY period LIMIT 1", label)
        if used is not None:
            raise DomainError(SettlementErrorCode.EARLIER_PERIOD_OPEN,
                              f"{used} was already run or adjusted: the first month can move "
                              f"only to {used} or earlier", "period")
        await execute(conn, "DELETE FROM settlement_start WHERE id = 1")
        await execute(conn, "INSERT INTO settlement_start (id, first_period, set_by, set_at) "
                            "VALUES (1, $1, $2, $3)", label, set_by, now_us())


async def latest_closed() -> str | None:
    """The last period closed, if any."""
    return await fetch_value(connection(), str, "SELECT period FROM settlement_periods "
                             "WHERE status = 'closed' ORDER BY period DESC LIMIT 1")


async def last_closed(before: str) -> ClosedPeriod | None:
    return await fetch_one_as(
        connection(), ClosedPeriod,
        "SELECT period, closed_through_transfer_id FROM settlement_periods "
        "WHERE status = 'closed' AND period < $1 ORDER BY period DESC LIMIT 1",
        before,
    )


async def is_closed(label: str) -> bool:
    status = await fetch_value(connection(), str,
                               "SELECT status FROM settlement_periods WHERE period = $1", label)
    return status == "closed"


def matrix_rows(cells: list[MatrixCell], partners: dict[int, PartnerInfo]) -> list[MatrixRow]:
    """Cells summed per (issuer, burned at), valued at the burn partner's redemption price."""
    summed: dict[tuple[str, str, str], tuple[int, Decimal]] = {}
    for cell in cells:
        burner = partners[cell.partner_id]
        issuer = (OPERATOR if cell.issuer_partner_id is None
                  else partners[cell.issuer_partner_id].code)
        value = round_money((cell.price or Decimal(0)) * cell.points, burner.currency)
        key = (issuer, burner.code, burner.currency)
        points, total = summed.get(key, (0, Decimal(0)))
        summed[key] = (points + cell.points, total + value)
    return [MatrixRow(issuer, burned_at, points, value, currency)
            for (issuer, burned_at, currency), (points, value) in sorted(summed.items())
            if points]


def _adjustment(*, partner_id: int, amount: str, reason: str) -> Adjustment:
    return Adjustment(partner_id, parse_decimal(amount), reason)


def _period_adjustment(
    *, period: str, partner_id: int, amount: str, reason: str
) -> tuple[str, Adjustment]:
    return period, _adjustment(partner_id=partner_id, amount=amount, reason=reason)


async def adjustments(conn: BaseDBAsyncClient, label: str) -> list[Adjustment]:
    return await fetch_as(
        conn, _adjustment,
        "SELECT partner_id, amount, reason FROM settlement_adjustments WHERE period = $1 "
        "ORDER BY id", label,
    )


async def insert_adjustment(
    label: str, partner_code: str, amount: Decimal, reason: str, created_by: str, key: str
) -> Adjustment:
    partner = await fetch_one_as(connection(), PartnerInfo,
                                 f"{PARTNER_INFO_SQL} WHERE code = $1", partner_code)
    if partner is None:
        raise DomainError(SettlementErrorCode.PARTNER_NOT_FOUND,
                              f"no partner {partner_code!r}", "partnerCode")
    _check_minor_units(amount, partner.currency)
    await ensure_period(label)
    async with in_transaction("default") as conn:
        if await _status(conn, label) == "closed":
            raise DomainError(SettlementErrorCode.PERIOD_CLOSED, f"{label} is closed",
                                  "period")
        inserted = await fetch(
            conn,
            "INSERT INTO settlement_adjustments (period, partner_id, amount, currency, "
            "reason, created_by, idempotency_key, created_at) "
            "SELECT $1, id, $2, settlement_currency, $3, $4, $5, $6 FROM partners "
            "WHERE id = $7 ON CONFLICT (created_by, idempotency_key) DO NOTHING RETURNING id",
            label, str(amount), reason, created_by, key, now_us(), partner.partner_id,
        )
        if not inserted:
            await _check_same_adjustment(conn, label, partner.partner_id, amount, reason,
                                         created_by, key)
    return Adjustment(partner.partner_id, amount, reason)


def _check_minor_units(amount: Decimal, currency: str) -> None:
    # An amount finer than the currency's minor unit would be rounded on the statement: refuse
    # it rather than change it silently.
    if round_money(amount, currency) != amount:
        raise DomainError(SettlementErrorCode.INVALID_ADJUSTMENT,
                              f"{currency} amounts have at most {minor_unit_digits(currency)} "
                              "decimals", "amount")


async def _check_same_adjustment(
    conn: BaseDBAsyncClient, label: str, partner_id: int, amount: Decimal, reason: str,
    created_by: str, key: str,
) -> None:
    """The key was used before: a repeat of the same adjustment is fine (it exists already),
    anything else under that key is refused."""
    stored = await fetch_one_as(
        conn, _period_adjustment,
        "SELECT period, partner_id, amount, reason FROM settlement_adjustments "
        "WHERE created_by = $1 AND idempotency_key = $2", created_by, key,
    )
    assert stored is not None
    if stored != (label, Adjustment(partner_id, amount, reason)):
        raise DomainError(SettlementErrorCode.INVALID_ADJUSTMENT,
                              "this idempotency key was used for a different adjustment",
                              "idempotencyKey")


async def first_closed_after(label: str) -> str | None:
    return await fetch_value(
        connection(), str,
        "SELECT period FROM settlement_periods WHERE status = 'closed' AND period > $1 "
        "ORDER BY period LIMIT 1", label,
    )


async def _status(conn: BaseDBAsyncClient, label: str) -> str:
    status = await fetch_value(conn, str, "SELECT status FROM settlement_periods "
                                          "WHERE period = $1 FOR UPDATE", label)
    assert status is not None
    return status


async def record_run(
    label: str, run_by: str, started_at: int, outcome: str, message: str, checksum: str,
    through_id: int, breakage_points: int = 0, conn: BaseDBAsyncClient | None = None,
) -> int:
    run_id = await fetch_value(
        conn or connection(), int,
        "INSERT INTO settlement_runs (period, run_by, started_at, finished_at, outcome, "
        "message, checksum, through_transfer_id, breakage_points) "
        "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
        label, run_by, started_at, now_us(), outcome, message, checksum, through_id,
        breakage_points,
    )
    assert run_id is not None
    return run_id


async def store(settlement: Settlement, run_by: str, started_at: int, closing: bool) -> Settlement:
    """Replace the open period's statements with these; when closing, freeze them for good."""
    from dataclasses import replace

    label = settlement.period
    async with in_transaction("default") as conn:
        if await _status(conn, label) == "closed":
            raise DomainError(SettlementErrorCode.PERIOD_CLOSED, f"{label} is closed",
                                  "period")
        run_id = await record_run(label, run_by, started_at, "succeeded", "",
                                  settlement.checksum, settlement.through_transfer_id,
                                  settlement.breakage_points, conn)
        await _replace_statements(conn, settlement, run_id)
        if closing:
            await execute(
                conn,
                "UPDATE settlement_periods SET status = 'closed', closed_through_transfer_id = $1,"
                " closed_at = $2, closed_by = $3 WHERE period = $4",
                settlement.through_transfer_id, now_us(), run_by, label,
            )
    return replace(settlement, run_id=run_id, is_closed=closing)


async def _replace_statements(conn: BaseDBAsyncClient, settlement: Settlement, run_id: int) -> None:
    label = settlement.period
    await execute(conn, "DELETE FROM settlement_lines WHERE statement_id IN "
                        "(SELECT id FROM settlement_statements WHERE period = $1)", label)
    await execute(conn, "DELETE FROM settlement_statements WHERE period = $1", label)
    await execute(conn, "DELETE FROM settlement_provenance WHERE period = $1", label)
    for statement in settlement.statements:
        statement_id = await fetch_value(
            conn, int,
            "INSERT INTO settlement_statements (period, partner_id, currency, net, run_id) "
            "VALUES ($1, $2, $3, $4, $5) RETURNING id",
            label, statement.partner_id, statement.currency, str(statement.net), run_id,
        )
        assert statement_id is not None
        await execute_many(
            conn,
            "INSERT INTO settlement_lines (statement_id, position, kind, points, price, amount, "
            "is_late, description) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            [(statement_id, position, line.kind, line.points, str(line.price),
              str(line.amount), line.is_late, line.description)
             for position, line in enumerate(statement.lines)],
        )
    await execute_many(
        conn,
        "INSERT INTO settlement_provenance (period, issuer, burned_at, points, value, currency) "
        "VALUES ($1, $2, $3, $4, $5, $6)",
        [(label, cell.issuer, cell.burned_at, cell.points, str(cell.value), cell.currency)
         for cell in settlement.matrix],
    )


async def read_statements(label: str, partner_id: int | None = None) -> list[Statement]:
    """The period's stored statements: all of them, or one partner's own."""
    sql = (
        "SELECT s.id, s.partner_id, p.code, s.currency FROM settlement_statements s "
        "JOIN partners p ON p.id = s.partner_id WHERE s.period = $1"
    )
    args: list[object] = [label]
    if partner_id is not None:
        sql += " AND s.partner_id = $2"
        args.append(partner_id)
    heads = await fetch_as(connection(), _StatementHead, sql + " ORDER BY p.code", *args)
    if not heads:
        return []
    lines = await fetch_as(
        connection(), _statement_line,
        "SELECT l.statement_id, l.kind, l.points, l.price, l.amount, l.is_late, l.description "
        "FROM settlement_lines l JOIN settlement_statements s ON s.id = l.statement_id "
        "WHERE s.period = $1 ORDER BY l.statement_id, l.position", label,
    )
    by_statement: dict[int, list[Line]] = {}
    for statement_id, line in lines:
        by_statement.setdefault(statement_id, []).append(line)
    return [Statement(h.partner_id, h.code, h.currency, tuple(by_statement.get(h.id, ())))
            for h in heads]


@dataclass(frozen=True, slots=True)
class _StatementHead:
    id: int
    partner_id: int
    code: str
    currency: str


def _statement_line(
    *, statement_id: int, kind: str, points: int, price: str, amount: str,
    is_late: bool | int, description: str,
) -> tuple[int, Line]:
    """A settlement_lines row: decimals are stored as text, is_late is 0 or 1 on SQLite."""
    return statement_id, Line(kind, points, parse_decimal(price), parse_decimal(amount),
                              bool(is_late), description)


def _matrix_row(
    *, issuer: str, burned_at: str, points: int, value: str, currency: str
) -> MatrixRow:
    return MatrixRow(issuer, burned_at, points, parse_decimal(value), currency)


async def read_matrix(label: str) -> list[MatrixRow]:
    return await fetch_as(
        connection(), _matrix_row,
        "SELECT issuer, burned_at, points, value, currency FROM settlement_provenance "
        "WHERE period = $1 ORDER BY issuer, burned_at", label,
    )


async def read_runs(label: str) -> list[RunRecord]:
    return await fetch_as(
        connection(), RunRecord,
        "SELECT id, period, run_by, started_at, finished_at, outcome, message, checksum, "
        "through_transfer_id, breakage_points FROM settlement_runs WHERE period = $1 "
        "ORDER BY id", label,
    )


async def partner_currency(partner_code: str) -> str:
    currency = await fetch_value(
        connection(), str, "SELECT settlement_currency FROM partners WHERE code = $1",
        partner_code,
    )
    if currency is None:
        raise DomainError(SettlementErrorCode.PARTNER_NOT_FOUND,
                              f"no partner {partner_code!r}", "partnerCode")
    return currency
