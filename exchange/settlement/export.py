"""Exporting a settled period: one file per partner and a summary, as CSV or JSON.

Exports read what the period's last successful run STORED, never the ledger: a file says what
was settled, and it is checked against that run's checksum before anything is written. Amounts
are exact decimal strings in both formats (JSON numbers would invite floats).
"""

from __future__ import annotations

import asyncio
import csv
import io
import json
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from exchange.clock import from_us
from exchange.errors import DomainError
from exchange.settlement import storage
from exchange.settlement.errors import SettlementErrorCode
from exchange.settlement.periods import period
from exchange.settlement.service import checksum
from exchange.settlement.statements import OperatorResult, Statement, operator_results

FORMATS = ("csv", "json")
LINE_COLUMNS = (
    "period", "partner", "currency", "position", "kind", "points", "price", "amount", "is_late",
    "description",
)
SUMMARY_COLUMNS = ("section", "item", "partner", "issuer", "currency", "points", "amount", "text")
NET_DESCRIPTION = "statement net (positive: the exchange pays the partner)"


@dataclass(frozen=True, slots=True)
class Export:
    """What one export read: the stored statements of a period and the run that made them."""

    label: str
    status: str  # open | closed
    run: storage.RunRecord
    statements: list[Statement]
    results: list[OperatorResult]
    matrix: list[storage.MatrixRow]


async def export_period(label: str, directory: Path, fmt: str) -> list[Path]:
    """Write `<period>-<code>.<fmt>` per partner, then `<period>-summary.<fmt>`; their paths."""
    assert fmt in FORMATS, fmt
    export = await read_export(label)
    return await asyncio.to_thread(write_export, export, directory, fmt)


def write_export(export: Export, directory: Path, fmt: str) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    render_statement = _statement_csv if fmt == "csv" else _statement_json
    render_summary = _summary_csv if fmt == "csv" else _summary_json
    written = [
        _write(directory / f"{export.label}-{statement.code}.{fmt}",
               render_statement(export, statement))
        for statement in export.statements
    ]
    written.append(_write(directory / f"{export.label}-summary.{fmt}", render_summary(export)))
    return written


async def read_export(label: str) -> Export:
    period(label, "UTC")  # validates the label; the zone does not matter for reading
    succeeded = [run for run in await storage.read_runs(label) if run.outcome == "succeeded"]
    if not succeeded:
        raise DomainError(SettlementErrorCode.PERIOD_NOT_RUN,
                              f"{label} has no successful run to export", "period")
    run = succeeded[-1]
    statements = await storage.read_statements(label)
    results = operator_results(statements)
    if checksum(statements, results) != run.checksum:
        raise DomainError(SettlementErrorCode.LEDGER_MISMATCH,
                              f"the stored statements of {label} differ from run {run.id}")
    status = "closed" if await storage.is_closed(label) else "open"
    return Export(label, status, run, statements, results, await storage.read_matrix(label))


def _write(path: Path, text: str) -> Path:
    # Write beside, then rename: a reader never sees half a statement.
    partial = path.with_name(f".{path.name}.partial")
    with partial.open("w", encoding="utf-8", newline="") as handle:
        handle.write(text)
    os.replace(partial, path)
    return path


def _csv(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue()


def _statement_csv(export: Export, statement: Statement) -> str:
    head = (export.label, statement.code, statement.currency)
    rows: list[tuple[Any, ...]] = [
        (*head, position, line.kind, line.points, line.price, line.amount,
         str(line.is_late).lower(), line.description)
        for position, line in enumerate(statement.lines)
    ]
    rows.append((*head, "", "net", "", "", statement.net, "", NET_DESCRIPTION))
    return _csv(LINE_COLUMNS, rows)


def _summary_csv(export: Export) -> str:
    run = export.run
    rows: list[tuple[Any, ...]] = [
        ("run", item, "", "", "", "", "", text) for item, text in (
            ("period", export.label), ("status", export.status), ("run_id", run.id),
            ("run_by", run.run_by), ("finished_at", _iso(run.finished_at)),
            ("through_transfer_id", run.through_transfer_id), ("checksum", run.checksum),
        )
    ]
    rows += [("statement", "net", s.code, "", s.currency, "", s.net, "")
             for s in export.statements]
    for r in export.results:
        rows += [("operator", item, "", "", r.currency, "", amount, "") for item, amount in (
            ("issue_revenue", r.issue_revenue), ("redemption_cost", r.redemption_cost),
            ("adjustments", r.adjustments), ("result", r.result),
        )]
    rows.append(("breakage", "expired_points", "", "", "", run.breakage_points, "", ""))
    rows += [("provenance", "burned", cell.burned_at, cell.issuer, cell.currency, cell.points,
              cell.value, "") for cell in export.matrix]
    return _csv(SUMMARY_COLUMNS, rows)


def _statement_json(export: Export, statement: Statement) -> str:
    return _json({
        "period": export.label, "status": export.status, "partner": statement.code,
        "currency": statement.currency, "net": statement.net, "run_id": export.run.id,
        "run_checksum": export.run.checksum,
        "lines": [
            {"position": position, "kind": line.kind, "points": line.points,
             "price": line.price, "amount": line.amount, "is_late": line.is_late,
             "description": line.description}
            for position, line in enumerate(statement.lines)
        ],
    })


def _summary_json(export: Export) -> str:
    run = export.run
    return _json({
        "period": export.label, "status": export.status,
        "run": {"id": run.id, "run_by": run.run_by, "finished_at": _iso(run.finished_at),
                "through_transfer_id": run.through_transfer_id, "checksum": run.checksum},
        "statements": [{"partner": s.code, "currency": s.currency, "net": s.net}
                       for s in export.statements],
        "operator_results": [
            {"currency": r.currency, "issue_revenue": r.issue_revenue,
             "redemption_cost": r.redemption_cost, "adjustments": r.adjustments,
             "result": r.result}
            for r in export.results
        ],
        "breakage_points": run.breakage_points,
        "provenance": [{"issuer": c.issuer, "burned_at": c.burned_at, "currency": c.currency,
                        "points": c.points, "value": c.value} for c in export.matrix],
    })


def _json(document: dict[str, Any]) -> str:
    return json.dumps(document, indent=2, default=_exact) + "\n"


def _exact(value: object) -> str:
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError(f"cannot export {type(value).__name__}")


def _iso(at_us: int) -> str:
    return from_us(at_us).isoformat()
