"""The one way the use cases run their ledger work: in the ledger's unit of work, once."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from exchange.ledger.journal import Journal
from exchange.ledger.unit_of_work import unit_of_work

R = TypeVar("R")


async def run_once(
    operation: str,
    payload: Any,
    result_type: type[R],
    work: Callable[[Journal], Awaitable[R]],
    *,
    caller: str,
    idempotency_key: str | None,
    now_us: int | None = None,
) -> R:
    """Run `work` in a transaction of its own, retried on contention. With a key, a repeat of
    the same request gets the first result (and runs nothing); without one (sweeps) the work
    re-checks its rows instead."""
    async for attempt in unit_of_work(operation, payload, result_type, caller=caller,
                                      idempotency_key=idempotency_key, now_us=now_us):
        async with attempt as done:
            if done.replayed is None:
                done.keep(await work(done.journal))
    return attempt.result
