"""What the sweeps have to do: members with lots due to mature or expire, lapsed holds. Read in
bounded batches, after a given id, so a sweep pages through them without holding locks."""

from __future__ import annotations

from exchange import limits
from exchange.db import connection, fetch_as
from exchange.ledger.kinds import HoldStatus


def _first(value: int) -> int:
    return value


async def members_due_to_mature(now_us: int, after_member_id: int) -> list[int]:
    return await fetch_as(
        connection(), _first,
        "SELECT DISTINCT member_id AS value FROM lots WHERE is_pending = TRUE "
        "AND available_at <= $1 AND member_id > $2 ORDER BY member_id LIMIT $3",
        now_us, after_member_id, limits.sweep_batch_size_max,
    )


async def members_due_to_expire(now_us: int, after_member_id: int) -> list[int]:
    return await fetch_as(
        connection(), _first,
        "SELECT DISTINCT member_id AS value FROM lots WHERE is_pending = FALSE "
        "AND points_remaining > 0 AND expires_at <= $1 AND member_id > $2 "
        "ORDER BY member_id LIMIT $3",
        now_us, after_member_id, limits.sweep_batch_size_max,
    )


async def lapsed_holds(after_hold_id: int) -> list[int]:
    """Unresolved holds past their expiry by the database's clock."""
    return await fetch_as(
        connection(), _first,
        "SELECT id AS value FROM holds WHERE status = $1 AND expires_at <= {db_now_us} "
        "AND id > $2 ORDER BY id LIMIT $3",
        HoldStatus.AUTHORIZED, after_hold_id, limits.sweep_batch_size_max,
    )
