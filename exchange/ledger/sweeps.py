"""Re-runnable sweeps: pending lots mature, expired lots go to breakage, lapsed holds release.

Each sweep works member by member, one short transaction each, in bounded batches; running it
twice, or in two processes at once, moves nothing twice because every move re-checks its rows
under the member's lock.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from exchange import limits
from exchange.callers import Caller, CallerKind
from exchange.db import connection, fetch
from exchange.ledger import holds
from exchange.ledger.accounts import MemberAccounts, lock_member
from exchange.ledger.expiry import expire_member_lots, mature_member_lots
from exchange.ledger.journal import Journal
from exchange.ledger.unit_of_work import unit_of_work

SWEEP_CALLER = Caller(CallerKind.SYSTEM, "sweep").label


@dataclass(frozen=True, slots=True)
class SweepReport:
    points_matured: int
    points_expired: int
    holds_expired: int


async def _members_due(sql: str, now_us: int, after_member_id: int) -> list[int]:
    rows = await fetch(connection(), sql, now_us, after_member_id, limits.sweep_batch_size_max)
    return [int(row["member_id"]) for row in rows]


_DUE_MATURITY = (
    "SELECT DISTINCT member_id FROM lots WHERE is_pending = TRUE AND available_at <= $1 "
    "AND member_id > $2 ORDER BY member_id LIMIT $3"
)
_DUE_EXPIRY = (
    "SELECT DISTINCT member_id FROM lots WHERE is_pending = FALSE AND points_remaining > 0 "
    "AND expires_at <= $1 AND member_id > $2 ORDER BY member_id LIMIT $3"
)


async def _sweep_member(
    step: Callable[[Journal, MemberAccounts], Awaitable[int]], member_id: int, now_us: int | None
) -> int:
    """One member's step in a transaction of its own; re-checked under the member's lock."""
    async for attempt in unit_of_work(step.__name__, member_id, int, caller=SWEEP_CALLER,
                                      idempotency_key=None, now_us=now_us):
        async with attempt as work:
            work.keep(await step(work.journal, await lock_member(work.journal, member_id)))
    return attempt.result


async def _sweep_lots(
    due_sql: str,
    step: Callable[[Journal, MemberAccounts], Awaitable[int]],
    now_us: int,
    on_member: Callable[[], None] | None,
) -> int:
    moved = 0
    after = 0
    while members := await _members_due(due_sql, now_us, after):
        for member_id in members:
            moved += await _sweep_member(step, member_id, now_us)
            if on_member:
                on_member()
        after = members[-1]
    return moved


async def mature_lots(now_us: int, on_member: Callable[[], None] | None = None) -> int:
    return await _sweep_lots(_DUE_MATURITY, mature_member_lots, now_us, on_member)


async def expire_lots(now_us: int, on_member: Callable[[], None] | None = None) -> int:
    return await _sweep_lots(_DUE_EXPIRY, expire_member_lots, now_us, on_member)


async def expire_holds(on_hold: Callable[[], None] | None = None) -> int:
    expired = 0
    after = 0
    while True:
        rows = await fetch(
            connection(),
            "SELECT id FROM holds WHERE status = 'authorized' AND expires_at <= {db_now_us} "
            "AND id > $1 ORDER BY id LIMIT $2",
            after, limits.sweep_batch_size_max,
        )
        if not rows:
            return expired
        for row in rows:
            expired += await _expire_hold(int(row["id"]))
            if on_hold:
                on_hold()
        after = int(rows[-1]["id"])


async def _expire_hold(hold_id: int) -> int:
    async for attempt in unit_of_work("expire_hold", hold_id, int, caller=SWEEP_CALLER,
                                      idempotency_key=None):
        async with attempt as work:
            work.keep(int(await holds.expire(work.journal, hold_id) is not None))
    return attempt.result


async def run_sweeps(now_us: int) -> SweepReport:
    """Mature, then expire (a lot matures before it can expire), then release lapsed holds."""
    return SweepReport(
        points_matured=await mature_lots(now_us),
        points_expired=await expire_lots(now_us),
        holds_expired=await expire_holds(),
    )
