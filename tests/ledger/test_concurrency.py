"""Concurrent writes on PostgreSQL: no balance spent twice, one effect per key, one resolution.

SQLite serialises every transaction of a process, so races can only happen on PostgreSQL. Each
test opens the database with a connection pool wide enough for every call to run in its own
transaction at once, and checks afterwards that the pool really grew that wide.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable
from typing import Any

import pytest

from exchange import limits
from exchange.db import close_database, connection, fetch_one, open_database
from exchange.errors import DomainError
from exchange.ledger.earning import EarnResult, PurchaseEarn
from exchange.ledger.errors import LedgerErrorCode as Code
from exchange.ledger.holds import HoldResult
from exchange.ledger.kinds import AccountKind
from exchange.operations import postings as service
from tests.conftest import is_postgres
from tests.ledger.factories import DAY, T0, earn, key, member, partner
from tests.ledger.helpers import (
    assert_ledger_consistent,
    balance,
    count,
    failure,
    rows,
    snapshot,
)

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        not is_postgres(),
        reason="races need PostgreSQL (SQLite serialises transactions): "
        "set EXCHANGE_TEST_POSTGRES_URL",
    ),
]

AT = T0 + 1
RACERS = 64
# Tortoise's asyncpg pool holds 5 connections by default, which would queue most racers
# before they reach the database; `maxsize` in the URL widens it (tortoise base_postgres).
POOL_SIZE = RACERS + 6


@pytest.fixture
async def wide_db(database_url: str) -> AsyncIterator[str]:
    url = f"{database_url}{'&' if '?' in database_url else '?'}maxsize={POOL_SIZE}"
    await open_database(url)
    yield url
    await close_database()


async def backends() -> int:
    """Connections open to this database: the pool only grows when all its connections are
    busy, so after a race this says how many transactions really ran at once."""
    found = await fetch_one(
        connection(),
        "SELECT COUNT(*) AS n FROM pg_stat_activity WHERE datname = current_database()",
    )
    assert found is not None
    return int(found["n"])


async def race(calls: list[Awaitable[Any]]) -> tuple[list[Any], list[DomainError]]:
    """Run the calls at once; return the results and the LedgerErrors (anything else fails)."""
    outcomes = await asyncio.gather(*calls, return_exceptions=True)
    unexpected = [o for o in outcomes if isinstance(o, BaseException)
                  and not isinstance(o, DomainError)]
    assert not unexpected, unexpected
    results = [o for o in outcomes if not isinstance(o, BaseException)]
    return results, [o for o in outcomes if isinstance(o, DomainError)]


async def redeem(member_id: int, partner_id: int, points: int, idempotency_key: str) -> HoldResult:
    return await service.redeem_points(
        member_id, partner_id, points, caller=f"partner:{partner_id}",
        idempotency_key=idempotency_key, now_us=AT,
    )


async def test_concurrent_redemptions_never_spend_a_balance_twice(wide_db: str) -> None:
    # given: 1,000 points in lots from two partners, expiring at different times
    grocer, fuel = await partner("grocer"), await partner("fuel")
    alice = await member()
    for i, points in enumerate([300, 250, 200, 150, 100]):
        shop = grocer if i % 2 else fuel
        await earn(alice.id, shop.id, points, lifetime_days=400 - 50 * i)
    total, each = 1_000, 37
    # when: 64 redemptions of 37 points race for them
    results, errors = await race(
        [redeem(alice.id, grocer.id, each, key()) for _ in range(RACERS)]
    )
    # then: exactly as many succeed as the balance covers, the rest are refused
    assert len(results) == total // each
    assert {error.code for error in errors} == {Code.INSUFFICIENT_POINTS}
    assert len(errors) == RACERS - total // each
    assert await balance(AccountKind.MEMBER_AVAILABLE, alice.id) == total % each
    assert await balance(AccountKind.PARTNER_REDEEMED, grocer.id) == total // each * each
    assert await count("holds") == total // each
    await assert_ledger_consistent()
    assert await backends() >= RACERS // 2, "the redemptions did not run concurrently"


def purchase(member_id: int, partner_id: int, points: int = 120) -> PurchaseEarn:
    return PurchaseEarn(
        member_id=member_id, partner_id=partner_id, order_id="order-race", currency="EUR",
        amount_minor=12_000, points=points, occurred_at=T0, available_at=T0,
        expires_at=T0 + 730 * DAY,
    )


async def test_concurrent_retries_of_an_earn_have_one_effect(wide_db: str) -> None:
    # given
    shop = await partner()
    alice = await member()
    request = purchase(alice.id, shop.id)

    def earn_once(body: PurchaseEarn) -> Awaitable[EarnResult]:
        return service.earn_purchase(body, caller="partner:shop", idempotency_key="same",
                                     now_us=T0)

    # when: 20 retries of one request race
    results, errors = await race([earn_once(request) for _ in range(20)])
    # then: all get the one original result; one earning, one earn transfer, one lot
    assert not errors
    assert len(results) == 20 and all(result == results[0] for result in results)
    assert await count("earnings") == 1
    assert await count("lots") == 1
    assert len(await rows("SELECT id FROM transfers WHERE kind = 'earn'")) == 1
    assert await count("idempotency_keys") == 1
    assert await balance(AccountKind.MEMBER_AVAILABLE, alice.id) == 120
    await assert_ledger_consistent()
    # and the same key for another request is refused
    before = await snapshot()
    reused = await failure(earn_once(purchase(alice.id, shop.id, points=121)))
    assert reused.code == Code.IDEMPOTENCY_KEY_REUSED
    assert await snapshot() == before


async def test_concurrent_retries_of_a_redemption_have_one_effect(wide_db: str) -> None:
    # given
    shop = await partner()
    alice = await member()
    await earn(alice.id, shop.id, 100)
    # when
    results, errors = await race([redeem(alice.id, shop.id, 30, "same") for _ in range(20)])
    # then
    assert not errors
    assert len(results) == 20 and all(result == results[0] for result in results)
    assert await count("holds") == 1
    assert len(await rows("SELECT id FROM transfers WHERE kind = 'redeem'")) == 1
    assert await balance(AccountKind.MEMBER_AVAILABLE, alice.id) == 70
    await assert_ledger_consistent()
    reused = await failure(redeem(alice.id, shop.id, 31, "same"))
    assert reused.code == Code.IDEMPOTENCY_KEY_REUSED


def capture(hold: HoldResult, partner_id: int, points: int | None) -> Awaitable[HoldResult]:
    return service.capture_hold(hold.hold_id, partner_id, points, caller="partner:shop",
                                idempotency_key=key(), now_us=AT + 1)


def void(hold: HoldResult, partner_id: int) -> Awaitable[HoldResult]:
    return service.void_hold(hold.hold_id, partner_id, caller="partner:shop",
                             idempotency_key=key(), now_us=AT + 1)


def authorize(member_id: int, partner_id: int, points: int) -> Awaitable[HoldResult]:
    return service.authorize_hold(
        member_id, partner_id, points, ttl_seconds=limits.hold_ttl_seconds_max,
        caller="partner:shop", idempotency_key=key(), now_us=AT + 1,
    )


@pytest.mark.parametrize("round_", range(3))
async def test_a_hold_resolves_exactly_once_under_a_race(wide_db: str, round_: int) -> None:
    # given: 300 points, 100 of them on hold
    shop = await partner()
    alice = await member()
    await earn(alice.id, shop.id, 300)
    hold = await authorize(alice.id, shop.id, 100)
    captures = [capture(hold, shop.id, points) for points in (None, 100, 60, 1, 99, 30, 100, 7)]
    voids = [void(hold, shop.id) for _ in range(8)]
    # Other holds are authorized meanwhile, against the same member's balance.
    others = [authorize(alice.id, shop.id, 40) for _ in range(8)]
    calls = captures + voids + others
    order = [(i * 7 + round_) % len(calls) for i in range(len(calls))]  # 7 is coprime to 24
    # when
    outcomes = await asyncio.gather(*(calls[i] for i in order), return_exceptions=True)
    by_call = dict(zip(order, outcomes, strict=True))
    # then: exactly one capture or void won; the others saw the hold resolved
    resolutions = [by_call[i] for i in range(16)]
    won = [o for o in resolutions if isinstance(o, HoldResult)]
    assert len(won) == 1, resolutions
    lost = {o.code for o in resolutions if isinstance(o, DomainError)}
    assert lost == {Code.HOLD_ALREADY_RESOLVED}
    captured = won[0].points_captured
    stored = await fetch_one(connection(), "SELECT * FROM holds WHERE id = $1", hold.hold_id)
    assert stored is not None
    assert (stored["status"], stored["points_captured"]) == (won[0].status, captured)
    # and each other authorize either reserved its 40 points or found too few available
    authorized = [by_call[i] for i in range(16, 24)]
    refused = {o.code for o in authorized if isinstance(o, DomainError)}
    assert refused <= {Code.INSUFFICIENT_POINTS}, authorized
    held = 40 * sum(isinstance(o, HoldResult) for o in authorized)
    assert await balance(AccountKind.MEMBER_HELD, alice.id) == held
    assert await balance(AccountKind.MEMBER_AVAILABLE, alice.id) == 300 - captured - held
    assert await balance(AccountKind.PARTNER_REDEEMED, shop.id) == captured
    resolving = await rows(
        "SELECT kind FROM transfers WHERE hold_id = $1 AND kind <> 'authorize'", hold.hold_id
    )
    expected = ["capture"] * bool(captured) + ["release"] * bool(100 - captured)
    assert sorted(r["kind"] for r in resolving) == expected
    await assert_ledger_consistent()
    assert await backends() >= 12, "the calls did not run concurrently"
