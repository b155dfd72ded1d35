"""Rewarded activities: how many times a member was rewarded for one today, from the awards
themselves. Called under the member's lock, so concurrent awards cannot pass a daily cap."""

from __future__ import annotations

from tortoise import BaseDBAsyncClient

from exchange.clock import days_to_us
from exchange.db import execute, fetch_value
from exchange.errors import DomainError
from exchange.program.errors import ProgramErrorCode
from exchange.registry.activities import Activity

_DAY_US = days_to_us(1)


async def check_daily_cap(
    conn: BaseDBAsyncClient, member_id: int, activity: Activity, now: int
) -> None:
    day_start = now - now % _DAY_US  # the UTC day
    done = await fetch_value(
        conn, int,
        "SELECT COUNT(*) FROM activity_awards WHERE member_id = $1 AND partner_id = $2 "
        "AND activity = $3 AND created_at >= $4",
        member_id, activity.partner_id, activity.kind, day_start,
    )
    assert done is not None
    if done >= activity.daily_count_max:
        raise DomainError(
            ProgramErrorCode.LIMIT_EXCEEDED,
            f"{activity.kind} earns points at most {activity.daily_count_max} times a day",
            "activity",
        )


async def record_award(
    conn: BaseDBAsyncClient, member_id: int, activity: Activity, now: int
) -> None:
    await execute(
        conn,
        "INSERT INTO activity_awards (member_id, partner_id, activity, points, created_at) "
        "VALUES ($1, $2, $3, $4, $5)",
        member_id, activity.partner_id, activity.kind, activity.points, now,
    )
