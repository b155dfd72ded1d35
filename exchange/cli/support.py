"""What every `exchange` subcommand that touches the database shares: open it, check it is
migrated, run, print a domain error as `error: CODE: message` with exit status 2, close it."""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Awaitable, Callable

from rich.console import Console
from rich.markup import escape

from exchange.config import Settings

console = Console(stderr=True)
Command = Callable[[argparse.Namespace, Settings], Awaitable[int]]


def database_command(command: Command) -> Callable[[argparse.Namespace, Settings], int]:
    def run(args: argparse.Namespace, settings: Settings) -> int:
        return asyncio.run(_with_database(settings, command, args))

    return run


async def _with_database(settings: Settings, command: Command, args: argparse.Namespace) -> int:
    from exchange.db import DatabaseNotMigrated, assert_migrated, close_database, open_database
    from exchange.errors import DomainError

    await open_database(settings.database_url)
    try:
        await assert_migrated()
        return await command(args, settings)
    except DomainError as error:
        console.print(f"[bold red]error:[/] {error.code.value}: {escape(error.message)}",
                      soft_wrap=True)
        return 2
    except DatabaseNotMigrated as error:
        console.print(f"[bold red]error:[/] {escape(str(error))}", soft_wrap=True)
        return 2
    finally:
        await close_database()
