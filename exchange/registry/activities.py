"""Non-purchase actions a partner rewards (a review, a quiz, a social share)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from exchange import limits
from exchange.clock import now_us
from exchange.db import connection, execute, fetch_one_as
from exchange.errors import DomainError
from exchange.registry.errors import RegistryErrorCode

_KIND = re.compile(r"^[a-z][a-z0-9_-]{1,31}$")


@dataclass(frozen=True, slots=True)
class Activity:
    partner_id: int
    kind: str
    points: int
    daily_count_max: int


async def set_activity(activity: Activity) -> Activity:
    if not _KIND.match(activity.kind):
        raise DomainError(RegistryErrorCode.INVALID_ACTIVITY, "kind: 2-32 of a-z 0-9 _ -", "kind")
    if not 0 < activity.points <= limits.transfer_points_max:
        raise DomainError(RegistryErrorCode.INVALID_ACTIVITY, "points out of range", "points")
    if not 0 < activity.daily_count_max <= limits.activity_daily_count_max:
        raise DomainError(
            RegistryErrorCode.INVALID_ACTIVITY, f"1 to {limits.activity_daily_count_max} a day",
            "dailyCountMax",
        )
    conn = connection()
    changed = await execute(
        conn,
        "UPDATE partner_activities SET points = $1, daily_count_max = $2 "
        "WHERE partner_id = $3 AND kind = $4",
        activity.points, activity.daily_count_max, activity.partner_id, activity.kind,
    )
    if not changed:
        await execute(
            conn,
            "INSERT INTO partner_activities (partner_id, kind, points, daily_count_max, "
            "created_at) VALUES ($1, $2, $3, $4, $5)",
            activity.partner_id, activity.kind, activity.points, activity.daily_count_max,
            now_us(),
        )
    return activity


async def find_activity(partner_id: int, kind: str) -> Activity | None:
    return await fetch_one_as(
        connection(), Activity,
        "SELECT partner_id, kind, points, daily_count_max FROM partner_activities "
        "WHERE partner_id = $1 AND kind = $2",
        partner_id, kind,
    )
