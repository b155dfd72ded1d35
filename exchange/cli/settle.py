"""`exchange settle ...`: run, close and export a month's partner statements, add adjustments."""

from __future__ import annotations

import argparse
import getpass
import hashlib
from collections.abc import Awaitable, Callable
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.markup import escape
from rich.progress import Progress
from rich.table import Table

from exchange.cli.support import console, database_command
from exchange.config import Settings

if TYPE_CHECKING:
    from exchange.settlement.storage import Settlement

RUN_STEPS = 5  # the steps run_settlement reports through its `progress` callback


def _decimal(text: str) -> Decimal:
    from exchange.money import MoneyError, parse_decimal

    try:
        return parse_decimal(text)
    except MoneyError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def add_parsers(sub: Any) -> None:
    settle = sub.add_parser("settle", help="partner statements of a month (settlement)")
    ssub = settle.add_subparsers(dest="settle_command", required=True)
    begin = ssub.add_parser("begin", help="set the first settlement month (once, before any "
                                          "close): earlier activity is settled as late items")
    run = ssub.add_parser("run", help="compute the month's statements (again, while open)")
    close = ssub.add_parser("close", help="settle the month for good; later items go to the next")
    export = ssub.add_parser("export", help="write the stored statements to files")
    adjust = ssub.add_parser("adjust", help="add a fee (negative) or credit to a statement")
    for parser in (begin, run, close, export, adjust):
        parser.add_argument("--period", required=True, help="YYYY-MM, in the program's zone")
    export.add_argument("--format", dest="fmt", choices=("csv", "json"), required=True)
    export.add_argument("--out", type=Path, default=Path("."), help="directory (default: .)")
    adjust.add_argument("--partner", required=True, help="partner code")
    adjust.add_argument("--amount", type=_decimal, required=True,
                        help="settlement currency; positive: owed to the partner")
    adjust.add_argument("--reason", required=True)
    adjust.add_argument("--key", help="idempotency key (default: derived from the request, so "
                                      "running the same command twice adds it once)")
    begin.set_defaults(run=database_command(cmd_begin))
    run.set_defaults(run=database_command(cmd_run))
    close.set_defaults(run=database_command(cmd_close))
    export.set_defaults(run=database_command(cmd_export))
    adjust.set_defaults(run=database_command(cmd_adjust))



def operator_name() -> str:
    return f"cli:{getpass.getuser()}"


async def cmd_begin(args: argparse.Namespace, settings: Settings) -> int:
    from exchange.settlement.service import begin_settlement

    first = await begin_settlement(args.period, operator_name(), settings.program_timezone)
    console.print(f"Settlement begins with {first}: periods close in calendar order from it, "
                  f"and activity dated before it is settled as late items of {first}.")
    return 0


async def cmd_run(args: argparse.Namespace, settings: Settings) -> int:
    from exchange.settlement.service import run_settlement

    settled = await _with_progress(
        lambda step: run_settlement(args.period, operator_name(), settings.program_timezone, step)
    )
    _print_settlement(settled)
    return 0


async def cmd_close(args: argparse.Namespace, settings: Settings) -> int:
    from exchange.settlement.service import close_settlement

    settled = await _with_progress(
        lambda step: close_settlement(args.period, operator_name(), settings.program_timezone,
                                      step)
    )
    _print_settlement(settled)
    console.print(f"Closed {settled.period}: its statements never change; anything dated in it "
                  "from now on goes to the next period as a late item.", soft_wrap=True)
    return 0


async def _with_progress(
    settle: Callable[[Callable[[str], None]], Awaitable[Settlement]],
) -> Settlement:
    with Progress(console=console, transient=True) as progress:
        task = progress.add_task("settling", total=RUN_STEPS)

        def step(description: str) -> None:
            progress.update(task, description=description, advance=1)

        settled = await settle(step)
        progress.update(task, completed=RUN_STEPS)
    return settled


def _print_settlement(settled: Settlement) -> None:
    out = Console()
    title = f"Statements {settled.period} ({'closed' if settled.is_closed else 'open'})"
    table = _table(title, ("partner", "currency"), ("issued", "burned", "adjustments", "late",
                                                    "net"))
    table.caption = "issued and burned in points; late: lines dated earlier"
    for statement in settled.statements:
        points = {kind: sum(ln.points for ln in statement.lines if ln.kind == kind)
                  for kind in ("issued", "burned")}
        adjustments = sum((ln.amount for ln in statement.lines if ln.kind == "adjustment"),
                          Decimal(0))
        late = sum(1 for ln in statement.lines if ln.is_late)
        table.add_row(statement.code, statement.currency, str(points["issued"]),
                      str(points["burned"]), str(adjustments), str(late), str(statement.net))
    out.print(table)
    result = _table("Operator", ("currency",), ("issue revenue", "redemption cost",
                                                "adjustments", "operator result"))
    for r in settled.operator_results:
        result.add_row(r.currency, str(r.issue_revenue), str(r.redemption_cost),
                       str(r.adjustments), str(r.result))
    out.print(result)
    out.print(f"Breakage: {settled.breakage_points} points expired. Run {settled.run_id}, "
              f"through transfer {settled.through_transfer_id}, checksum {settled.checksum}.",
              soft_wrap=True)


def _table(title: str, text_columns: tuple[str, ...], number_columns: tuple[str, ...]) -> Table:
    table = Table(*text_columns, title=title)
    for column in number_columns:
        table.add_column(column, justify="right")
    return table


async def cmd_export(args: argparse.Namespace, _: Settings) -> int:
    from exchange.errors import DomainError
    from exchange.settlement.errors import SettlementErrorCode
    from exchange.settlement.export import export_period

    try:
        written = await export_period(args.period, args.out, args.fmt)
    except OSError as error:
        raise DomainError(SettlementErrorCode.EXPORT_FAILED,
                          f"cannot write to {args.out}: {error.strerror}", "out") from None
    for path in written:
        print(path)
    return 0


async def cmd_adjust(args: argparse.Namespace, settings: Settings) -> int:
    from exchange.settlement.service import add_adjustment

    key = args.key or _request_key(args)
    adjustment = await add_adjustment(args.period, args.partner, args.amount, args.reason,
                                      operator_name(), key, settings.program_timezone)
    console.print(f"{args.partner} {args.period}: adjustment {adjustment.amount:f} "
                  f"({escape(adjustment.reason)}); run the period again to see it.",
                  soft_wrap=True)
    return 0


def _request_key(args: argparse.Namespace) -> str:
    # The amount's value, not its spelling: "5" and "5.00" are one adjustment.
    amount = args.amount.normalize()
    request = f"{args.period}\n{args.partner}\n{amount:f}\n{args.reason.strip()}"
    return "cli-" + hashlib.sha256(request.encode()).hexdigest()[:32]
