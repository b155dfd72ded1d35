"""Benchmark: ledger earn-plus-burn operations per second on PostgreSQL, next to a raw asyncpg
two-statement transaction (insert one row, update one balance) measured in the same run.

Run on demand (not part of the test suite):

    python tests/perf/bench_ledger.py --url postgres://postgres@127.0.0.1:5432/test \
        --seconds 10 --concurrency 16

It creates a scratch database beside the one named, migrates it, runs both loads for the same
time with the same concurrency, prints operations per second and the ratio, and drops it.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import time
import uuid
from urllib.parse import urlsplit, urlunsplit

import asyncpg
from rich.console import Console
from rich.table import Table

from exchange.clock import days_to_us, now_us
from exchange.db import close_database, migrate, open_database
from exchange.ledger.earning import PurchaseEarn
from exchange.members.service import create_member
from exchange.operations import postings as service
from exchange.registry.partners import create_partner

console = Console()
_sequence = itertools.count()


def _asyncpg_url(url: str) -> str:
    return url.replace("postgres://", "postgresql://", 1)


async def _ledger_op(member_id: int, partner_id: int) -> None:
    """One earn (immediately available) and one burn of part of it."""
    n = next(_sequence)
    at = now_us()
    await service.earn_purchase(
        PurchaseEarn(member_id, partner_id, f"bench-{n}", "EUR", 2_000, 20, at, at,
                     at + days_to_us(730)),
        caller="partner:bench", idempotency_key=f"earn-{n}",
    )
    await service.redeem_points(member_id, partner_id, 10, caller="partner:bench",
                                idempotency_key=f"burn-{n}")


async def _raw_op(pool: asyncpg.Pool, account_id: int) -> None:
    async with pool.acquire() as conn, conn.transaction():
        await conn.execute(
            "INSERT INTO bench_raw (account_id, points, created_at) VALUES ($1, $2, $3)",
            account_id, 20, now_us(),
        )
        await conn.execute(
            "UPDATE bench_raw_balance SET balance = balance + $1 WHERE id = $2", 20, account_id
        )


async def _drive(op, workers: list, seconds: float) -> tuple[int, float]:  # type: ignore[no-untyped-def]
    deadline = time.perf_counter() + seconds
    counts = [0] * len(workers)

    async def loop(index: int) -> None:
        while time.perf_counter() < deadline:
            await op(*workers[index])
            counts[index] += 1

    started = time.perf_counter()
    await asyncio.gather(*(loop(i) for i in range(len(workers))))
    return sum(counts), time.perf_counter() - started


async def _bench_ledger(url: str, seconds: float, concurrency: int) -> float:
    await migrate(url)
    await open_database(url)
    try:
        partner = await create_partner("bench", "Bench")
        members = [await create_member() for _ in range(concurrency)]
        workers = [(member.id, partner.id) for member in members]
        await _drive(_ledger_op, workers, 1.0)  # warm-up: pools, statement caches
        done, elapsed = await _drive(_ledger_op, workers, seconds)
        return done / elapsed
    finally:
        await close_database()


async def _bench_raw(url: str, seconds: float, concurrency: int) -> float:
    pool = await asyncpg.create_pool(_asyncpg_url(url), min_size=concurrency, max_size=concurrency)
    try:
        async with pool.acquire() as conn:
            await conn.execute(
                "CREATE TABLE bench_raw (id BIGSERIAL PRIMARY KEY, account_id BIGINT NOT NULL, "
                "points BIGINT NOT NULL, created_at BIGINT NOT NULL);"
                "CREATE TABLE bench_raw_balance (id BIGINT PRIMARY KEY, balance BIGINT NOT NULL);"
            )
            await conn.executemany(
                "INSERT INTO bench_raw_balance VALUES ($1, 0)", [(i,) for i in range(concurrency)]
            )
        workers = [(pool, i) for i in range(concurrency)]
        await _drive(_raw_op, workers, 1.0)
        done, elapsed = await _drive(_raw_op, workers, seconds)
        return done / elapsed
    finally:
        await pool.close()


async def main(url: str, seconds: float, concurrency: int) -> None:
    name = f"exchange_bench_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(_asyncpg_url(url))
    await admin.execute(f'CREATE DATABASE "{name}"')
    scratch = urlunsplit(urlsplit(url)._replace(path=f"/{name}"))
    try:
        ledger_rate = await _bench_ledger(scratch, seconds, concurrency)
        raw_rate = await _bench_raw(scratch, seconds, concurrency)
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()
    table = Table("load", "operations/s", title=f"{concurrency} concurrent clients, {seconds} s")
    table.add_row("ledger earn + burn (idempotent, 2 transactions)", f"{ledger_rate:,.0f}")
    table.add_row("raw asyncpg insert + update (1 transaction)", f"{raw_rate:,.0f}")
    table.add_row("ratio ledger / raw", f"{ledger_rate / raw_rate:.3f}")
    console.print(table)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", default="postgres://postgres@127.0.0.1:5432/test")
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--concurrency", type=int, default=16)
    options = parser.parse_args()
    asyncio.run(main(options.url, options.seconds, options.concurrency))
