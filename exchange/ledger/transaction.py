"""Run ledger work in one database transaction, retrying serialization and deadlock failures.

Callers never see those failures: they are part of running concurrent transactions on PostgreSQL
(and of a second process holding SQLite's write lock), and the work is safe to run again because
nothing of a rolled-back attempt survives.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable
from typing import TypeVar

from tortoise.transactions import in_transaction

from exchange import limits, metrics
from exchange.clock import now_us as wall_now_us
from exchange.ledger.journal import Journal

T = TypeVar("T")

_RETRYABLE_SQLSTATES = frozenset({"40001", "40P01"})  # serialization_failure, deadlock_detected


def is_retryable(error: BaseException) -> bool:
    seen: BaseException | None = error
    while seen is not None:
        if getattr(seen, "sqlstate", None) in _RETRYABLE_SQLSTATES:
            return True
        if "database is locked" in str(seen):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


async def run_atomic(
    work: Callable[[Journal], Awaitable[T]], *, caller: str, now_us: int | None = None
) -> T:
    """Run `work` in a transaction; count the transfers it posted once it has committed."""
    for attempt in range(1, limits.transaction_attempts_max + 1):
        try:
            async with in_transaction("default") as conn:
                journal = Journal(conn, wall_now_us() if now_us is None else now_us, caller)
                result = await work(journal)
                await journal.apply_balances()
            metrics.count_transfers(journal.kinds_posted)
            return result
        except Exception as error:
            if attempt == limits.transaction_attempts_max or not is_retryable(error):
                raise
            metrics.TRANSACTION_RETRIES.inc()
            # Jittered backoff spreads the retries of transactions that collided.
            await asyncio.sleep(random.uniform(0, 0.002 * 2**attempt))
    raise AssertionError("unreachable")
