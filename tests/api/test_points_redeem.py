"""pointsRedeem: burn a linked member's available points in one step."""

from __future__ import annotations

import pytest

from tests.api.operations import (
    ENROLL,
    REDEEM,
    balances_of,
    enrolled_card,
    member_with_points,
    partner_with_rate,
    purchased,
    refusal,
)
from tests.ledger.helpers import balance, row, rows, snapshot


async def test_points_are_burned_in_one_step(db: str) -> None:
    # given a member with 100 points
    grocer = await partner_with_rate(window_days=0)
    card = await member_with_points(grocer, 100)
    # when the grocer redeems 40
    data = await grocer.run(REDEEM, input={"cardNumber": card, "points": 40,
                                           "idempotencyKey": "r-1"})
    # then 40 are burned at once, none held
    redemption = data["pointsRedeem"]["redemption"]
    assert redemption["status"] == "CAPTURED"
    assert (redemption["points"], redemption["pointsCaptured"]) == (40, 40)
    assert await balances_of(grocer, card) == {
        "available": 60, "pending": 0, "held": 0, "clawbackDebt": 0,
    }


async def test_points_earned_at_one_partner_burn_at_another(db: str) -> None:
    # given 100 points issued by the grocer, on a card also shown at the fuel station
    grocer = await partner_with_rate(window_days=0)
    fuel = await partner_with_rate("fuel")
    card = await member_with_points(grocer, 100)
    await fuel.run(ENROLL, input={"cardNumber": card})
    # when the fuel station redeems 60 of them
    data = await fuel.run(REDEEM, input={"cardNumber": card, "points": 60,
                                         "idempotencyKey": "r-1"})
    # then they are burned at the fuel station, drawn from the grocer's lot
    assert data["pointsRedeem"]["errors"] == []
    assert await balance("partner_redeemed", fuel.partner.id) == 60
    assert await balance("partner_redeemed", grocer.partner.id) == 0
    assert await balance("partner_issued", grocer.partner.id) == -100
    burn = await row("SELECT id FROM transfers WHERE kind = 'redeem'")
    drawn = await rows("SELECT l.issuer_account_id, a.points FROM lot_allocations a "
                       "JOIN lots l ON l.id = a.lot_id WHERE a.transfer_id = $1", burn["id"])
    issued = await row("SELECT id FROM accounts WHERE kind = 'partner_issued' "
                       "AND owner_id = $1", grocer.partner.id)
    assert [(d["issuer_account_id"], d["points"]) for d in drawn] == [(issued["id"], 60)]


async def test_a_retry_with_the_same_key_burns_once(db: str) -> None:
    # given a redemption made under key r-1
    grocer = await partner_with_rate(window_days=0)
    card = await member_with_points(grocer, 100)
    redemption = {"cardNumber": card, "points": 40, "idempotencyKey": "r-1"}
    first = await grocer.run(REDEEM, input=redemption)
    # when the grocer retries it
    again = await grocer.run(REDEEM, input=redemption)
    # then it gets the same answer, and 40 points were burned once
    assert again == first
    assert (await balances_of(grocer, card))["available"] == 60


@pytest.mark.parametrize(("points", "code"), [
    (101, "INSUFFICIENT_POINTS"), (0, "INVALID_AMOUNT"), (-1, "INVALID_AMOUNT"),
])
async def test_an_impossible_burn_is_refused_and_nothing_changes(
    db: str, points: int, code: str
) -> None:
    # given a member with 100 points
    grocer = await partner_with_rate(window_days=0)
    card = await member_with_points(grocer, 100)
    before = await snapshot()
    # when the grocer redeems more than that, or nothing
    data = await grocer.run(REDEEM, input={"cardNumber": card, "points": points,
                                           "idempotencyKey": "r-1"})
    # then it is refused, and nothing changed
    assert data["pointsRedeem"]["redemption"] is None
    assert refusal(data["pointsRedeem"]) == (code, ["points"])
    assert await snapshot() == before


async def test_pending_points_cannot_be_burned(db: str) -> None:
    # given a member whose 100 points wait out a 14-day return window
    grocer = await partner_with_rate(window_days=14)
    card = await enrolled_card(grocer)
    await purchased(grocer, card, "100.00")
    before = await snapshot()
    # when the grocer redeems some
    data = await grocer.run(REDEEM, input={"cardNumber": card, "points": 10,
                                           "idempotencyKey": "r-1"})
    # then none are available yet
    assert refusal(data["pointsRedeem"]) == ("INSUFFICIENT_POINTS", ["points"])
    assert await snapshot() == before


async def test_a_card_not_linked_to_the_caller_is_refused(db: str) -> None:
    # given a member with points at the grocer, never seen at the fuel station
    grocer = await partner_with_rate(window_days=0)
    fuel = await partner_with_rate("fuel")
    card = await member_with_points(grocer, 100)
    before = await snapshot()
    # when the fuel station redeems their points
    data = await fuel.run(REDEEM, input={"cardNumber": card, "points": 10,
                                         "idempotencyKey": "r-1"})
    # then the member is unknown to it, and nothing changed
    assert refusal(data["pointsRedeem"]) == ("MEMBER_NOT_FOUND", ["cardNumber"])
    assert await snapshot() == before
