"""The unit of work of every ledger write: one database transaction, its journal, its
idempotency claim, and retries of serialization and deadlock failures.

A use case runs its work in attempts, each a transaction of its own:

    async for attempt in unit_of_work("earn_purchase", request, EarnResult, caller=...,
                                       idempotency_key=key):
        async with attempt as work:
            if work.replayed is None:
                work.keep(await earn_purchase(work.journal, ...))
    return attempt.result

Inside the block the use case locks, asks its rules and posts through the ledger's functions;
nothing in the ledger calls out. The block keeps its result with `keep` and never returns from
inside: when the block or the commit meets a retryable failure, the transaction is rolled back
and the loop runs the block again (nothing of a rolled-back attempt survives); any other
exception rolls back and propagates. A key that was used before with the same payload
gives the stored result (`replayed`) and posts nothing; with another payload it is refused.
Callers never see serialization failures: they are part of running concurrent transactions on
PostgreSQL (and of a second process holding SQLite's write lock).
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, Generic, TypeVar

from tortoise.backends.base.client import TransactionContext
from tortoise.transactions import in_transaction

from exchange import limits, metrics
from exchange.clock import now_us as wall_now_us
from exchange.ledger import idempotency
from exchange.ledger.journal import Journal

R = TypeVar("R")

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


@dataclass(frozen=True, slots=True)
class Request:
    """What identifies a write: its operation and payload (fingerprinted) under a caller's key.
    Without a key (sweeps) the work is not idempotent by key but by re-checking its rows."""

    operation: str
    payload: Any
    caller: str
    idempotency_key: str | None
    now_us: int | None


@dataclass(slots=True)
class Work(Generic[R]):
    """What the block of one attempt sees: the journal of its open transaction, and the stored
    result when this key was done before."""

    journal: Journal
    replayed: R | None
    kept: R | None = None

    def keep(self, result: R) -> R:
        """The result to commit with the work (and to store under the idempotency key)."""
        self.kept = result
        return result


@dataclass(slots=True)
class Attempt(Generic[R]):
    request: Request
    result_type: type[R]
    number: int
    is_done: bool = False
    _result: R | None = None
    _transaction: TransactionContext | None = field(default=None, repr=False)
    _work: Work[R] | None = field(default=None, repr=False)

    @property
    def result(self) -> R:
        assert self.is_done and self._result is not None, "the unit of work did not finish"
        return self._result

    async def __aenter__(self) -> Work[R]:
        # The claim runs before the block: a claim that fails is rolled back here (a context
        # manager whose __aenter__ raises is never exited), and retried here if it may succeed.
        for number in range(1, limits.transaction_attempts_max + 1):
            self._transaction = in_transaction("default")
            conn = await self._transaction.__aenter__()
            now = wall_now_us() if self.request.now_us is None else self.request.now_us
            journal = Journal(conn, now, self.request.caller)
            try:
                replayed = await self._claim(journal)
            except BaseException as error:
                await self._transaction.__aexit__(type(error), error, error.__traceback__)
                if number == limits.transaction_attempts_max or not is_retryable(error):
                    raise
                await _back_off(number)
                continue
            self._work = Work(journal, replayed)
            return self._work
        raise AssertionError("unreachable")

    async def _claim(self, journal: Journal) -> R | None:
        if self.request.idempotency_key is None:
            return None
        return await idempotency.claim(
            journal, self.request.idempotency_key, self._fingerprint(), self.result_type)

    async def __aexit__(
        self, error_type: type[BaseException] | None, error: BaseException | None,
        traceback: TracebackType | None,
    ) -> bool:
        assert self._transaction is not None and self._work is not None
        if error is None:
            try:
                await self._finish(self._work)
            except Exception as failure:
                await self._transaction.__aexit__(type(failure), failure, failure.__traceback__)
                if await self._should_retry(failure):
                    return True
                raise
            try:
                await self._transaction.__aexit__(None, None, None)  # commit
            except Exception as failure:
                if await self._should_retry(failure):
                    return True
                raise
            metrics.count_transfers(self._work.journal.kinds_posted)
            self.is_done = True
            return False
        await self._transaction.__aexit__(error_type, error, traceback)
        return isinstance(error, Exception) and await self._should_retry(error)

    async def _should_retry(self, error: Exception) -> bool:
        """True (run the block again) for a transient conflict with attempts left. Only a
        rolled-back attempt is retried: nothing of it survives."""
        if self.number < limits.transaction_attempts_max and is_retryable(error):
            await _back_off(self.number)
            return True
        return False

    async def _finish(self, work: Work[R]) -> None:
        if work.replayed is not None:
            self._result = work.replayed
            return
        assert work.kept is not None, "the work kept no result"
        await work.journal.apply_balances()
        if self.request.idempotency_key is not None:
            await idempotency.store(work.journal, self.request.idempotency_key, work.kept)
        self._result = work.kept

    def _fingerprint(self) -> str:
        return idempotency.fingerprint(self.request.operation, self.request.payload)


async def _back_off(attempt_number: int) -> None:
    metrics.TRANSACTION_RETRIES.inc()
    # Jittered backoff spreads the retries of transactions that collided.
    await asyncio.sleep(random.uniform(0, 0.002 * 2**attempt_number))


async def unit_of_work(
    operation: str,
    payload: Any,
    result_type: type[R],
    *,
    caller: str,
    idempotency_key: str | None,
    now_us: int | None = None,
) -> AsyncIterator[Attempt[R]]:
    """Attempts of one write, until one commits (see the module's docstring)."""
    if idempotency_key is not None:
        idempotency.check_key(idempotency_key)
    request = Request(operation, payload, caller, idempotency_key, now_us)
    for number in range(1, limits.transaction_attempts_max + 1):
        attempt = Attempt(request, result_type, number)
        yield attempt
        if attempt.is_done:
            return
    raise AssertionError("the last attempt neither committed nor raised")
