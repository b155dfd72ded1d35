"""Re-runnable sweeps: pending lots mature, expired lots go to breakage, lapsed holds release.

Each sweep works member by member (hold by hold), one short transaction each, in bounded
batches; running it twice, or in two processes at once, moves nothing twice because every move
re-checks its rows under the member's lock. Each sweep yields as it goes, so a caller can show
progress without the sweep calling back.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass

from exchange.callers import Caller, CallerKind
from exchange.ledger import due, holds
from exchange.ledger.accounts import MemberAccounts, lock_member
from exchange.ledger.expiry import expire_member_lots, mature_member_lots
from exchange.ledger.journal import Journal
from exchange.operations.unit import run_once

SWEEP_CALLER = Caller(CallerKind.SYSTEM, "sweep").label


@dataclass(frozen=True, slots=True)
class SweepReport:
    points_matured: int
    points_expired: int
    holds_expired: int


# One member's maturity or expiry, given the member's locked accounts: the points it moved.
_MemberStep = Callable[[Journal, MemberAccounts], Awaitable[int]]


async def _sweep_member(step: _MemberStep, member_id: int, now_us: int) -> int:
    """One member's step, in a transaction of its own, re-checked under the member's lock."""
    async def work(journal: Journal) -> int:
        return await step(journal, await lock_member(journal, member_id))

    return await run_once(step.__name__, member_id, int, work, caller=SWEEP_CALLER,
                          idempotency_key=None, now_us=now_us)


async def _expire_hold(hold_id: int) -> int:
    async def work(journal: Journal) -> int:
        return int(await holds.expire(journal, hold_id) is not None)

    return await run_once("expire_hold", hold_id, int, work, caller=SWEEP_CALLER,
                          idempotency_key=None)


async def maturing(now_us: int) -> AsyncIterator[int]:
    """Points matured, member by member."""
    after = 0
    while members := await due.members_due_to_mature(now_us, after):
        for member_id in members:
            yield await _sweep_member(mature_member_lots, member_id, now_us)
        after = members[-1]


async def expiring(now_us: int) -> AsyncIterator[int]:
    """Points expired, member by member."""
    after = 0
    while members := await due.members_due_to_expire(now_us, after):
        for member_id in members:
            yield await _sweep_member(expire_member_lots, member_id, now_us)
        after = members[-1]


async def releasing_lapsed_holds() -> AsyncIterator[int]:
    """1 for each lapsed hold released (0 for one resolved meanwhile), hold by hold."""
    after = 0
    while hold_ids := await due.lapsed_holds(after):
        for hold_id in hold_ids:
            yield await _expire_hold(hold_id)
        after = hold_ids[-1]


async def mature_lots(now_us: int) -> int:
    return sum([moved async for moved in maturing(now_us)])


async def expire_lots(now_us: int) -> int:
    return sum([moved async for moved in expiring(now_us)])


async def expire_holds() -> int:
    return sum([released async for released in releasing_lapsed_holds()])


async def run_sweeps(now_us: int) -> SweepReport:
    """Mature, then expire (a lot matures before it can expire), then release lapsed holds."""
    return SweepReport(
        points_matured=await mature_lots(now_us),
        points_expired=await expire_lots(now_us),
        holds_expired=await expire_holds(),
    )
