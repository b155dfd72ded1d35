"""Holds, one-step redemptions and redemption refunds (ledger/holds.py)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import pytest

from exchange import limits
from exchange.clock import now_us, seconds_to_us
from exchange.db import connection, execute
from exchange.ledger.balances import member_balances
from exchange.ledger.errors import LedgerErrorCode as Code
from exchange.ledger.holds import HoldResult, RedemptionRefundResult
from exchange.ledger.kinds import AccountKind
from exchange.operations import postings as service
from exchange.operations import sweeps
from tests.ledger.factories import DAY, T0, earn, key, member, partner
from tests.ledger.helpers import (
    account_id,
    allocations,
    assert_ledger_consistent,
    balance,
    failure,
    lots_of,
    row,
    rows,
    snapshot,
    transfers_of_kind,
)

AT = T0 + 1


async def authorize(
    member_id: int, partner_id: int, points: int, ttl: int = limits.hold_ttl_seconds_default
) -> HoldResult:
    return await service.authorize_hold(
        member_id, partner_id, points, ttl_seconds=ttl, caller=f"partner:{partner_id}",
        idempotency_key=key(), now_us=AT,
    )


async def capture(hold_id: int, partner_id: int, points: int | None = None) -> HoldResult:
    return await service.capture_hold(
        hold_id, partner_id, points, caller=f"partner:{partner_id}", idempotency_key=key(),
        now_us=AT + 1,
    )


async def void(hold_id: int, partner_id: int) -> HoldResult:
    return await service.void_hold(
        hold_id, partner_id, caller=f"partner:{partner_id}", idempotency_key=key(), now_us=AT + 1
    )


async def redeem(member_id: int, partner_id: int, points: int) -> HoldResult:
    return await service.redeem_points(
        member_id, partner_id, points, caller=f"partner:{partner_id}", idempotency_key=key(),
        now_us=AT,
    )


async def refund(hold_id: int, partner_id: int, points: int) -> RedemptionRefundResult:
    return await service.refund_redemption(
        hold_id, partner_id, points, caller=f"partner:{partner_id}", idempotency_key=key(),
        now_us=AT + 2,
    )


async def hold_row(hold_id: int) -> dict[str, object]:
    return await row("SELECT * FROM holds WHERE id = $1", hold_id)


async def remaining(member_id: int) -> list[int]:
    return [int(lot["points_remaining"]) for lot in await lots_of(member_id)]


async def two_lots(shop_id: int, early: int = 20, late: int = 50) -> tuple[int, int, int]:
    """A member with an early-expiring lot and a later one: (member id, early lot, late lot)."""
    alice = await member()
    await earn(alice.id, shop_id, late, lifetime_days=200)
    await earn(alice.id, shop_id, early, lifetime_days=100)
    late_lot, early_lot = await lots_of(alice.id)
    return alice.id, int(early_lot["id"]), int(late_lot["id"])


# Authorize


async def test_authorize_moves_points_from_available_to_held(db: str) -> None:
    # given
    shop = await partner()
    alice = await member()
    await earn(alice.id, shop.id, 100)
    # when
    started = now_us()
    hold = await authorize(alice.id, shop.id, 30, ttl=600)
    # then
    assert (hold.status, hold.points, hold.points_captured) == ("authorized", 30, 0)
    assert started + seconds_to_us(599) <= hold.expires_at <= now_us() + seconds_to_us(601)
    balances = await member_balances(alice.id)
    assert (balances.available, balances.held) == (70, 30)
    assert await remaining(alice.id) == [70]
    stored = await hold_row(hold.hold_id)
    assert (stored["status"], stored["expires_at"]) == ("authorized", hold.expires_at)
    await assert_ledger_consistent()


@pytest.mark.parametrize(("points", "ttl", "code"), [
    (0, 60, Code.INVALID_AMOUNT),
    (-1, 60, Code.INVALID_AMOUNT),
    (limits.transfer_points_max + 1, 60, Code.LIMIT_EXCEEDED),
    (10, limits.hold_ttl_seconds_min - 1, Code.LIMIT_EXCEEDED),
    (10, limits.hold_ttl_seconds_max + 1, Code.LIMIT_EXCEEDED),
    (101, 60, Code.INSUFFICIENT_POINTS),
])
async def test_an_invalid_authorize_is_a_coded_error(
    db: str, points: int, ttl: int, code: Code
) -> None:
    # given
    shop = await partner()
    alice = await member()
    await earn(alice.id, shop.id, 100)
    before = await snapshot()
    # when
    error = await failure(authorize(alice.id, shop.id, points, ttl))
    # then
    assert error.code is code
    assert await snapshot() == before


async def test_authorize_at_an_unknown_partner_is_rejected(db: str) -> None:
    # given
    shop = await partner()
    alice = await member()
    await earn(alice.id, shop.id, 100)
    before = await snapshot()
    # when
    error = await failure(authorize(alice.id, shop.id + 99, 10))
    # then
    assert error.code is Code.ACCOUNT_NOT_FOUND
    assert await snapshot() == before


async def test_pending_and_held_points_cannot_be_spent(db: str) -> None:
    # given
    shop = await partner(window_days=14)
    alice = await member()
    await earn(alice.id, shop.id, 100, pending_days=14)
    await earn(alice.id, shop.id, 50)
    await authorize(alice.id, shop.id, 40)
    before = await snapshot()
    # when
    errors = [await failure(authorize(alice.id, shop.id, 11)),
              await failure(redeem(alice.id, shop.id, 11))]
    # then
    assert [error.code for error in errors] == [Code.INSUFFICIENT_POINTS] * 2
    assert await snapshot() == before


# Capture and void


async def test_capture_in_full_burns_the_held_points(db: str) -> None:
    # given
    shop = await partner()
    alice = await member()
    await earn(alice.id, shop.id, 100)
    hold = await authorize(alice.id, shop.id, 30)
    # when
    result = await capture(hold.hold_id, shop.id)
    # then
    assert (result.status, result.points_captured, result.points_released) == ("captured", 30, 0)
    balances = await member_balances(alice.id)
    assert (balances.available, balances.held) == (70, 0)
    assert await balance(AccountKind.PARTNER_REDEEMED, shop.id) == 30
    assert await remaining(alice.id) == [70]
    stored = await hold_row(hold.hold_id)
    assert (stored["status"], stored["points_captured"]) == ("captured", 30)
    assert stored["resolved_at"] == AT + 1
    await assert_ledger_consistent()


async def test_a_partial_capture_releases_the_rest_to_the_same_lots(db: str) -> None:
    # given
    shop = await partner()
    alice_id, early, late = await two_lots(shop.id, early=20, late=50)
    hold = await authorize(alice_id, shop.id, 40)  # draws early 20, late 20
    # when
    result = await capture(hold.hold_id, shop.id, 25)
    # then
    assert (result.points_captured, result.points_released) == (25, 15)
    [burn] = await transfers_of_kind("capture")
    assert await allocations(burn["id"]) == sorted([(early, 20), (late, 5)])
    [release] = await transfers_of_kind("release")
    assert (release["points"], await allocations(release["id"])) == (15, [(late, 15)])
    balances = await member_balances(alice_id)
    assert (balances.available, balances.held) == (45, 0)
    assert await balance(AccountKind.PARTNER_REDEEMED, shop.id) == 25
    await assert_ledger_consistent()


async def test_void_releases_everything_to_the_lots(db: str) -> None:
    # given
    shop = await partner()
    alice_id, _, _ = await two_lots(shop.id, early=20, late=50)
    hold = await authorize(alice_id, shop.id, 40)
    # when
    result = await void(hold.hold_id, shop.id)
    # then
    assert (result.status, result.points_released, result.points_captured) == ("voided", 40, 0)
    assert await remaining(alice_id) == [50, 20]
    balances = await member_balances(alice_id)
    assert (balances.available, balances.held) == (70, 0)
    assert (await hold_row(hold.hold_id))["status"] == "voided"
    assert await balance(AccountKind.PARTNER_REDEEMED, shop.id) == 0
    await assert_ledger_consistent()


Step = Callable[[int, int], Awaitable[HoldResult]]


@pytest.mark.parametrize(("first", "second"), [
    (capture, capture), (capture, void), (void, void), (void, capture),
])
async def test_a_hold_resolves_exactly_once(db: str, first: Step, second: Step) -> None:
    # given
    shop = await partner()
    alice = await member()
    await earn(alice.id, shop.id, 100)
    hold = await authorize(alice.id, shop.id, 30)
    await first(hold.hold_id, shop.id)
    before = await snapshot()
    # when
    error = await failure(second(hold.hold_id, shop.id))
    # then
    assert error.code is Code.HOLD_ALREADY_RESOLVED
    assert await snapshot() == before


@pytest.mark.parametrize(("points", "code"), [
    (31, Code.CAPTURE_EXCEEDS_HOLD), (0, Code.INVALID_AMOUNT), (-5, Code.INVALID_AMOUNT),
])
async def test_capture_beyond_the_hold_is_rejected(db: str, points: int, code: Code) -> None:
    # given
    shop = await partner()
    alice = await member()
    await earn(alice.id, shop.id, 100)
    hold = await authorize(alice.id, shop.id, 30)
    before = await snapshot()
    # when
    error = await failure(capture(hold.hold_id, shop.id, points))
    # then
    assert error.code is code
    assert await snapshot() == before


@pytest.mark.parametrize("action", ["capture", "void", "refund"])
async def test_another_partners_hold_is_not_found(db: str, action: str) -> None:
    # given
    grocer = await partner("grocer")
    fuel = await partner("fuel")
    alice = await member()
    await earn(alice.id, grocer.id, 100)
    hold = await (redeem if action == "refund" else authorize)(alice.id, grocer.id, 30)
    calls = {"capture": capture, "void": void, "refund": lambda h, p: refund(h, p, 5)}
    before = await snapshot()
    # when
    errors = [await failure(calls[action](hold.hold_id, fuel.id)),
              await failure(calls[action](hold.hold_id + 99, grocer.id))]
    # then
    assert [(e.code, e.field) for e in errors] == [(Code.HOLD_NOT_FOUND, "holdId")] * 2
    assert await snapshot() == before


# Lapsed holds


async def lapse(hold_id: int) -> None:
    """Holds lapse by the database clock: move the hold's end into the past."""
    await execute(connection(), "UPDATE holds SET expires_at = $1 WHERE id = $2", T0, hold_id)


async def test_a_lapsed_hold_cannot_be_captured(db: str) -> None:
    # given
    shop = await partner()
    alice = await member()
    await earn(alice.id, shop.id, 100)
    hold = await authorize(alice.id, shop.id, 30)
    await lapse(hold.hold_id)
    before = await snapshot()
    # when
    error = await failure(capture(hold.hold_id, shop.id))
    # then
    assert error.code is Code.HOLD_EXPIRED
    assert await snapshot() == before


async def test_the_sweep_releases_lapsed_holds_only(db: str) -> None:
    # given
    shop = await partner()
    alice = await member()
    await earn(alice.id, shop.id, 100)
    lapsed = await authorize(alice.id, shop.id, 30)
    live = await authorize(alice.id, shop.id, 20)
    await lapse(lapsed.hold_id)
    # when
    released = await sweeps.expire_holds()
    # then
    assert released == 1
    assert [(await hold_row(h.hold_id))["status"] for h in (lapsed, live)] == [
        "expired", "authorized",
    ]
    balances = await member_balances(alice.id)
    assert (balances.available, balances.held) == (80, 20)
    [expiry] = await transfers_of_kind("hold_expiry")
    assert (expiry["points"], expiry["hold_id"]) == (30, lapsed.hold_id)
    await assert_ledger_consistent()


async def test_the_hold_sweep_is_re_runnable(db: str) -> None:
    # given
    shop = await partner()
    alice = await member()
    await earn(alice.id, shop.id, 100)
    hold = await authorize(alice.id, shop.id, 30)
    await lapse(hold.hold_id)
    await sweeps.expire_holds()
    before = await snapshot()
    # when
    released = await sweeps.expire_holds()
    # then
    assert released == 0
    assert await snapshot() == before
    assert (await failure(capture(hold.hold_id, shop.id))).code is Code.HOLD_ALREADY_RESOLVED


# One-step redemption and its refunds


async def test_redeem_burns_points_in_one_step(db: str) -> None:
    # given
    shop = await partner()
    alice = await member()
    await earn(alice.id, shop.id, 100)
    # when
    result = await redeem(alice.id, shop.id, 30)
    # then
    assert (result.status, result.points, result.points_captured) == ("captured", 30, 30)
    stored = await hold_row(result.hold_id)
    assert stored["status"] == "captured"
    assert stored["authorize_transfer_id"] == stored["capture_transfer_id"]
    [burn] = await transfers_of_kind("redeem")
    assert burn["credit_account_id"] == await account_id(AccountKind.PARTNER_REDEEMED, shop.id)
    balances = await member_balances(alice.id)
    assert (balances.available, balances.held) == (70, 0)
    await assert_ledger_consistent()


async def test_a_redemption_refund_restores_the_freshest_lots_first(db: str) -> None:
    # given
    shop = await partner()
    alice_id, early, late = await two_lots(shop.id, early=20, late=50)
    hold = await redeem(alice_id, shop.id, 30)  # early 20, late 10
    # when
    first = await refund(hold.hold_id, shop.id, 15)
    second = await refund(hold.hold_id, shop.id, 15)
    # then
    assert (first.points_refunded_total, second.points_refunded_total) == (15, 30)
    one, two = await transfers_of_kind("redemption_refund")
    assert await allocations(one["id"]) == sorted([(late, 10), (early, 5)])
    assert await allocations(two["id"]) == [(early, 15)]
    assert await remaining(alice_id) == [50, 20]
    assert (await member_balances(alice_id)).available == 70
    assert await balance(AccountKind.PARTNER_REDEEMED, shop.id) == 0
    await assert_ledger_consistent()


async def test_redemption_refunds_are_bounded_by_the_burn(db: str) -> None:
    # given
    shop = await partner()
    alice = await member()
    await earn(alice.id, shop.id, 100)
    hold = await redeem(alice.id, shop.id, 30)
    await refund(hold.hold_id, shop.id, 20)
    before = await snapshot()
    # when
    error = await failure(refund(hold.hold_id, shop.id, 11))
    # then
    assert (error.code, error.field) == (Code.REFUND_EXCEEDS_REDEMPTION, "points")
    assert await snapshot() == before
    assert (await hold_row(hold.hold_id))["points_refunded"] == 20


async def test_a_partial_capture_refunds_at_most_what_was_captured(db: str) -> None:
    # given
    shop = await partner()
    alice = await member()
    await earn(alice.id, shop.id, 100)
    hold = await authorize(alice.id, shop.id, 40)
    await capture(hold.hold_id, shop.id, 25)
    before = await snapshot()
    # when
    error = await failure(refund(hold.hold_id, shop.id, 26))
    # then
    assert error.code is Code.REFUND_EXCEEDS_REDEMPTION
    assert await snapshot() == before


async def test_refunding_all_of_a_partial_capture_restores_the_balance(db: str) -> None:
    # given
    shop = await partner()
    alice = await member()
    await earn(alice.id, shop.id, 100)
    hold = await authorize(alice.id, shop.id, 40)
    await capture(hold.hold_id, shop.id, 25)
    # when
    result = await refund(hold.hold_id, shop.id, 25)
    # then
    assert (result.points_refunded, result.points_refunded_total) == (25, 25)
    assert await remaining(alice.id) == [100]
    assert (await member_balances(alice.id)).available == 100
    assert await balance(AccountKind.PARTNER_REDEEMED, shop.id) == 0
    await assert_ledger_consistent()


@pytest.mark.parametrize("status", ["authorized", "voided"])
async def test_an_uncaptured_hold_cannot_be_refunded(db: str, status: str) -> None:
    # given
    shop = await partner()
    alice = await member()
    await earn(alice.id, shop.id, 100)
    hold = await authorize(alice.id, shop.id, 30)
    if status == "voided":
        await void(hold.hold_id, shop.id)
    before = await snapshot()
    # when
    error = await failure(refund(hold.hold_id, shop.id, 1))
    # then
    assert error.code is Code.REFUND_EXCEEDS_REDEMPTION
    assert await snapshot() == before


# Provenance


async def test_burns_draw_the_earliest_expiry_first_across_issuers(db: str) -> None:
    # given
    grocer = await partner("grocer")
    fuel = await partner("fuel")
    airline = await partner("airline")
    alice = await member()
    await earn(alice.id, grocer.id, 40, lifetime_days=100)
    await earn(alice.id, fuel.id, 60, lifetime_days=50, at=T0 + DAY)
    # when
    hold = await redeem(alice.id, airline.id, 70)
    # then
    stored = await hold_row(hold.hold_id)
    drawn = await rows(
        "SELECT l.issuer_account_id AS issuer, a.points FROM lot_allocations a "
        "JOIN lots l ON l.id = a.lot_id WHERE a.transfer_id = $1 ORDER BY l.expires_at",
        stored["capture_transfer_id"],
    )
    assert [(d["issuer"], d["points"]) for d in drawn] == [
        (await account_id(AccountKind.PARTNER_ISSUED, fuel.id), 60),
        (await account_id(AccountKind.PARTNER_ISSUED, grocer.id), 10),
    ]
    assert await balance(AccountKind.PARTNER_REDEEMED, airline.id) == 70


async def test_lots_expiring_together_are_drawn_oldest_first(db: str) -> None:
    # given
    shop = await partner()
    alice = await member()
    await earn(alice.id, shop.id, 10, lifetime_days=30)
    await earn(alice.id, shop.id, 10, lifetime_days=30)
    older, newer = await lots_of(alice.id)
    # when
    hold = await authorize(alice.id, shop.id, 15)
    # then
    stored = await hold_row(hold.hold_id)
    assert await allocations(stored["authorize_transfer_id"]) == [
        (older["id"], 10), (newer["id"], 5),
    ]
