"""Benchmark: one member's ranked offers among 5,000 live offers, end to end on PostgreSQL.

Creates a database of its own: partners, members with purchase histories, 5,000 offers and a
trained model. Then it times, for random members, the domain call (eligibility facts, the
member's history, scoring and selection against the cached catalogue) and the same through the
GraphQL schema in process (a verified partner; signature checking is measured by
bench_api.py). Prints p50 and p99 of each and the scoring share.

    python tests/perf/bench_offers_api.py [--url postgres://...] [--offers 5000]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import random
import statistics
import sys
import time
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import asyncpg
import numpy as np
from rich.console import Console
from rich.progress import Progress
from tortoise.transactions import in_transaction

from exchange.api.context import ExchangeContext, PartnerIdentity
from exchange.api.schema import schema
from exchange.clock import days_to_us, now_us
from exchange.db import (
    close_database,
    connection,
    execute_many,
    fetch,
    migrate,
    open_database,
    opened_database,
)
from exchange.members.service import Enrolment, enrol
from exchange.offers.catalogue import eligible_mask
from exchange.offers.facts import member_facts
from exchange.offers.ranking import member_profile, score_candidates, select
from exchange.offers.recommend import current_catalogue, member_history, rank_for_member
from exchange.offers.training import served_model, train_and_store
from exchange.registry.partners import create_partner

console = Console(stderr=True)
PARTNERS = 8
CATEGORIES = 40
SKUS = 400
# The synthetic purchase history has no earnings (nor, for training, members) behind it: its
# loads skip the foreign keys, and every other trigger, with this (a superuser's) setting.
_SKIP_TRIGGERS = "SET {} session_replication_role = replica"
QUERY = """
query($card: String!) {
  offers(cardNumber: $card, first: 10) { offers { rank score reason offer { id title } } }
}"""


def _with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


async def _admin(url: str, sql: str) -> None:
    conn = await asyncpg.connect(url.replace("postgres://", "postgresql://", 1))
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


async def _seed(args: argparse.Namespace, progress: Progress) -> tuple[list, list[tuple]]:
    rng = random.Random(args.seed)
    partners = [await create_partner(f"p{n}", f"Partner {n}") for n in range(PARTNERS)]
    task = progress.add_task("members and histories", total=args.members)
    members, history = [], []
    now = now_us()
    for _ in range(args.members):
        member = (await enrol(Enrolment(partners[0].id))).member
        taste = rng.randrange(CATEGORIES)
        for _ in range(rng.randint(5, 40)):
            partner = rng.randrange(PARTNERS)
            category = taste if rng.random() < 0.6 else rng.randrange(CATEGORIES)
            sku = category * 10 + rng.randrange(10)
            history.append((member.id, partners[partner].id, 0, f"sku{sku}", f"c{category}",
                            500, "EUR", now - rng.randrange(days_to_us(300))))
        members.append(member)
        progress.advance(task)
    async with in_transaction("default") as conn:
        await conn.execute_script(_SKIP_TRIGGERS.format("LOCAL"))
        await execute_many(
            conn,
            "INSERT INTO purchase_items (member_id, partner_id, earning_id, sku, category, "
            "amount_minor, currency, occurred_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            history)
    await _insert_offers(args, partners, rng, now)
    return partners, [(m.id, m.card_number) for m in members]


async def _insert_offers(args: argparse.Namespace, partners: list, rng: random.Random,
                         now: int) -> None:
    rows, targets = [], []
    for n in range(args.offers):
        funder = rng.choice(partners)
        # dict.fromkeys: a category drawn twice is one target (offer_targets is unique).
        categories = list(dict.fromkeys(
            f"c{rng.randrange(CATEGORIES)}" for _ in range(rng.randint(0, 2))))
        items = [f"{funder.code}/sku{rng.randrange(SKUS)}"] if rng.random() < 0.3 else []
        rows.append((funder.id, f"offer {n}", "bonus_points", 50, 0, "everyone", 0, "", 0, None,
                     now - days_to_us(1), now + days_to_us(30), False, 100_000, 0, 3, "none",
                     "active", "admin:bench", now, now))
        targets.append([("category", c) for c in categories] + [("item", i) for i in items])
    await execute_many(
        connection(),
        "INSERT INTO offers (funding_partner_id, title, kind, bonus_points, percent, segment, "
        "segment_days, spend_currency, spend_min_minor, spend_max_minor, starts_at, ends_at, "
        "requires_activation, budget_points, points_awarded, per_member_uses_max, pacing, "
        "status, created_by, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, "
        "$9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21)",
        rows)
    ids = [r["id"] for r in await fetch(connection(), "SELECT id FROM offers ORDER BY id")]
    await execute_many(
        connection(), "INSERT INTO offer_targets (offer_id, kind, value) VALUES ($1, $2, $3)",
        [(offer_id, kind, value) for offer_id, pairs in zip(ids, targets, strict=True)
         for kind, value in pairs])


def _percentiles(samples_ms: list[float]) -> str:
    ordered = sorted(samples_ms)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return f"p50 {statistics.median(ordered):.2f} ms, p99 {p99:.2f} ms"


async def _time(calls: int, call) -> list[float]:  # type: ignore[no-untyped-def]
    samples = []
    for _ in range(calls):
        started = time.perf_counter()
        await call()
        samples.append((time.perf_counter() - started) * 1000)
    return samples


async def _scoring(args: argparse.Namespace, members: list[tuple], rng: random.Random
                   ) -> list[float]:
    """The request's work once its three reads are done: what the 5 ms target is about."""
    conn, now = connection(), now_us()
    served = await served_model(conn, opened_database())
    catalogue = await current_catalogue(conn, now, served)
    samples = []
    for _ in range(args.requests):
        member_id = rng.choice(members)[0]
        facts = await member_facts(conn, member_id, now)
        events = await member_history(conn, member_id, now)
        started = time.perf_counter()
        scores, reasons = score_candidates(catalogue.candidates,
                                           member_profile(events, now_us=now), served.model)
        shown = np.flatnonzero(eligible_mask(catalogue, facts, now))
        select(scores[shown], reasons[shown], catalogue.groups[shown], 10)
        samples.append((time.perf_counter() - started) * 1000)
    return samples


@contextlib.asynccontextmanager
async def _scratch_database(url: str, prefix: str) -> AsyncIterator[str]:
    """A migrated database of the benchmark's own, opened, and dropped afterwards."""
    name = f"{prefix}_{uuid.uuid4().hex[:8]}"
    await _admin(url, f'CREATE DATABASE "{name}"')
    scratch = _with_database(url, name)
    try:
        await migrate(scratch)
        await open_database(scratch)
        yield scratch
    finally:
        await close_database()
        await _admin(url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


async def _bench_training(args: argparse.Namespace) -> None:
    """`exchange offers train` as a job: read the purchase lines of `--train-members` members
    (about 10 each, bulk-loaded with COPY) from the database, train, store."""
    async with _scratch_database(args.url, "bench_train") as url:
        partners = [await create_partner(f"p{n}", f"Partner {n}") for n in range(PARTNERS)]
        rows = _history_rows(args.train_members, [p.id for p in partners], args.seed)
        raw = await asyncpg.connect(url.replace("postgres://", "postgresql://", 1))
        try:
            await raw.execute(_SKIP_TRIGGERS.format("SESSION"))
            await raw.copy_records_to_table(
                "purchase_items", records=rows, columns=[
                    "member_id", "partner_id", "earning_id", "sku", "category", "amount_minor",
                    "currency", "occurred_at"])
            await raw.execute("ANALYZE purchase_items")
        finally:
            await raw.close()
        started = time.perf_counter()
        info = await train_and_store()
        total = time.perf_counter() - started
        print(f"train job: {info.member_count} members, {info.event_count} purchase lines, "
              f"{info.token_count} tokens: {total:.1f} s in all, of which training "
              f"{info.training_seconds:.1f} s (reading and storing the rest)")


def _history_rows(members: int, partner_ids: list[int], seed: int) -> list[tuple]:
    rng = np.random.default_rng(seed)
    count = members * 10
    member_ids = rng.integers(1, members + 1, count)
    tastes = member_ids % CATEGORIES
    categories = np.where(rng.random(count) < 0.6, tastes, rng.integers(0, CATEGORIES, count))
    skus = categories * 10 + rng.integers(0, 10, count)
    partners = np.array(partner_ids)[rng.integers(0, len(partner_ids), count)]
    times = now_us() - rng.integers(0, days_to_us(300), count)
    return [(int(m), int(p), 0, f"sku{k}", f"c{c}", 500, "EUR", int(t))
            for m, p, k, c, t in zip(member_ids, partners, skus, categories, times, strict=True)]


async def _bench(args: argparse.Namespace) -> None:
    async with _scratch_database(args.url, "bench_offers"):
        with Progress(console=console) as progress:
            partners, members = await _seed(args, progress)
        info = await train_and_store()
        console.print(f"model {info.version}: {info.member_count} members, "
                      f"{info.token_count} tokens, trained in {info.training_seconds:.2f} s")
        rng = random.Random(args.seed + 1)
        await rank_for_member(members[0][0], 10)  # builds the catalogue once
        domain = await _time(args.requests, lambda: rank_for_member(rng.choice(members)[0], 10))
        identity = PartnerIdentity(partners[0].id, partners[0].code, "p0/k1")
        context = ExchangeContext(partner=identity)

        async def graphql() -> None:
            result = await schema.execute(QUERY, variable_values={"card": rng.choice(members)[1]},
                                          context_value=context)
            assert result.errors is None, result.errors

        api = await _time(args.requests, graphql)
        scoring = await _scoring(args, members, rng)
        print(f"offers live: {args.offers}, members: {args.members}, requests: {args.requests}")
        print(f"scoring (profile, score, eligibility mask, diverse page): {_percentiles(scoring)}")
        print(f"rank_for_member (domain, DB reads included): {_percentiles(domain)}")
        print(f"GraphQL offers(first: 10) in process:        {_percentiles(api)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", default="postgres://postgres@127.0.0.1:5432/test")
    parser.add_argument("--offers", type=int, default=5_000)
    parser.add_argument("--members", type=int, default=2_000)
    parser.add_argument("--requests", type=int, default=1_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--train-members", type=int, default=0,
                        help="also time the training job on this many members (e.g. 100000)")
    args = parser.parse_args()
    asyncio.run(_bench(args))
    if args.train_members:
        asyncio.run(_bench_training(args))


if __name__ == "__main__":
    main()
