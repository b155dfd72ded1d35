"""redemptionCapture: burn all or part of the caller's own hold; the rest goes back."""

from __future__ import annotations

import asyncio

import pytest

from tests.api.operations import (
    AUTHORIZE,
    ENROLL,
    REDEMPTION,
    authorized,
    balances_of,
    member_with_points,
    partner_with_rate,
    refusal,
)
from tests.ledger.helpers import balance, snapshot

CAPTURE = f"""
mutation($input: RedemptionCaptureInput!) {{
  redemptionCapture(input: $input) {{ {REDEMPTION} errors {{ field code message }} }}
}}"""


async def test_a_full_capture_burns_the_hold_at_the_partner(db: str) -> None:
    # given a hold of 30 of a member's 100 points
    grocer = await partner_with_rate(window_days=0)
    card = await member_with_points(grocer, 100)
    hold = await authorized(grocer, card, 30)
    # when the grocer captures it without naming points
    data = await grocer.run(CAPTURE, input={"redemptionId": hold["id"], "idempotencyKey": "c-1"})
    # then all 30 are burned at the grocer, and none come back
    redemption = data["redemptionCapture"]["redemption"]
    assert redemption["status"] == "CAPTURED"
    assert (redemption["pointsCaptured"], redemption["pointsReleased"]) == (30, 0)
    assert await balances_of(grocer, card) == {
        "available": 70, "pending": 0, "held": 0, "clawbackDebt": 0,
    }
    assert await balance("partner_redeemed", grocer.partner.id) == 30


async def test_a_partial_capture_releases_the_rest(db: str) -> None:
    # given a hold of 30 points
    grocer = await partner_with_rate(window_days=0)
    card = await member_with_points(grocer, 100)
    hold = await authorized(grocer, card, 30)
    # when the grocer captures 20 of them
    data = await grocer.run(CAPTURE, input={"redemptionId": hold["id"], "points": 20,
                                            "idempotencyKey": "c-1"})
    # then 20 are burned and 10 are available again
    redemption = data["redemptionCapture"]["redemption"]
    assert (redemption["pointsCaptured"], redemption["pointsReleased"]) == (20, 10)
    assert await balances_of(grocer, card) == {
        "available": 80, "pending": 0, "held": 0, "clawbackDebt": 0,
    }


async def test_a_retry_with_the_same_key_returns_the_capture(db: str) -> None:
    # given a captured hold
    grocer = await partner_with_rate(window_days=0)
    card = await member_with_points(grocer, 100)
    hold = await authorized(grocer, card, 30)
    capture = {"redemptionId": hold["id"], "points": 20, "idempotencyKey": "c-1"}
    first = await grocer.run(CAPTURE, input=capture)
    after_first = await snapshot()
    # when the grocer retries the capture with the same key
    again = await grocer.run(CAPTURE, input=capture)
    # then it gets the same answer, with no second effect
    assert again == first
    assert await snapshot() == after_first


async def test_a_second_capture_is_refused_and_nothing_changes(db: str) -> None:
    # given a captured hold
    grocer = await partner_with_rate(window_days=0)
    card = await member_with_points(grocer, 100)
    hold = await authorized(grocer, card, 30)
    await grocer.run(CAPTURE, input={"redemptionId": hold["id"], "idempotencyKey": "c-1"})
    before = await snapshot()
    # when it is captured again under a new key
    data = await grocer.run(CAPTURE, input={"redemptionId": hold["id"], "idempotencyKey": "c-2"})
    # then the hold is already resolved, and nothing changed
    assert refusal(data["redemptionCapture"]) == ("HOLD_ALREADY_RESOLVED", ["redemptionId"])
    assert await snapshot() == before


async def test_more_than_the_hold_is_refused_and_nothing_changes(db: str) -> None:
    # given a hold of 30 points
    grocer = await partner_with_rate(window_days=0)
    card = await member_with_points(grocer, 100)
    hold = await authorized(grocer, card, 30)
    before = await snapshot()
    # when the grocer captures 31
    data = await grocer.run(CAPTURE, input={"redemptionId": hold["id"], "points": 31,
                                            "idempotencyKey": "c-1"})
    # then the capture exceeds the hold, and nothing changed
    assert refusal(data["redemptionCapture"]) == ("CAPTURE_EXCEEDS_HOLD", ["points"])
    assert await snapshot() == before


async def test_an_expired_hold_cannot_be_captured(db: str) -> None:
    # given a hold that lived one second, a second ago
    grocer = await partner_with_rate(window_days=0)
    card = await member_with_points(grocer, 100)
    data = await grocer.run(AUTHORIZE, input={"cardNumber": card, "points": 30,
                                              "ttlSeconds": 1, "idempotencyKey": "k-1"})
    hold = data["redemptionAuthorize"]["redemption"]
    await asyncio.sleep(1.1)
    before = await snapshot()
    # when the grocer captures it
    data = await grocer.run(CAPTURE, input={"redemptionId": hold["id"], "idempotencyKey": "c-1"})
    # then the hold has expired, and nothing changed
    assert refusal(data["redemptionCapture"]) == ("HOLD_EXPIRED", ["redemptionId"])
    assert await snapshot() == before


async def test_another_partners_hold_is_not_found(db: str) -> None:
    # given a grocer's hold on a card the fuel station is linked to as well
    grocer = await partner_with_rate(window_days=0)
    fuel = await partner_with_rate("fuel")
    card = await member_with_points(grocer, 100)
    await fuel.run(ENROLL, input={"cardNumber": card})
    hold = await authorized(grocer, card, 30)
    before = await snapshot()
    # when the fuel station captures the grocer's hold
    data = await fuel.run(CAPTURE, input={"redemptionId": hold["id"], "idempotencyKey": "c-1"})
    # then, to the fuel station, there is no such hold, and nothing changed
    assert refusal(data["redemptionCapture"]) == ("HOLD_NOT_FOUND", ["redemptionId"])
    assert await snapshot() == before


@pytest.mark.parametrize("redemption_id", ["abc", "-1", "1e3", "１", "9" * 19, "", "999"])
async def test_a_malformed_or_unknown_id_is_not_found(db: str, redemption_id: str) -> None:
    # given a member with a hold
    grocer = await partner_with_rate(window_days=0)
    card = await member_with_points(grocer, 100)
    await authorized(grocer, card, 30)
    before = await snapshot()
    # when the grocer captures a redemption id that is not one of its holds
    data = await grocer.run(CAPTURE, input={"redemptionId": redemption_id,
                                            "idempotencyKey": "c-1"})
    # then there is no such hold, and nothing changed
    assert refusal(data["redemptionCapture"]) == ("HOLD_NOT_FOUND", ["redemptionId"])
    assert await snapshot() == before
