"""The `exchange` command: serve, migrate, demo, sweep, schema, partner, admin, settle, offers."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from rich.console import Console
from rich.progress import Progress
from rich.table import Table

from exchange.cli import admin, offers, partner, settle
from exchange.config import ConfigError, Settings, load_settings

if TYPE_CHECKING:  # imported where used: each command loads only what it needs
    from exchange.cli.demo import DemoCoalition
    from exchange.operations.sweeps import SweepReport

console = Console(stderr=True)


def _fail(message: str) -> int:
    console.print(f"[bold red]error:[/] {message}", soft_wrap=True)
    return 2


def cmd_schema(_: argparse.Namespace, __: Settings) -> int:
    from exchange.api.schema import schema_sdl

    sys.stdout.write(schema_sdl())
    return 0


def cmd_migrate(_: argparse.Namespace, settings: Settings) -> int:
    from exchange.db import migrate

    applied = asyncio.run(migrate(settings.database_url))
    if applied:
        console.print(f"Applied {len(applied)} migration(s): {', '.join(applied)}")
    else:
        console.print("The database is up to date.")
    return 0


async def _check_ready(settings: Settings) -> str | None:
    from exchange.db import DatabaseNotMigrated, assert_migrated, close_database, open_database

    try:
        await open_database(settings.database_url)
        await assert_migrated()
    except DatabaseNotMigrated as error:
        return str(error)
    except Exception as error:  # unreachable server, bad credentials, ...
        return f"cannot open the database: {error}"
    finally:
        await close_database()
    return None


def cmd_serve(args: argparse.Namespace, settings: Settings) -> int:
    if settings.is_sqlite and args.workers > 1:
        return _fail(
            "SQLite serialises every write in one process: run one worker on SQLite, "
            "or set EXCHANGE_DATABASE_URL=postgres://... for more workers."
        )
    problem = asyncio.run(_check_ready(settings))
    if problem:
        return _fail(problem)
    return _serve(settings, args.host, args.port, args.workers)


def _serve(settings: Settings, host: str, port: int, workers: int) -> int:
    import uvicorn

    from exchange.logs import configure_logging

    configure_logging(settings.log_level, json_lines=settings.log_json)
    uvicorn.run(
        "exchange.api.app:create_app", factory=True, host=host, port=port, workers=workers,
        log_config=None, access_log=False, proxy_headers=False, server_header=False,
    )
    return 0


def cmd_sweep(args: argparse.Namespace, settings: Settings) -> int:
    from exchange.clock import now_us, to_us

    at = to_us(datetime.fromisoformat(args.now)) if args.now else now_us()
    report, pruned = asyncio.run(_sweep(settings, at))
    table = Table("sweep", "result")
    table.add_row("points matured (pending to available)", str(report.points_matured))
    table.add_row("points expired (to breakage)", str(report.points_expired))
    table.add_row("holds expired (released)", str(report.holds_expired))
    table.add_row("signature nonces forgotten", str(pruned))
    console.print(table)
    return 0


async def _sweep(settings: Settings, at: int) -> tuple[SweepReport, int]:
    from exchange.clock import now_us
    from exchange.db import assert_migrated, close_database, open_database
    from exchange.operations import sweeps
    from exchange.registry.nonces import prune_nonces

    await open_database(settings.database_url)
    try:
        await assert_migrated()
        with Progress(console=console, transient=True) as progress:
            task = progress.add_task("maturing pending lots", total=None)
            matured = 0
            async for moved in sweeps.maturing(at):
                matured += moved
                progress.advance(task)
            progress.update(task, description="expiring lots")
            expired = 0
            async for moved in sweeps.expiring(at):
                expired += moved
                progress.advance(task)
            progress.update(task, description="releasing lapsed holds")
            holds = 0
            async for released in sweeps.releasing_lapsed_holds():
                holds += released
                progress.advance(task)
        # Nonces outlive their signatures by design; past that they only take space.
        pruned = await prune_nonces(now_us())
        return sweeps.SweepReport(matured, expired, holds), pruned
    finally:
        await close_database()


def cmd_demo(args: argparse.Namespace, settings: Settings) -> int:
    path = Path(args.database)
    for stale in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
        stale.unlink(missing_ok=True)
    demo_settings = Settings(
        database_url=f"sqlite://{path}", public_url=f"http://{args.host}:{args.port}",
        log_level=settings.log_level, log_json=settings.log_json,
    )
    coalition = asyncio.run(_seed_demo(demo_settings, Path(args.keys)))
    key_id, key_file = coalition.key_files["grocer"]
    _print_try_it(demo_settings.public_url, key_id, key_file, demo_settings.database_url)
    if args.no_serve:
        return 0
    os.environ["EXCHANGE_DATABASE_URL"] = demo_settings.database_url
    os.environ["EXCHANGE_PUBLIC_URL"] = demo_settings.public_url
    return _serve(demo_settings, args.host, args.port, 1)


async def _seed_demo(settings: Settings, key_directory: Path) -> DemoCoalition:
    from exchange.cli import demo
    from exchange.db import close_database, migrate, open_database
    from exchange.ledger.balances import member_balances

    await migrate(settings.database_url)
    await open_database(settings.database_url)
    try:
        with Progress(console=console) as progress:
            task = progress.add_task("seeding the demo coalition", total=demo.HISTORY_DAYS)
            coalition = await demo.seed_demo(
                key_directory, settings.program_timezone, on_step=lambda: progress.advance(task)
            )
        table = Table("card", "available", "pending", "held", "debt", title="Demo members")
        for member in coalition.members:
            b = await member_balances(member.id)
            table.add_row(member.card_number, str(b.available), str(b.pending), str(b.held),
                          str(b.clawback_debt))
        console.print(table)
        console.print(
            f"{len(coalition.partners)} partners "
            f"({', '.join(p.code for p in coalition.partners)}), "
            f"{coalition.purchases} purchases, {coalition.redemptions} redemptions, "
            f"{len(demo.DEMO_OFFERS)} offers and a trained ranking model."
        )
        return coalition
    finally:
        await close_database()


def _print_try_it(url: str, key_id: str, key_file: Path, database_url: str) -> None:
    console.print(f"""
[bold]The demo exchange serves {url}[/]
The admin page (settlement periods, liability and breakage by month, statements):
  {url}/admin
  with a token from: EXCHANGE_DATABASE_URL={database_url} exchange admin token create \\
       --name "Demo Admin" --ttl-days 1
  and a month settled: EXCHANGE_DATABASE_URL={database_url} exchange settle run --period YYYY-MM
A signed partner call (the grocer's key is in {key_file}, readable by you only):
  python -m partners.example --url {url} --key-id {key_id} --key-file {key_file}
Unsigned endpoints:
  curl {url}/healthz
  curl {url}/readyz
  curl -s {url}/metrics | grep exchange_ledger_transfers_total
An unsigned GraphQL call is refused with 401 (SIGNATURE_MISSING):
  curl -s {url}/graphql -H 'content-type: application/json' \\
       -d '{{"query": "{{ partner {{ code }} }}"}}'
Stop the server with Ctrl-C.
""", soft_wrap=True)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="exchange", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="run the API server (uvicorn)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--workers", type=int, default=1)
    serve.set_defaults(run=cmd_serve)
    sub.add_parser("migrate", help="create or upgrade the schema").set_defaults(run=cmd_migrate)
    sub.add_parser("schema", help="print the GraphQL SDL").set_defaults(run=cmd_schema)
    demo = sub.add_parser("demo", help="seed a demo coalition in SQLite and serve it")
    demo.add_argument("--database", default="exchange-demo.db", help="SQLite file (recreated)")
    demo.add_argument("--host", default="127.0.0.1")
    demo.add_argument("--port", type=int, default=8000)
    demo.add_argument("--keys", default="exchange-demo-keys",
                      help="directory for the demo partners' private keys (recreated)")
    demo.add_argument("--no-serve", action="store_true", help="seed only, do not serve")
    demo.set_defaults(run=cmd_demo)
    sweep = sub.add_parser("sweep", help="mature pending points, expire lots and lapsed holds")
    sweep.add_argument("--now", help="ISO 8601 time with zone to sweep as of (default: now)")
    sweep.set_defaults(run=cmd_sweep)
    partner.add_parsers(sub)
    admin.add_parsers(sub)
    settle.add_parsers(sub)
    offers.add_parsers(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        settings = load_settings()
    except ConfigError as error:
        return _fail(str(error))
    return int(args.run(args, settings))
