"""redemptionRefund: give burned points back (goods paid with points were returned)."""

from __future__ import annotations

import pytest

from tests.api.operations import (
    ENROLL,
    authorized,
    balances_of,
    expire_lots_of_card,
    member_with_points,
    partner_with_rate,
    redeemed,
    refusal,
)
from tests.ledger.helpers import balance, snapshot

REFUND = """
mutation($input: RedemptionRefundInput!) {
  redemptionRefund(input: $input) {
    pointsRefunded pointsRefundedTotal errors { field code message }
  }
}"""
CAPTURE = """
mutation($input: RedemptionCaptureInput!) {
  redemptionCapture(input: $input) { errors { code } }
}"""


async def test_burned_points_come_back_to_the_member(db: str) -> None:
    # given 60 of a member's 100 points burned at the grocer
    grocer = await partner_with_rate(window_days=0)
    card = await member_with_points(grocer, 100)
    redemption = await redeemed(grocer, card, 60)
    # when the grocer refunds 20 of them
    data = await grocer.run(REFUND, input={"redemptionId": redemption["id"], "points": 20,
                                           "idempotencyKey": "rr-1"})
    # then the member has them again, and the grocer's burned total drops
    assert data["redemptionRefund"] == {
        "pointsRefunded": 20, "pointsRefundedTotal": 20, "errors": [],
    }
    assert (await balances_of(grocer, card))["available"] == 60
    assert await balance("partner_redeemed", grocer.partner.id) == 40


async def test_a_retry_with_the_same_key_refunds_once(db: str) -> None:
    # given a redemption refund made under key rr-1
    grocer = await partner_with_rate(window_days=0)
    card = await member_with_points(grocer, 100)
    redemption = await redeemed(grocer, card, 60)
    refund = {"redemptionId": redemption["id"], "points": 20, "idempotencyKey": "rr-1"}
    first = await grocer.run(REFUND, input=refund)
    # when the grocer retries it
    again = await grocer.run(REFUND, input=refund)
    # then it gets the same answer, and 20 points came back once
    assert again == first
    assert (await balances_of(grocer, card))["available"] == 60


async def test_refunds_beyond_what_was_burned_are_refused(db: str) -> None:
    # given 60 burned points, 50 of them refunded already
    grocer = await partner_with_rate(window_days=0)
    card = await member_with_points(grocer, 100)
    redemption = await redeemed(grocer, card, 60)
    await grocer.run(REFUND, input={"redemptionId": redemption["id"], "points": 50,
                                    "idempotencyKey": "rr-1"})
    before = await snapshot()
    # when 11 more are refunded
    data = await grocer.run(REFUND, input={"redemptionId": redemption["id"], "points": 11,
                                           "idempotencyKey": "rr-2"})
    # then only 10 remain refundable: refused, nothing changed
    assert refusal(data["redemptionRefund"]) == ("REFUND_EXCEEDS_REDEMPTION", ["points"])
    assert await snapshot() == before


async def test_only_the_captured_part_of_a_hold_is_refundable(db: str) -> None:
    # given a hold of 30 of which 20 were captured
    grocer = await partner_with_rate(window_days=0)
    card = await member_with_points(grocer, 100)
    hold = await authorized(grocer, card, 30)
    await grocer.run(CAPTURE, input={"redemptionId": hold["id"], "points": 20,
                                     "idempotencyKey": "c-1"})
    before = await snapshot()
    # when 21 are refunded
    data = await grocer.run(REFUND, input={"redemptionId": hold["id"], "points": 21,
                                           "idempotencyKey": "rr-1"})
    # then it is refused, and nothing changed
    assert refusal(data["redemptionRefund"]) == ("REFUND_EXCEEDS_REDEMPTION", ["points"])
    assert await snapshot() == before


async def test_an_uncaptured_hold_has_nothing_to_refund(db: str) -> None:
    # given a hold not yet captured
    grocer = await partner_with_rate(window_days=0)
    card = await member_with_points(grocer, 100)
    hold = await authorized(grocer, card, 30)
    before = await snapshot()
    # when the grocer refunds points of it
    data = await grocer.run(REFUND, input={"redemptionId": hold["id"], "points": 1,
                                           "idempotencyKey": "rr-1"})
    # then nothing was burned to refund, and nothing changed
    assert refusal(data["redemptionRefund"]) == ("REFUND_EXCEEDS_REDEMPTION", ["points"])
    assert await snapshot() == before


@pytest.mark.parametrize(("points", "code"), [(0, "INVALID_AMOUNT"), (-3, "INVALID_AMOUNT")])
async def test_a_non_positive_refund_is_refused(db: str, points: int, code: str) -> None:
    # given a redemption
    grocer = await partner_with_rate(window_days=0)
    card = await member_with_points(grocer, 100)
    redemption = await redeemed(grocer, card, 60)
    before = await snapshot()
    # when the grocer refunds no or negative points
    data = await grocer.run(REFUND, input={"redemptionId": redemption["id"], "points": points,
                                           "idempotencyKey": "rr-1"})
    # then it is refused, and nothing changed
    assert refusal(data["redemptionRefund"]) == (code, ["points"])
    assert await snapshot() == before


async def test_another_partners_redemption_is_not_found(db: str) -> None:
    # given a redemption at the grocer, on a card the fuel station is linked to as well
    grocer = await partner_with_rate(window_days=0)
    fuel = await partner_with_rate("fuel")
    card = await member_with_points(grocer, 100)
    await fuel.run(ENROLL, input={"cardNumber": card})
    redemption = await redeemed(grocer, card, 60)
    before = await snapshot()
    # when the fuel station refunds it
    data = await fuel.run(REFUND, input={"redemptionId": redemption["id"], "points": 10,
                                         "idempotencyKey": "rr-1"})
    # then, to the fuel station, there is no such redemption, and nothing changed
    assert refusal(data["redemptionRefund"]) == ("HOLD_NOT_FOUND", ["redemptionId"])
    assert await snapshot() == before


@pytest.mark.parametrize("redemption_id", ["abc", "1.0", "999"])
async def test_a_malformed_or_unknown_id_is_not_found(db: str, redemption_id: str) -> None:
    # given a grocer with a redemption
    grocer = await partner_with_rate(window_days=0)
    card = await member_with_points(grocer, 100)
    await redeemed(grocer, card, 60)
    before = await snapshot()
    # when it refunds a redemption id that is not one of its own
    data = await grocer.run(REFUND, input={"redemptionId": redemption_id, "points": 10,
                                           "idempotencyKey": "rr-1"})
    # then there is no such redemption, and nothing changed
    assert refusal(data["redemptionRefund"]) == ("HOLD_NOT_FOUND", ["redemptionId"])
    assert await snapshot() == before


async def test_points_refunded_to_an_expired_lot_go_to_breakage_at_once(db: str) -> None:
    # given 60 of a member's 100 points burned, then their lot expired (the other 40 went to
    # breakage)
    grocer = await partner_with_rate(window_days=0)
    card = await member_with_points(grocer, 100)
    redemption = await redeemed(grocer, card, 60)
    await expire_lots_of_card(card)
    # when the grocer refunds 20 of the burned points
    data = await grocer.run(REFUND, input={"redemptionId": redemption["id"], "points": 20,
                                           "idempotencyKey": "rr-exp"})
    # then the grocer is no longer paid for them, and they return to their lot, which has
    # expired: to breakage at once, not to the member
    assert data["redemptionRefund"]["pointsRefunded"] == 20
    assert await balance("partner_redeemed", grocer.partner.id) == 40
    assert (await balances_of(grocer, card))["available"] == 0
    assert await balance("operator_breakage", 0) == 60
