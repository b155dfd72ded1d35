"""Earning on purchases, clawback debt, and proportional purchase refunds (ledger/earning.py)."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from exchange import limits
from exchange.ledger.balances import member_balances
from exchange.ledger.earning import EarnResult, PurchaseEarn
from exchange.ledger.errors import LedgerErrorCode as Code
from exchange.ledger.holds import HoldResult
from exchange.ledger.kinds import AccountKind
from exchange.ledger.refunds import PurchaseRefund, RefundResult, reversal_target
from exchange.operations import postings as service
from exchange.program.errors import ProgramErrorCode
from tests.ledger.factories import DAY, T0, earn, key, member, partner
from tests.ledger.helpers import (
    account_id,
    allocations,
    assert_ledger_consistent,
    balance,
    count,
    failure,
    lots_of,
    row,
    snapshot,
    transfers_of_kind,
)


def purchase(member_id: int, partner_id: int, **changes: Any) -> PurchaseEarn:
    valid = PurchaseEarn(
        member_id=member_id, partner_id=partner_id, order_id="order-1", currency="EUR",
        amount_minor=1_000, points=10, occurred_at=T0, available_at=T0,
        expires_at=T0 + 730 * DAY,
    )
    return dataclasses.replace(valid, **changes)


async def earn_request(request: PurchaseEarn, at: int = T0) -> EarnResult:
    return await service.earn_purchase(
        request, caller=f"partner:{request.partner_id}", idempotency_key=key(), now_us=at
    )


async def refund(
    partner_id: int, order_id: str, amount_minor: int, *, currency: str = "EUR", at: int = T0 + 1
) -> RefundResult:
    return await service.refund_purchase(
        PurchaseRefund(partner_id, order_id, currency, amount_minor),
        caller=f"partner:{partner_id}", idempotency_key=key(), now_us=at,
    )


async def redeem(member_id: int, partner_id: int, points: int, at: int = T0 + 1) -> HoldResult:
    return await service.redeem_points(
        member_id, partner_id, points, caller=f"partner:{partner_id}", idempotency_key=key(),
        now_us=at,
    )


# Earning


async def test_earn_inside_the_return_window_is_pending(db: str) -> None:
    # given
    shop = await partner(window_days=14)
    alice = await member()
    # when
    result = await earn(alice.id, shop.id, 100, pending_days=14)
    # then
    assert (result.points_pending, result.points_available) == (100, 0)
    assert result.available_at == T0 + 14 * DAY
    balances = await member_balances(alice.id)
    assert (balances.pending, balances.available) == (100, 0)
    assert await balance(AccountKind.PARTNER_ISSUED, shop.id) == -100
    await assert_ledger_consistent()


async def test_earn_without_return_window_is_available_at_once(db: str) -> None:
    # given
    shop = await partner(window_days=0)
    alice = await member()
    # when
    result = await earn(alice.id, shop.id, 100, pending_days=0)
    # then
    assert (result.points_pending, result.points_available) == (0, 100)
    balances = await member_balances(alice.id)
    assert (balances.pending, balances.available) == (0, 100)
    await assert_ledger_consistent()


async def test_earn_creates_a_lot_with_issuer_window_and_expiry(db: str) -> None:
    # given
    shop = await partner(window_days=14)
    alice = await member()
    # when
    result = await earn(alice.id, shop.id, 100, pending_days=14, lifetime_days=730)
    # then
    [lot] = await lots_of(alice.id)
    assert lot["issuer_account_id"] == await account_id(AccountKind.PARTNER_ISSUED, shop.id)
    assert lot["earning_id"] == result.earning_id
    assert (lot["points"], lot["points_remaining"], bool(lot["is_pending"])) == (100, 100, True)
    assert (lot["earned_at"], lot["available_at"]) == (T0, T0 + 14 * DAY)
    assert lot["expires_at"] == T0 + 730 * DAY == result.expires_at
    [transfer] = await transfers_of_kind("earn")
    assert transfer["id"] == lot["earn_transfer_id"]
    assert transfer["credit_account_id"] == await account_id(AccountKind.MEMBER_PENDING, alice.id)


async def test_earn_records_the_purchase(db: str) -> None:
    # given
    shop = await partner()
    alice = await member()
    # when
    result = await earn_request(purchase(alice.id, shop.id, amount_minor=2_550, points=25))
    # then
    earning = await row("SELECT * FROM earnings WHERE id = $1", result.earning_id)
    assert (earning["member_id"], earning["partner_id"]) == (alice.id, shop.id)
    assert (earning["order_id"], earning["currency"]) == ("order-1", "EUR")
    assert (earning["amount_minor"], earning["points"]) == (2_550, 25)
    assert (earning["amount_refunded_minor"], earning["points_reversed"]) == (0, 0)


async def test_a_purchase_earning_no_points_is_recorded_without_a_lot(db: str) -> None:
    # given
    shop = await partner()
    alice = await member()
    # when
    result = await earn_request(purchase(alice.id, shop.id, points=0))
    # then
    assert (result.points, result.points_available, result.points_pending) == (0, 0, 0)
    assert await count("earnings") == 1
    assert (await count("lots"), await count("transfers")) == (0, 0)


async def test_a_duplicate_order_is_rejected(db: str) -> None:
    # given
    shop = await partner()
    alice = await member()
    await earn(alice.id, shop.id, 100, order_id="till-7")
    before = await snapshot()
    # when
    error = await failure(earn(alice.id, shop.id, 50, order_id="till-7"))
    # then
    assert (error.code, error.field) == (Code.DUPLICATE_ORDER, "orderId")
    assert await snapshot() == before


async def test_the_same_order_id_at_another_partner_is_a_new_order(db: str) -> None:
    # given
    grocer = await partner("grocer")
    fuel = await partner("fuel")
    alice = await member()
    await earn(alice.id, grocer.id, 100, order_id="till-7")
    # when
    await earn(alice.id, fuel.id, 50, order_id="till-7")
    # then
    assert (await member_balances(alice.id)).available == 150


INVALID_EARNS = [
    ({"order_id": ""}, Code.INVALID_INPUT, "orderId"),
    ({"order_id": "x" * (limits.order_id_length_max + 1)}, Code.INVALID_INPUT, "orderId"),
    ({"amount_minor": 0}, Code.INVALID_AMOUNT, "amount"),
    ({"amount_minor": -100}, Code.INVALID_AMOUNT, "amount"),
    ({"amount_minor": limits.purchase_amount_minor_max + 1}, Code.LIMIT_EXCEEDED, "amount"),
    ({"points": -1}, Code.INVALID_AMOUNT, "points"),
    ({"points": True}, Code.INVALID_AMOUNT, "points"),
    ({"points": limits.transfer_points_max + 1}, Code.LIMIT_EXCEEDED, "points"),
    ({"available_at": T0 - 1}, Code.INVALID_DATES, "occurredAt"),
    ({"expires_at": T0}, Code.INVALID_DATES, "occurredAt"),
    ({"currency": "EURO"}, Code.INVALID_INPUT, "currency"),
    ({"currency": "eur"}, Code.INVALID_INPUT, "currency"),
    ({"expires_at": T0 - DAY, "available_at": T0 - 2 * DAY, "occurred_at": T0 - 3 * DAY},
     Code.INVALID_DATES, "expiresAt"),
    (
        {"available_at": T0 + (limits.return_window_days_max + 1) * DAY},
        Code.LIMIT_EXCEEDED, "availableAt",
    ),
    (
        {"expires_at": T0 + (limits.lot_lifetime_days_max + 1) * DAY},
        Code.LIMIT_EXCEEDED, "expiresAt",
    ),
]


@pytest.mark.parametrize(("changes", "code", "field"), INVALID_EARNS)
async def test_an_invalid_earn_is_a_coded_error(
    db: str, changes: dict[str, Any], code: Code, field: str
) -> None:
    # given
    shop = await partner()
    alice = await member()
    before = await snapshot()
    # when
    error = await failure(earn_request(purchase(alice.id, shop.id, **changes)))
    # then
    assert (error.code, error.field) == (code, field)
    assert await snapshot() == before


async def test_every_bound_of_an_earn_is_inclusive(db: str) -> None:
    # given
    shop = await partner()
    alice = await member()
    request = purchase(
        alice.id, shop.id, amount_minor=limits.purchase_amount_minor_max,
        points=limits.transfer_points_max,
        available_at=T0 + limits.return_window_days_max * DAY,
        expires_at=T0 + limits.lot_lifetime_days_max * DAY,
    )
    # when
    result = await earn_request(request)
    # then
    assert result.points_pending == limits.transfer_points_max


@pytest.mark.parametrize("who", ["member", "partner"])
async def test_earning_for_an_unknown_member_or_partner_is_rejected(db: str, who: str) -> None:
    # given
    shop = await partner()
    alice = await member()
    request = purchase(alice.id + 99, shop.id) if who == "member" else purchase(alice.id, 999)
    before = await snapshot()
    # when
    error = await failure(earn_request(request))
    # then: an unknown partner has no price to charge the points at
    assert error.code is (Code.ACCOUNT_NOT_FOUND if who == "member" else ProgramErrorCode.NO_RATE)
    assert await snapshot() == before


# Clawback debt


async def member_in_debt(shop_id: int, debt: int) -> int:
    """A member who spent `debt` points of an order that was then refunded in full."""
    alice = await member()
    await earn(alice.id, shop_id, debt, order_id=f"spent-{alice.id}", amount_minor=debt * 100)
    await redeem(alice.id, shop_id, debt)
    await refund(shop_id, f"spent-{alice.id}", debt * 100, at=T0 + 2)
    assert (await member_balances(alice.id)).clawback_debt == debt
    return alice.id


async def test_later_earning_pays_the_clawback_debt_first(db: str) -> None:
    # given
    shop = await partner()
    alice_id = await member_in_debt(shop.id, 100)
    # when
    result = await earn(alice_id, shop.id, 150, at=T0 + DAY)
    # then
    assert (result.points_to_debt, result.points_available) == (100, 50)
    balances = await member_balances(alice_id)
    assert (balances.clawback_debt, balances.available) == (0, 50)
    [payment] = await transfers_of_kind("debt_payment")
    assert (payment["points"], payment["earning_id"]) == (100, result.earning_id)
    assert [lot["points"] for lot in await lots_of(alice_id)] == [100, 50]
    await assert_ledger_consistent()


async def test_earning_less_than_the_debt_only_reduces_it(db: str) -> None:
    # given
    shop = await partner()
    alice_id = await member_in_debt(shop.id, 100)
    lots_before = await lots_of(alice_id)
    # when
    result = await earn(alice_id, shop.id, 30, at=T0 + DAY, pending_days=14)
    # then
    assert (result.points_to_debt, result.points_pending, result.points_available) == (30, 0, 0)
    balances = await member_balances(alice_id)
    assert (balances.clawback_debt, balances.pending, balances.available) == (70, 0, 0)
    assert await lots_of(alice_id) == lots_before
    await assert_ledger_consistent()


# Purchase refunds


async def test_partial_refunds_reverse_points_proportionally_and_add_up(db: str) -> None:
    # given
    shop = await partner()
    alice = await member()
    await earn(alice.id, shop.id, 100, amount_minor=3_000, order_id="A")
    # when
    results = [await refund(shop.id, "A", 1_000) for _ in range(3)]
    # then
    assert [r.points_reversed for r in results] == [33, 34, 33]
    assert [r.points_to_debt for r in results] == [0, 0, 0]
    earning = await row("SELECT * FROM earnings WHERE order_id = 'A'")
    assert (earning["amount_refunded_minor"], earning["points_reversed"]) == (3_000, 100)
    assert (await member_balances(alice.id)).available == 0
    assert await balance(AccountKind.PARTNER_ISSUED, shop.id) == 0
    await assert_ledger_consistent()


@pytest.mark.parametrize(
    ("points", "amount_minor", "refunds", "reversed_each"),
    [
        (5, 2, [1, 1], [2, 3]),  # 2.5 rounds to even 2
        (3, 2, [1, 1], [2, 1]),  # 1.5 rounds to even 2
        (7, 4, [1, 1, 1, 1], [2, 2, 1, 2]),  # 1.75, 3.5, 5.25, 7 -> 2, 4, 5, 7
        (10, 3, [2, 1], [7, 3]),  # 6.67 -> 7, then the rest
    ],
)
async def test_refunds_round_half_even_on_the_cumulative_refund(
    db: str, points: int, amount_minor: int, refunds: list[int], reversed_each: list[int]
) -> None:
    # given
    shop = await partner()
    alice = await member()
    await earn(alice.id, shop.id, points, amount_minor=amount_minor, order_id="A")
    # when
    results = [await refund(shop.id, "A", amount) for amount in refunds]
    # then
    assert [r.points_reversed for r in results] == reversed_each
    assert sum(reversed_each) == points


@pytest.mark.parametrize(
    ("points", "amount", "refunded", "target"),
    [(5, 2, 1, 2), (3, 2, 1, 2), (1, 2, 1, 0), (3, 6, 3, 2), (100, 3_000, 3_000, 100),
     (limits.transfer_points_max, limits.purchase_amount_minor_max, 1, 0)],
)
def test_reversal_target_is_the_half_even_share(
    points: int, amount: int, refunded: int, target: int
) -> None:
    # when
    result = reversal_target(points, amount, refunded)
    # then
    assert result == target


async def test_a_refund_inside_the_window_cancels_pending_points(db: str) -> None:
    # given
    shop = await partner(window_days=14)
    alice = await member()
    await earn(alice.id, shop.id, 100, pending_days=14, amount_minor=10_000, order_id="A")
    # when
    result = await refund(shop.id, "A", 5_000)
    # then
    assert (result.points_reversed, result.points_to_debt) == (50, 0)
    balances = await member_balances(alice.id)
    assert (balances.pending, balances.available, balances.clawback_debt) == (50, 0, 0)
    [lot] = await lots_of(alice.id)
    assert lot["points_remaining"] == 50
    [reversal] = await transfers_of_kind("reversal")
    assert reversal["debit_account_id"] == await account_id(AccountKind.MEMBER_PENDING, alice.id)
    await assert_ledger_consistent()


async def test_a_refund_larger_than_the_purchase_is_rejected(db: str) -> None:
    # given
    shop = await partner()
    alice = await member()
    await earn(alice.id, shop.id, 100, amount_minor=3_000, order_id="A")
    before = await snapshot()
    # when
    error = await failure(refund(shop.id, "A", 3_001))
    # then
    assert (error.code, error.field) == (Code.REFUND_EXCEEDS_PURCHASE, "amount")
    assert await snapshot() == before


async def test_refunds_adding_up_to_more_than_the_purchase_are_rejected(db: str) -> None:
    # given
    shop = await partner()
    alice = await member()
    await earn(alice.id, shop.id, 100, amount_minor=3_000, order_id="A")
    await refund(shop.id, "A", 2_000)
    before = await snapshot()
    # when
    error = await failure(refund(shop.id, "A", 1_001))
    # then
    assert error.code is Code.REFUND_EXCEEDS_PURCHASE
    assert await snapshot() == before


async def test_a_refund_in_another_currency_is_rejected(db: str) -> None:
    # given
    shop = await partner()
    alice = await member()
    await earn(alice.id, shop.id, 100, order_id="A")
    before = await snapshot()
    # when
    error = await failure(refund(shop.id, "A", 100, currency="USD"))
    # then
    assert (error.code, error.field) == (Code.CURRENCY_MISMATCH, "currency")
    assert await snapshot() == before


@pytest.mark.parametrize(("order", "amount", "code"), [
    ("B", 100, Code.PURCHASE_NOT_FOUND),
    ("A", 0, Code.INVALID_AMOUNT),
    ("A", -5, Code.INVALID_AMOUNT),
    ("A", limits.purchase_amount_minor_max + 1, Code.LIMIT_EXCEEDED),
])
async def test_an_invalid_refund_is_a_coded_error(
    db: str, order: str, amount: int, code: Code
) -> None:
    # given
    shop = await partner()
    alice = await member()
    await earn(alice.id, shop.id, 100, order_id="A")
    before = await snapshot()
    # when
    error = await failure(refund(shop.id, order, amount))
    # then
    assert error.code is code
    assert await snapshot() == before


async def test_another_partners_order_cannot_be_refunded(db: str) -> None:
    # given
    grocer = await partner("grocer")
    fuel = await partner("fuel")
    alice = await member()
    await earn(alice.id, grocer.id, 100, order_id="A")
    before = await snapshot()
    # when
    error = await failure(refund(fuel.id, "A", 100))
    # then
    assert error.code is Code.PURCHASE_NOT_FOUND
    assert await snapshot() == before


async def test_a_refund_after_spending_takes_own_lot_then_available_then_debt(db: str) -> None:
    # given
    shop = await partner()
    alice = await member()
    await earn(alice.id, shop.id, 100, amount_minor=10_000, order_id="A", lifetime_days=100)
    await redeem(alice.id, shop.id, 60)
    await earn(alice.id, shop.id, 50, order_id="B", lifetime_days=200)
    lot_a, lot_b = await lots_of(alice.id)
    # when
    result = await refund(shop.id, "A", 10_000, at=T0 + 2)
    # then
    assert (result.points_reversed, result.points_to_debt) == (100, 10)
    own, from_available = await transfers_of_kind("reversal")
    assert (own["points"], from_available["points"]) == (40, 50)
    assert await allocations(own["id"]) == [(lot_a["id"], 40)]
    assert await allocations(from_available["id"]) == [(lot_b["id"], 50)]
    [clawback] = await transfers_of_kind("clawback")
    assert clawback["points"] == 10
    balances = await member_balances(alice.id)
    assert (balances.available, balances.clawback_debt) == (0, 10)
    await assert_ledger_consistent()


async def test_a_refund_never_takes_held_points_nor_goes_negative(db: str) -> None:
    # given
    shop = await partner()
    alice = await member()
    await earn(alice.id, shop.id, 100, amount_minor=10_000, order_id="A")
    await service.authorize_hold(alice.id, shop.id, 100, caller="p", idempotency_key=key(),
                                 now_us=T0 + 1)
    # when
    result = await refund(shop.id, "A", 10_000, at=T0 + 2)
    # then
    assert result.points_to_debt == 100
    balances = await member_balances(alice.id)
    assert (balances.available, balances.held, balances.clawback_debt) == (0, 100, 100)
    await assert_ledger_consistent()
