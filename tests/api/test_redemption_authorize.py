"""redemptionAuthorize: hold a linked member's available points at checkout."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.api.operations import (
    AUTHORIZE,
    balances_of,
    enrolled_card,
    member_with_points,
    partner_with_rate,
    purchased,
    refusal,
)
from tests.ledger.helpers import snapshot


async def test_a_hold_moves_points_from_available_to_held(db: str) -> None:
    # given a member with 100 points available at the grocer
    grocer = await partner_with_rate(window_days=0)
    card = await member_with_points(grocer, 100)
    # when the grocer holds 30 at checkout
    data = await grocer.run(AUTHORIZE, input={"cardNumber": card, "points": 30,
                                              "idempotencyKey": "k-1"})
    # then the hold is authorized for 15 minutes, and 30 points are held
    redemption = data["redemptionAuthorize"]["redemption"]
    assert data["redemptionAuthorize"]["errors"] == []
    assert redemption["status"] == "AUTHORIZED"
    assert (redemption["points"], redemption["pointsCaptured"]) == (30, 0)
    lifetime = datetime.fromisoformat(redemption["expiresAt"]) - datetime.now(UTC)
    assert timedelta(minutes=14) < lifetime <= timedelta(minutes=15)
    assert await balances_of(grocer, card) == {
        "available": 70, "pending": 0, "held": 30, "clawbackDebt": 0,
    }


async def test_a_hold_lives_as_long_as_asked(db: str) -> None:
    # given a member with points
    grocer = await partner_with_rate(window_days=0)
    card = await member_with_points(grocer, 100)
    # when the grocer holds points for one minute
    data = await grocer.run(AUTHORIZE, input={"cardNumber": card, "points": 10,
                                              "ttlSeconds": 60, "idempotencyKey": "k-1"})
    # then the hold expires within the minute
    expires_at = datetime.fromisoformat(data["redemptionAuthorize"]["redemption"]["expiresAt"])
    assert expires_at - datetime.now(UTC) <= timedelta(seconds=60)


async def test_a_retry_with_the_same_key_holds_once(db: str) -> None:
    # given a hold authorized under key k-1
    grocer = await partner_with_rate(window_days=0)
    card = await member_with_points(grocer, 100)
    hold = {"cardNumber": card, "points": 30, "idempotencyKey": "k-1"}
    first = await grocer.run(AUTHORIZE, input=hold)
    # when the grocer retries it
    again = await grocer.run(AUTHORIZE, input=hold)
    # then it gets the same hold back, and only 30 points are held
    assert again == first
    assert (await balances_of(grocer, card))["held"] == 30


@pytest.mark.parametrize(("fields", "code", "field"), [
    ({"points": 101}, "INSUFFICIENT_POINTS", "points"),
    ({"points": 0}, "INVALID_AMOUNT", "points"),
    ({"points": -5}, "INVALID_AMOUNT", "points"),
    ({"points": 100_000_001}, "LIMIT_EXCEEDED", "points"),
    ({"ttlSeconds": 0}, "LIMIT_EXCEEDED", "ttlSeconds"),
    ({"ttlSeconds": 8 * 24 * 3600}, "LIMIT_EXCEEDED", "ttlSeconds"),
    ({"idempotencyKey": "x" * 129}, "INVALID_IDEMPOTENCY_KEY", "idempotencyKey"),
])
async def test_an_invalid_hold_is_refused_and_nothing_changes(
    db: str, fields: dict[str, int | str], code: str, field: str
) -> None:
    # given a member with 100 points
    grocer = await partner_with_rate(window_days=0)
    card = await member_with_points(grocer, 100)
    before = await snapshot()
    # when the grocer asks for a hold with one bad field
    data = await grocer.run(AUTHORIZE, input={
        "cardNumber": card, "points": 30, "idempotencyKey": "k-1", **fields,
    })
    # then it is refused on that field, and nothing changed
    assert data["redemptionAuthorize"]["redemption"] is None
    assert refusal(data["redemptionAuthorize"]) == (code, [field])
    assert await snapshot() == before


async def test_pending_points_cannot_be_held(db: str) -> None:
    # given a member whose 100 points wait out a 14-day return window
    grocer = await partner_with_rate(window_days=14)
    card = await enrolled_card(grocer)
    await purchased(grocer, card, "100.00")
    before = await snapshot()
    # when the grocer tries to hold them
    data = await grocer.run(AUTHORIZE, input={"cardNumber": card, "points": 10,
                                              "idempotencyKey": "k-1"})
    # then there is nothing available to hold
    assert refusal(data["redemptionAuthorize"]) == ("INSUFFICIENT_POINTS", ["points"])
    assert await snapshot() == before


async def test_a_card_not_linked_to_the_caller_is_refused(db: str) -> None:
    # given a member with points at the grocer, never seen at the fuel station
    grocer = await partner_with_rate(window_days=0)
    fuel = await partner_with_rate("fuel")
    card = await member_with_points(grocer, 100)
    before = await snapshot()
    # when the fuel station tries to hold their points
    data = await fuel.run(AUTHORIZE, input={"cardNumber": card, "points": 10,
                                            "idempotencyKey": "k-1"})
    # then the member is unknown to it, and nothing changed
    assert refusal(data["redemptionAuthorize"]) == ("MEMBER_NOT_FOUND", ["cardNumber"])
    assert await snapshot() == before
