"""Count the SQL statements one signed `purchaseRecord` costs, with no offer and with three
offers that apply, end to end through the app (signature check, nonce, lookups, the earn).

Run on demand against PostgreSQL (the tests' server; a scratch database is created and
dropped):

    python -m tests.perf.count_statements --url postgres://postgres@127.0.0.1:5432/test

Every statement the driver sends is counted, BEGIN and COMMIT included.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import uuid
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from typing import Any

import asyncpg

from exchange.db import close_database, migrate, open_database
from tests.api.client import graphql, register_key, signed_api_client
from tests.api.offer_helpers import created_offer
from tests.api.operations import enrolled_card, partner_with_rate, recently, unique
from tests.conftest import _with_database

RECORD = """
mutation($input: PurchaseRecordInput!) {
  purchaseRecord(input: $input) { purchase { points offerPoints } errors { code message } }
}"""
_DRIVER_CALLS = ("execute", "executemany", "fetch", "fetchrow", "fetchval")
last_statements: list[str] = []  # of the last purchase counted, for --show


@contextmanager
def counted() -> Iterator[list[str]]:
    """Every statement asyncpg sends while inside, in order."""
    sent: list[str] = []
    originals = {name: getattr(asyncpg.Connection, name) for name in _DRIVER_CALLS}

    def wrap(original: Callable[..., Awaitable[Any]]) -> Callable[..., Awaitable[Any]]:
        async def call(self: Any, *args: Any, **kwargs: Any) -> Any:
            sent.append(" ".join(str(args[0]).split()) if args else "")
            return await original(self, *args, **kwargs)
        return call

    for name, original in originals.items():
        setattr(asyncpg.Connection, name, wrap(original))
    try:
        yield sent
    finally:
        for name, original in originals.items():
            setattr(asyncpg.Connection, name, original)


async def _per_purchase(
    client: Any, card: str, purchases: int, offer_points: list[int]
) -> list[int]:
    counts = []
    for _ in range(purchases):
        variables = {"input": {
            "cardNumber": card, "orderId": unique("order"), "occurredAt": recently(),
            "currency": "EUR", "idempotencyKey": unique("key"),
            "lines": [{"sku": "apple", "category": "fresh", "quantity": 2, "unitPrice": "3.50"}],
        }}
        with counted() as sent:
            response = await client.post("/graphql", json={"query": RECORD,
                                                            "variables": variables})
        data = response.json()["data"]["purchaseRecord"]
        assert data["errors"] == [], data
        counts.append(len(sent))
        last_statements[:] = sent
        offer_points.append(data["purchase"]["offerPoints"])
    return counts


async def measure(purchases: int, show: bool) -> dict[str, float]:
    caller = await partner_with_rate("grocer")
    key = await register_key(caller.partner.id, "grocer")
    card = await enrolled_card(caller)
    async with signed_api_client(key) as client:
        await graphql(client, "{ __typename }")  # warm-up: key and account caches
        no_bonus: list[int] = []
        plain = await _per_purchase(client, card, purchases, no_bonus)
        shown = {"no offer": list(last_statements)}
        for bonus in (10, 20, 30):
            await created_offer(caller, bonusPoints=bonus, budgetPoints=10_000_000,
                                perMemberUsesMax=1_000)
        bonuses: list[int] = []
        offered = await _per_purchase(client, card, purchases, bonuses)
        shown["three offers"] = list(last_statements)
    assert set(no_bonus) == {0} and set(bonuses) == {60}, (no_bonus, bonuses)
    if show:
        for label, statements in shown.items():
            print(f"-- {label}:", *(f"  {n:2}. {sql[:150]}" for n, sql in
                                     enumerate(statements, start=1)), sep="\n")
    return {"no offer": statistics.median(plain), "three offers": statistics.median(offered)}


async def main(url: str, purchases: int, show: bool) -> None:
    admin = await asyncpg.connect(url.replace("postgres://", "postgresql://", 1))
    name = f"exchange_count_{uuid.uuid4().hex[:12]}"
    await admin.execute(f'CREATE DATABASE "{name}"')
    try:
        database_url = _with_database(url, name)
        await migrate(database_url)
        await open_database(database_url)
        try:
            figures = await measure(purchases, show)
        finally:
            await close_database()
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()
    for label, value in figures.items():
        print(f"statements per signed purchaseRecord, {label}: {value:g}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", required=True, help="postgres://... of a server database")
    parser.add_argument("--purchases", type=int, default=20)
    parser.add_argument("--show", action="store_true", help="print the statements of one")
    arguments = parser.parse_args()
    asyncio.run(main(arguments.url, arguments.purchases, arguments.show))
