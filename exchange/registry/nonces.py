"""Signature nonces, kept in the database so that every app process sees every use."""

from __future__ import annotations

from tortoise import BaseDBAsyncClient

from exchange.db import connection, execute, fetch_value


async def remember_nonce(
    key_id: str, nonce: str, expires_at: int, conn: BaseDBAsyncClient | None = None
) -> bool:
    """Record a nonce's use; False when it was used before (a replay)."""
    inserted = await fetch_value(
        conn or connection(), int,
        "INSERT INTO signature_nonces (key_id, nonce, expires_at) VALUES ($1, $2, $3) "
        "ON CONFLICT (key_id, nonce) DO NOTHING RETURNING id",
        key_id, nonce, expires_at,
    )
    return inserted is not None


async def prune_nonces(now_us: int) -> int:
    """Forget nonces whose signatures can no longer be accepted anyway."""
    return await execute(
        connection(), "DELETE FROM signature_nonces WHERE expires_at < $1", now_us
    )
