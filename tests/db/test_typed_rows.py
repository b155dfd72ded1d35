"""Typed reads: rows mapped once into typed values, on SQLite and PostgreSQL alike."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from exchange.db import connection, execute, fetch_as, fetch_one_as, fetch_value


@dataclass(frozen=True, slots=True)
class _Claim:
    id: int
    key: str
    created_at: int


async def _add_claim(key: str, created_at: int) -> None:
    await execute(
        connection(),
        "INSERT INTO idempotency_keys (key, caller, fingerprint, created_at) "
        "VALUES ($1, 'test', 'f', $2)",
        key, created_at,
    )


async def test_rows_map_onto_the_dataclass_with_the_drivers_own_types(db: str) -> None:
    # Callers no longer cast: a BIGINT must arrive as an int on both databases.
    await _add_claim("shop/2026-01", 2**40)
    await _add_claim("shop/2026-02", 7)
    rows = await fetch_as(
        connection(), _Claim,
        "SELECT id, key, created_at FROM idempotency_keys ORDER BY created_at DESC",
    )
    assert [(row.key, row.created_at) for row in rows] == [
        ("shop/2026-01", 2**40), ("shop/2026-02", 7),
    ]
    assert all(type(row.id) is int and type(row.created_at) is int for row in rows)


async def test_one_row_or_none(db: str) -> None:
    await _add_claim("shop/2026-01", 5)
    sql = "SELECT id, key, created_at FROM idempotency_keys WHERE key = $1"
    found = await fetch_one_as(connection(), _Claim, sql, "shop/2026-01")
    assert found is not None and found.created_at == 5
    assert await fetch_one_as(connection(), _Claim, sql, "other/2026-01") is None


async def test_a_value_is_the_first_column_of_the_first_row(db: str) -> None:
    await _add_claim("shop/2026-01", 5)
    sql = "SELECT key, created_at FROM idempotency_keys WHERE created_at >= $1"
    assert await fetch_value(connection(), str, sql, 5) == "shop/2026-01"
    assert await fetch_value(connection(), str, sql, 6) is None


async def test_a_column_the_row_type_does_not_name_is_an_error(db: str) -> None:
    await _add_claim("shop/2026-01", 5)
    with pytest.raises(TypeError):
        await fetch_as(connection(), _Claim, "SELECT * FROM idempotency_keys")
