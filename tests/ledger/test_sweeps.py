"""Re-runnable sweeps: maturity, expiry to breakage, and their order (ledger/sweeps.py)."""

from __future__ import annotations

from exchange.ledger import kinds as k
from exchange.ledger.balances import member_balances
from exchange.ledger.errors import LedgerErrorCode as Code
from exchange.ledger.kinds import AccountKind
from exchange.ledger.refunds import PurchaseRefund
from exchange.operations import postings as service
from exchange.operations import sweeps
from exchange.operations.sweeps import SweepReport
from tests.ledger.factories import DAY, T0, earn, key, member, partner
from tests.ledger.helpers import (
    allocations,
    assert_ledger_consistent,
    balance,
    failure,
    lots_of,
    snapshot,
    transfers_of_kind,
)

WINDOW = T0 + 14 * DAY  # end of a 14-day return window for points earned at T0
LIFETIME = T0 + 30 * DAY  # expiry of points earned at T0 with a 30-day lifetime


async def spend(member_id: int, partner_id: int, points: int, at: int = T0 + 1) -> None:
    await service.redeem_points(
        member_id, partner_id, points, caller="p", idempotency_key=key(), now_us=at
    )


# Maturity


async def test_pending_points_stay_pending_before_the_window_ends(db: str) -> None:
    # given
    shop = await partner(window_days=14)
    alice = await member()
    await earn(alice.id, shop.id, 100, pending_days=14)
    before = await snapshot()
    # when
    moved = await sweeps.mature_lots(WINDOW - 1)
    # then
    assert moved == 0
    assert await snapshot() == before


async def test_maturity_makes_pending_points_available_at_the_window_end(db: str) -> None:
    # given
    shop = await partner(window_days=14)
    alice = await member()
    await earn(alice.id, shop.id, 100, pending_days=14)
    # when
    moved = await sweeps.mature_lots(WINDOW)
    # then
    assert moved == 100
    balances = await member_balances(alice.id)
    assert (balances.pending, balances.available) == (0, 100)
    [lot] = await lots_of(alice.id)
    assert (bool(lot["is_pending"]), lot["points_remaining"]) == (False, 100)
    [maturity] = await transfers_of_kind("maturity")
    assert maturity["linked_transfer_id"] == lot["earn_transfer_id"]
    await assert_ledger_consistent()


async def test_maturity_is_re_runnable(db: str) -> None:
    # given
    shop = await partner(window_days=14)
    alice = await member()
    await earn(alice.id, shop.id, 100, pending_days=14)
    await sweeps.mature_lots(WINDOW)
    before = await snapshot()
    # when
    moved = await sweeps.mature_lots(WINDOW + DAY)
    # then
    assert moved == 0
    assert await snapshot() == before


async def test_maturity_sweeps_every_member_due(db: str) -> None:
    # given
    shop = await partner(window_days=14)
    members = [await member() for _ in range(3)]
    for index, someone in enumerate(members):
        await earn(someone.id, shop.id, 10 * (index + 1), pending_days=14)
    # when
    each = [moved async for moved in sweeps.maturing(WINDOW)]
    # then
    assert each == [10, 20, 30]
    assert [(await member_balances(s.id)).available for s in members] == [10, 20, 30]


async def test_a_fully_refunded_pending_lot_matures_without_a_transfer(db: str) -> None:
    # given
    shop = await partner(window_days=14)
    alice = await member()
    await earn(alice.id, shop.id, 100, pending_days=14, order_id="A", amount_minor=1_000)
    await service.refund_purchase(
        PurchaseRefund(shop.id, "A", "EUR", 1_000), caller="p", idempotency_key=key(),
        now_us=T0 + 1,
    )
    # when
    moved = await sweeps.mature_lots(WINDOW)
    # then
    assert moved == 0
    assert await transfers_of_kind("maturity") == []
    [lot] = await lots_of(alice.id)
    assert bool(lot["is_pending"]) is False


# Expiry


async def test_expiry_moves_the_remainder_to_breakage(db: str) -> None:
    # given
    shop = await partner()
    alice = await member()
    await earn(alice.id, shop.id, 100, lifetime_days=30)
    await spend(alice.id, shop.id, 30)
    # when
    expired = await sweeps.expire_lots(LIFETIME)
    # then
    assert expired == 70
    assert await balance(AccountKind.OPERATOR_BREAKAGE, k.OPERATOR_OWNER_ID) == 70
    assert (await member_balances(alice.id)).available == 0
    [lot] = await lots_of(alice.id)
    assert lot["points_remaining"] == 0
    [expiry] = await transfers_of_kind("expiry")
    assert expiry["linked_transfer_id"] == lot["earn_transfer_id"]
    assert await allocations(expiry["id"]) == [(lot["id"], 70)]
    await assert_ledger_consistent()


async def test_nothing_expires_before_its_time(db: str) -> None:
    # given
    shop = await partner()
    alice = await member()
    await earn(alice.id, shop.id, 100, lifetime_days=30)
    before = await snapshot()
    # when
    expired = await sweeps.expire_lots(LIFETIME - 1)
    # then
    assert expired == 0
    assert await snapshot() == before


async def test_expiry_takes_only_the_expired_lots(db: str) -> None:
    # given
    shop = await partner()
    alice = await member()
    await earn(alice.id, shop.id, 100, lifetime_days=30)
    await earn(alice.id, shop.id, 40, lifetime_days=60)
    # when
    expired = await sweeps.expire_lots(LIFETIME)
    # then
    assert expired == 100
    assert [lot["points_remaining"] for lot in await lots_of(alice.id)] == [0, 40]
    balances = await member_balances(alice.id)
    assert (balances.available, balances.next_expiry_points) == (40, 40)
    assert balances.next_expiry_at == T0 + 60 * DAY


async def test_expiry_is_re_runnable(db: str) -> None:
    # given
    shop = await partner()
    alice = await member()
    await earn(alice.id, shop.id, 100, lifetime_days=30)
    await sweeps.expire_lots(LIFETIME)
    before = await snapshot()
    # when
    expired = await sweeps.expire_lots(LIFETIME + DAY)
    # then
    assert expired == 0
    assert await snapshot() == before


async def test_held_points_expire_the_moment_they_are_released(db: str) -> None:
    # given 100 points living 30 days, 40 of them held past their expiry
    shop = await partner()
    alice = await member()
    await earn(alice.id, shop.id, 100, lifetime_days=30)
    hold = await service.authorize_hold(alice.id, shop.id, 40, caller="p",
                                        idempotency_key=key(), now_us=T0 + 1)
    first = await sweeps.expire_lots(LIFETIME)
    breakage_while_held = await balance(AccountKind.OPERATOR_BREAKAGE, k.OPERATOR_OWNER_ID)
    # when the hold is voided after the lot expired
    voided = await service.void_hold(hold.hold_id, shop.id, caller="p", idempotency_key=key(),
                                     now_us=LIFETIME + 1)
    # then the 40 go back to their lot and, expired, to breakage at once: no sweep needed
    assert (first, breakage_while_held, voided.points_released) == (60, 60, 40)
    assert await balance(AccountKind.OPERATOR_BREAKAGE, k.OPERATOR_OWNER_ID) == 100
    assert await balance(AccountKind.MEMBER_AVAILABLE, alice.id) == 0
    assert await sweeps.expire_lots(LIFETIME + 2) == 0
    await assert_ledger_consistent()


# Order and lazy settling


async def test_a_lot_matures_before_it_can_expire(db: str) -> None:
    # given
    shop = await partner(window_days=14)
    alice = await member()
    await earn(alice.id, shop.id, 100, pending_days=14, lifetime_days=30)
    # when
    expired_while_pending = await sweeps.expire_lots(LIFETIME)
    report = await sweeps.run_sweeps(LIFETIME)
    # then
    assert expired_while_pending == 0
    assert report == SweepReport(points_matured=100, points_expired=100, holds_expired=0)
    balances = await member_balances(alice.id)
    assert (balances.pending, balances.available) == (0, 0)
    assert await balance(AccountKind.OPERATOR_BREAKAGE, k.OPERATOR_OWNER_ID) == 100
    await assert_ledger_consistent()


async def test_running_all_sweeps_twice_moves_nothing_the_second_time(db: str) -> None:
    # given
    shop = await partner(window_days=14)
    alice = await member()
    await earn(alice.id, shop.id, 100, pending_days=14, lifetime_days=30)
    await earn(alice.id, shop.id, 50, pending_days=14, lifetime_days=60)
    await sweeps.run_sweeps(LIFETIME)
    before = await snapshot()
    # when
    report = await sweeps.run_sweeps(LIFETIME)
    # then
    assert report == SweepReport(0, 0, 0)
    assert await snapshot() == before


async def test_spending_matures_due_points_without_the_sweep(db: str) -> None:
    # given
    shop = await partner(window_days=14)
    alice = await member()
    await earn(alice.id, shop.id, 100, pending_days=14)
    # when
    await spend(alice.id, shop.id, 100, at=WINDOW)
    # then
    balances = await member_balances(alice.id)
    assert (balances.pending, balances.available) == (0, 0)
    assert await balance(AccountKind.PARTNER_REDEEMED, shop.id) == 100
    await assert_ledger_consistent()


async def test_expired_points_cannot_be_spent_before_the_sweep(db: str) -> None:
    # given
    shop = await partner()
    alice = await member()
    await earn(alice.id, shop.id, 100, lifetime_days=30)
    before = await snapshot()
    # when
    error = await failure(spend(alice.id, shop.id, 1, at=LIFETIME))
    # then
    assert error.code is Code.INSUFFICIENT_POINTS
    assert await snapshot() == before
