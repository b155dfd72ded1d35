"""Typed reads: rows mapped once into typed values, on SQLite and PostgreSQL alike."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from exchange.db import connection, execute, fetch_as, fetch_one_as, fetch_value


@dataclass(frozen=True, slots=True)
class _Nonce:
    id: int
    key_id: str
    expires_at: int


async def _add_nonce(key_id: str, expires_at: int) -> None:
    await execute(
        connection(),
        "INSERT INTO signature_nonces (key_id, nonce, expires_at) VALUES ($1, 'n', $2)",
        key_id, expires_at,
    )


async def test_rows_map_onto_the_dataclass_with_the_drivers_own_types(db: str) -> None:
    # Callers no longer cast: a BIGINT must arrive as an int on both databases.
    await _add_nonce("shop/2026-01", 2**40)
    await _add_nonce("shop/2026-02", 7)
    rows = await fetch_as(
        connection(), _Nonce,
        "SELECT id, key_id, expires_at FROM signature_nonces ORDER BY expires_at DESC",
    )
    assert [(row.key_id, row.expires_at) for row in rows] == [
        ("shop/2026-01", 2**40), ("shop/2026-02", 7),
    ]
    assert all(type(row.id) is int and type(row.expires_at) is int for row in rows)


async def test_one_row_or_none(db: str) -> None:
    await _add_nonce("shop/2026-01", 5)
    sql = "SELECT id, key_id, expires_at FROM signature_nonces WHERE key_id = $1"
    found = await fetch_one_as(connection(), _Nonce, sql, "shop/2026-01")
    assert found is not None and found.expires_at == 5
    assert await fetch_one_as(connection(), _Nonce, sql, "other/2026-01") is None


async def test_a_value_is_the_first_column_of_the_first_row(db: str) -> None:
    await _add_nonce("shop/2026-01", 5)
    sql = "SELECT key_id, expires_at FROM signature_nonces WHERE expires_at >= $1"
    assert await fetch_value(connection(), str, sql, 5) == "shop/2026-01"
    assert await fetch_value(connection(), str, sql, 6) is None


async def test_a_column_the_row_type_does_not_name_is_an_error(db: str) -> None:
    await _add_nonce("shop/2026-01", 5)
    with pytest.raises(TypeError):
        await fetch_as(connection(), _Nonce, "SELECT * FROM signature_nonces")
