"""The `exchange` command; its subcommands live one group per module beside this one."""

from __future__ import annotations

from exchange.cli.main import main

__all__ = ["main"]
