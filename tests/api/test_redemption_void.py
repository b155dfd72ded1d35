"""redemptionVoid: release the caller's own hold, once."""

from __future__ import annotations

import pytest

from exchange.ledger.kinds import OPERATOR_OWNER_ID, AccountKind
from tests.api.operations import (
    ENROLL,
    REDEMPTION,
    authorized,
    balances_of,
    expire_lots_of_card,
    member_with_points,
    partner_with_rate,
    refusal,
)
from tests.ledger.helpers import balance, snapshot

VOID = f"""
mutation($input: RedemptionVoidInput!) {{
  redemptionVoid(input: $input) {{ {REDEMPTION} errors {{ field code message }} }}
}}"""
CAPTURE = """
mutation($input: RedemptionCaptureInput!) {
  redemptionCapture(input: $input) { errors { code } }
}"""


async def test_a_void_gives_the_held_points_back(db: str) -> None:
    # given a hold of 30 of a member's 100 points
    grocer = await partner_with_rate(window_days=0)
    card = await member_with_points(grocer, 100)
    hold = await authorized(grocer, card, 30)
    # when the grocer voids it
    data = await grocer.run(VOID, input={"redemptionId": hold["id"], "idempotencyKey": "v-1"})
    # then the hold is voided and all 30 points are available again
    redemption = data["redemptionVoid"]["redemption"]
    assert redemption["status"] == "VOIDED"
    assert (redemption["pointsCaptured"], redemption["pointsReleased"]) == (0, 30)
    assert await balances_of(grocer, card) == {
        "available": 100, "pending": 0, "held": 0, "clawbackDebt": 0,
    }


async def test_a_retry_with_the_same_key_returns_the_void(db: str) -> None:
    # given a voided hold
    grocer = await partner_with_rate(window_days=0)
    card = await member_with_points(grocer, 100)
    hold = await authorized(grocer, card, 30)
    void = {"redemptionId": hold["id"], "idempotencyKey": "v-1"}
    first = await grocer.run(VOID, input=void)
    after_first = await snapshot()
    # when the grocer retries the void with the same key
    again = await grocer.run(VOID, input=void)
    # then it gets the same answer, with no second effect
    assert again == first
    assert await snapshot() == after_first


@pytest.mark.parametrize("first", ["void", "capture"])
async def test_a_resolved_hold_cannot_be_voided(db: str, first: str) -> None:
    # given a hold already voided or captured
    grocer = await partner_with_rate(window_days=0)
    card = await member_with_points(grocer, 100)
    hold = await authorized(grocer, card, 30)
    resolve = VOID if first == "void" else CAPTURE
    await grocer.run(resolve, input={"redemptionId": hold["id"], "idempotencyKey": "r-1"})
    before = await snapshot()
    # when the grocer voids it under a new key
    data = await grocer.run(VOID, input={"redemptionId": hold["id"], "idempotencyKey": "v-2"})
    # then the hold is already resolved, and nothing changed
    assert refusal(data["redemptionVoid"]) == ("HOLD_ALREADY_RESOLVED", ["redemptionId"])
    assert await snapshot() == before


async def test_another_partners_hold_is_not_found(db: str) -> None:
    # given a grocer's hold on a card the fuel station is linked to as well
    grocer = await partner_with_rate(window_days=0)
    fuel = await partner_with_rate("fuel")
    card = await member_with_points(grocer, 100)
    await fuel.run(ENROLL, input={"cardNumber": card})
    hold = await authorized(grocer, card, 30)
    before = await snapshot()
    # when the fuel station voids the grocer's hold
    data = await fuel.run(VOID, input={"redemptionId": hold["id"], "idempotencyKey": "v-1"})
    # then, to the fuel station, there is no such hold, and nothing changed
    assert refusal(data["redemptionVoid"]) == ("HOLD_NOT_FOUND", ["redemptionId"])
    assert await snapshot() == before


@pytest.mark.parametrize("redemption_id", ["abc", "-1", "0x1F", "999"])
async def test_a_malformed_or_unknown_id_is_not_found(db: str, redemption_id: str) -> None:
    # given a member with a hold
    grocer = await partner_with_rate(window_days=0)
    card = await member_with_points(grocer, 100)
    await authorized(grocer, card, 30)
    before = await snapshot()
    # when the grocer voids a redemption id that is not one of its holds
    data = await grocer.run(VOID, input={"redemptionId": redemption_id, "idempotencyKey": "v-1"})
    # then there is no such hold, and nothing changed
    assert refusal(data["redemptionVoid"]) == ("HOLD_NOT_FOUND", ["redemptionId"])
    assert await snapshot() == before


async def test_points_released_to_an_expired_lot_go_to_breakage_at_once(db: str) -> None:
    # given a hold of 30 of a member's 100 points, whose lot then expired (the 70 not held
    # went to breakage)
    grocer = await partner_with_rate(window_days=0)
    card = await member_with_points(grocer, 100)
    hold = await authorized(grocer, card, 30)
    await expire_lots_of_card(card)
    assert await balance(AccountKind.OPERATOR_BREAKAGE, OPERATOR_OWNER_ID) == 70
    # when the grocer voids the hold
    data = await grocer.run(VOID, input={"redemptionId": hold["id"], "idempotencyKey": "v-exp"})
    # then the 30 are released to their lot and, expired, go to breakage at once
    assert data["redemptionVoid"]["redemption"]["pointsReleased"] == 30
    assert await balances_of(grocer, card) == {
        "available": 0, "pending": 0, "held": 0, "clawbackDebt": 0}
    assert await balance(AccountKind.OPERATOR_BREAKAGE, OPERATOR_OWNER_ID) == 100
