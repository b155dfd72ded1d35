"""Idempotency keys: safe retries, reuse detection, per-caller keys (ledger/idempotency.py)."""

from __future__ import annotations

import pytest

from exchange import limits
from exchange.ledger.balances import member_balances
from exchange.ledger.earning import PurchaseEarn
from exchange.ledger.errors import LedgerErrorCode as Code
from exchange.ledger.holds import HoldResult
from exchange.ledger.idempotency import fingerprint
from exchange.operations import postings as service
from tests.ledger.factories import DAY, T0, earn, member, partner
from tests.ledger.helpers import count, failure, rows, snapshot


def purchase(member_id: int, partner_id: int, points: int = 100) -> PurchaseEarn:
    return PurchaseEarn(
        member_id=member_id, partner_id=partner_id, order_id="order-1", currency="EUR",
        amount_minor=10_000, points=points, occurred_at=T0, available_at=T0,
        expires_at=T0 + 730 * DAY,
    )


async def redeem(
    member_id: int, partner_id: int, points: int, key: str, caller: str = "partner:shop"
) -> HoldResult:
    return await service.redeem_points(
        member_id, partner_id, points, caller=caller, idempotency_key=key, now_us=T0 + 1
    )


async def test_a_repeated_earn_returns_the_original_result_once(db: str) -> None:
    # given
    shop = await partner()
    alice = await member()
    request = purchase(alice.id, shop.id)
    first = await service.earn_purchase(request, caller="partner:shop", idempotency_key="k1",
                                        now_us=T0)
    before = await snapshot()
    # when
    again = await service.earn_purchase(request, caller="partner:shop", idempotency_key="k1",
                                        now_us=T0 + DAY)
    # then
    assert again == first
    assert await snapshot() == before
    assert (await member_balances(alice.id)).available == 100


async def test_a_repeated_capture_returns_its_result_after_the_hold_resolved(db: str) -> None:
    # given
    shop = await partner()
    alice = await member()
    await earn(alice.id, shop.id, 100)
    hold = await service.authorize_hold(alice.id, shop.id, 30, caller="p",
                                        idempotency_key="auth", now_us=T0 + 1)
    first = await service.capture_hold(hold.hold_id, shop.id, 20, caller="p",
                                       idempotency_key="cap", now_us=T0 + 2)
    before = await snapshot()
    # when
    again = await service.capture_hold(hold.hold_id, shop.id, 20, caller="p",
                                       idempotency_key="cap", now_us=T0 + 3)
    # then
    assert again == first
    assert await snapshot() == before


@pytest.mark.parametrize("other", ["points", "member", "operation"])
async def test_a_key_reused_for_another_request_is_rejected(db: str, other: str) -> None:
    # given
    shop = await partner()
    alice = await member()
    bob = await member()
    await earn(alice.id, shop.id, 100)
    await earn(bob.id, shop.id, 100)
    await redeem(alice.id, shop.id, 10, key="k1")
    before = await snapshot()
    # when
    if other == "operation":
        call = service.authorize_hold(alice.id, shop.id, 10, caller="partner:shop",
                                      idempotency_key="k1", now_us=T0 + 1)
    else:
        call = redeem(bob.id if other == "member" else alice.id, shop.id,
                      11 if other == "points" else 10, key="k1")
    error = await failure(call)
    # then
    assert (error.code, error.field) == (Code.IDEMPOTENCY_KEY_REUSED, "idempotencyKey")
    assert await snapshot() == before


async def test_a_failed_write_does_not_use_up_its_key(db: str) -> None:
    # given
    shop = await partner()
    alice = await member()
    refused = await failure(redeem(alice.id, shop.id, 50, key="k1"))
    await earn(alice.id, shop.id, 100)
    # when
    result = await redeem(alice.id, shop.id, 50, key="k1")
    # then
    assert refused.code is Code.INSUFFICIENT_POINTS
    assert result.points_captured == 50
    assert (await member_balances(alice.id)).available == 50


async def test_a_failed_write_leaves_no_key_behind(db: str) -> None:
    # given
    shop = await partner()
    alice = await member()
    before = await snapshot()
    # when
    error = await failure(redeem(alice.id, shop.id, 50, key="k1"))
    # then
    assert error.code is Code.INSUFFICIENT_POINTS
    assert await snapshot() == before


async def test_keys_are_per_caller(db: str) -> None:
    # given
    shop = await partner()
    alice = await member()
    await earn(alice.id, shop.id, 100)
    first = await redeem(alice.id, shop.id, 10, key="k1", caller="partner:grocer")
    # when
    second = await redeem(alice.id, shop.id, 10, key="k1", caller="partner:fuel")
    # then
    assert first.hold_id != second.hold_id
    assert (await member_balances(alice.id)).available == 80
    stored = await rows("SELECT caller, key FROM idempotency_keys WHERE key = 'k1' ORDER BY id")
    assert [r["caller"] for r in stored] == ["partner:grocer", "partner:fuel"]


@pytest.mark.parametrize("bad_key", [
    "", "k" * (limits.idempotency_key_length_max + 1), "line\nbreak", "tab\tkey",
])
async def test_an_invalid_key_is_rejected(db: str, bad_key: str) -> None:
    # given
    shop = await partner()
    alice = await member()
    await earn(alice.id, shop.id, 100)
    before = await snapshot()
    # when
    error = await failure(redeem(alice.id, shop.id, 10, key=bad_key))
    # then
    assert (error.code, error.field) == (Code.INVALID_IDEMPOTENCY_KEY, "idempotencyKey")
    assert await snapshot() == before


async def test_a_key_of_the_longest_length_is_accepted(db: str) -> None:
    # given
    shop = await partner()
    alice = await member()
    await earn(alice.id, shop.id, 100)
    longest = "k" * limits.idempotency_key_length_max
    # when
    await redeem(alice.id, shop.id, 10, key=longest)
    # then
    assert await count("idempotency_keys") == 2  # the earn's key and this one


def test_the_fingerprint_depends_on_operation_and_payload_only() -> None:
    # given
    payload = {"member": 1, "partner": 2, "points": 3}
    # when
    prints = {
        "same": fingerprint("redeem_points", dict(reversed(payload.items()))),
        "other payload": fingerprint("redeem_points", {**payload, "points": 4}),
        "other operation": fingerprint("authorize_hold", payload),
    }
    # then
    assert prints["same"] == fingerprint("redeem_points", payload)
    assert fingerprint("redeem_points", payload) not in (
        prints["other payload"], prints["other operation"],
    )
