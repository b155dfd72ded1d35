"""`exchange admin token ...`: create, list and revoke admins' bearer tokens."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from rich.table import Table

from exchange import limits
from exchange.cli.support import console, database_command
from exchange.config import Settings

if TYPE_CHECKING:
    from exchange.registry.admin_tokens import AdminTokenRecord



def add_parsers(sub: Any) -> None:
    admin = sub.add_parser("admin", help="admin access")
    asub = admin.add_subparsers(dest="admin_command", required=True)
    token = asub.add_parser("token", help="admin bearer tokens").add_subparsers(
        dest="token_command", required=True)
    create = token.add_parser("create", help="create a token; it is printed once, to stdout")
    create.add_argument("--name", required=True, help="the admin the token is for")
    create.add_argument(
        "--ttl-days", type=int, default=limits.admin_token_ttl_days_default,
        help=f"lifetime in days, {limits.admin_token_ttl_days_min} to "
             f"{limits.admin_token_ttl_days_max} (default {limits.admin_token_ttl_days_default})",
    )
    create.set_defaults(run=database_command(cmd_create))
    token.add_parser("list", help="list tokens (never the tokens themselves)").set_defaults(
        run=database_command(cmd_list))
    revoke = token.add_parser("revoke", help="revoke a token, effective at once")
    revoke.add_argument("token_id", help="the id `list` shows, or the token itself")
    revoke.set_defaults(run=database_command(cmd_revoke))



def _when(at_us: int) -> str:
    from exchange.clock import from_us

    return f"{from_us(at_us):%Y-%m-%d %H:%M}"


def _status(record: AdminTokenRecord, at_us: int) -> str:
    status = record.status(at_us)
    if record.revoked_at is None:
        return status
    from exchange.clock import from_us

    return f"{status} {from_us(record.revoked_at):%Y-%m-%d}"


async def cmd_create(args: argparse.Namespace, _: Settings) -> int:
    from exchange.registry.admin_tokens import create_token

    token, record = await create_token(args.name, args.ttl_days)
    # stdout carries the token alone, so `exchange admin token create ... > file` captures it.
    print(token, flush=True)
    console.print(
        f"Admin token {record.id} for {record.name}, valid until {_when(record.expires_at)} UTC.\n"
        "[bold yellow]warning:[/] it cannot be shown again (the exchange keeps only its hash): "
        "store it now.", soft_wrap=True,
    )
    return 0


async def cmd_list(_: argparse.Namespace, __: Settings) -> int:
    from exchange.clock import now_us
    from exchange.registry.admin_tokens import list_tokens

    at_us = now_us()
    table = Table("id", "name", title="Admin tokens (times in UTC)")
    for column in ("created", "expires", "status"):
        table.add_column(column, no_wrap=True)  # let long names wrap, never a time
    for record in await list_tokens():
        table.add_row(str(record.id), record.name, _when(record.created_at),
                      _when(record.expires_at), _status(record, at_us))
    console.print(table)
    return 0


async def cmd_revoke(args: argparse.Namespace, _: Settings) -> int:
    from exchange.registry.admin_tokens import revoke_token

    record = await revoke_token(args.token_id)
    console.print(f"Revoked admin token {record.id} ({record.name}); "
                  "requests carrying it are refused from now on.")
    return 0
