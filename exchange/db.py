"""Database setup: Tortoise on SQLite (default) or PostgreSQL, migrations, and raw SQL helpers.

The hot paths run hand-written SQL on Tortoise's own connection: the ORM's per-call overhead,
not the database, dominates them (measured on PostgreSQL with 2 workers, a two-statement earn made
of Tortoise model calls served 331 requests/s, the same in raw SQL 1,180). SQL is written once,
PostgreSQL style (`$1` parameters), and translated for SQLite, whose numbered `?1` parameters
bind the same way.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from functools import lru_cache
from typing import Any, TypeVar

from tortoise import BaseDBAsyncClient, Tortoise, connections
from tortoise.migrations.executor import MigrationExecutor

MODEL_MODULES = [
    "exchange.ledger.models",
    "exchange.members.models",
    "exchange.registry.models",
    "exchange.settlement.models",
    "exchange.offers.models",
    "exchange.program.models",
]
APP_LABEL = "exchange"
_DOLLAR_PARAM = re.compile(r"\$(\d+)")
R = TypeVar("R")


class DatabaseNotMigrated(RuntimeError):
    """The schema is missing or behind the code: run `exchange migrate`."""


def tortoise_config(database_url: str) -> dict[str, Any]:
    return {
        "connections": {"default": database_url},
        "apps": {
            APP_LABEL: {
                "models": MODEL_MODULES,
                "migrations": "exchange.migrations",
                "default_connection": "default",
            }
        },
        "use_tz": True,
        "timezone": "UTC",
    }


_opened: list[str] = []  # the database opened last, for caches that must not outlive it


async def open_database(database_url: str) -> None:
    # The global fallback lets request tasks started by uvicorn find the connections
    # that the lifespan task opened; without it Tortoise 1.x finds no active context there.
    await Tortoise.init(config=tortoise_config(database_url), _enable_global_fallback=True)
    _opened[:] = [database_url]


def opened_database() -> str:
    return _opened[0] if _opened else ""


async def close_database() -> None:
    await Tortoise.close_connections()


def connection() -> BaseDBAsyncClient:
    client: BaseDBAsyncClient = connections.get("default")
    return client


def is_postgres(conn: BaseDBAsyncClient) -> bool:
    return conn.capabilities.dialect == "postgres"


# The database's own clock in microseconds since the epoch, written `{db_now_us}` in SQL.
# Hold expiry uses it so that app hosts with skewed clocks agree on when a hold lapses.
_DB_NOW_US_POSTGRES = "(EXTRACT(EPOCH FROM clock_timestamp()) * 1000000)::bigint"
_DB_NOW_US_SQLITE = "CAST((julianday('now') - 2440587.5) * 86400000000 AS INTEGER)"


@lru_cache(maxsize=512)
def _for_postgres(sql: str) -> str:
    return sql.replace("{db_now_us}", _DB_NOW_US_POSTGRES)


@lru_cache(maxsize=512)
def _for_sqlite(sql: str) -> str:
    sql = sql.replace("{db_now_us}", _DB_NOW_US_SQLITE).replace(" FOR UPDATE", "")
    return _DOLLAR_PARAM.sub(r"?\1", sql)


def dialect_sql(conn: BaseDBAsyncClient, sql: str) -> str:
    """Return `sql` for this connection's dialect (row locks are implicit on SQLite)."""
    return _for_postgres(sql) if is_postgres(conn) else _for_sqlite(sql)


async def fetch(conn: BaseDBAsyncClient, sql: str, *args: Any) -> list[dict[str, Any]]:
    return await conn.execute_query_dict(dialect_sql(conn, sql), list(args))


async def fetch_one(conn: BaseDBAsyncClient, sql: str, *args: Any) -> dict[str, Any] | None:
    rows = await fetch(conn, sql, *args)
    return rows[0] if rows else None


# Typed reads: each row is mapped once, at the storage edge, so callers see typed values instead
# of dicts. `into` takes the columns as keywords: a frozen dataclass whose fields are the selected
# columns, or a function that builds one from them. Values come as the driver gives them (BIGINT
# is an int on both databases); `into` converts what is stored otherwise: decimals and JSON kept
# as text, booleans (0 or 1 on SQLite).


async def fetch_as(
    conn: BaseDBAsyncClient, into: Callable[..., R], sql: str, *args: Any
) -> list[R]:
    return [into(**row) for row in await fetch(conn, sql, *args)]


async def fetch_one_as(
    conn: BaseDBAsyncClient, into: Callable[..., R], sql: str, *args: Any
) -> R | None:
    rows = await fetch_as(conn, into, sql, *args)
    return rows[0] if rows else None


async def fetch_value(
    conn: BaseDBAsyncClient, into: Callable[[Any], R], sql: str, *args: Any
) -> R | None:
    """The first column of the first row (e.g. `RETURNING id`) as `into` makes it; None when
    no row comes back."""
    rows = await fetch(conn, sql, *args)
    return into(next(iter(rows[0].values()))) if rows else None


async def execute(conn: BaseDBAsyncClient, sql: str, *args: Any) -> int:
    """Run a statement and return the number of rows it changed."""
    rowcount, _ = await conn.execute_query(dialect_sql(conn, sql), list(args))
    return rowcount


async def execute_many(conn: BaseDBAsyncClient, sql: str, rows: Sequence[Sequence[Any]]) -> None:
    if rows:
        await conn.execute_many(dialect_sql(conn, sql), [list(row) for row in rows])


async def migrate(database_url: str) -> list[str]:
    """Apply pending migrations; return the names applied."""
    await open_database(database_url)
    try:
        executor = _executor()
        plan = await executor.plan(None)
        names = [step.migration.name for step in plan if not step.backward]
        await executor.migrate(None)
        return names
    finally:
        await close_database()


async def pending_migrations() -> list[str]:
    """Names of migrations not yet applied to the open database."""
    plan = await _executor().plan(None)
    return [step.migration.name for step in plan if not step.backward]


async def assert_migrated() -> None:
    missing = await pending_migrations()
    if missing:
        raise DatabaseNotMigrated(
            f"The database is not migrated ({len(missing)} pending: {', '.join(missing)}). "
            "Run `exchange migrate` first."
        )


def _executor() -> MigrationExecutor:
    apps = tortoise_config("")["apps"]
    return MigrationExecutor(connection(), apps)
