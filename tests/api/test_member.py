"""member(cardNumber): balances and next expiry, for members linked to the calling partner."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from exchange.members.cards import luhn_check_digit
from tests.api.operations import (
    ENROLL,
    authorized,
    enrolled_card,
    partner_with_rate,
    purchased,
    recently,
)

MEMBER = """
query($card: String!) {
  member(cardNumber: $card) {
    cardNumber
    balances { available pending held clawbackDebt }
    nextExpiry { points expiresAt }
  }
}"""


async def test_a_linked_member_shows_balances_and_the_next_expiry(db: str) -> None:
    # given a card that earned 40 then 25 points at a grocer (no return window), 5 of them held,
    # and 10 pending points from a fuel station with a 14-day window
    grocer = await partner_with_rate(window_days=0)
    fuel = await partner_with_rate("fuel", window_days=14)
    card = await enrolled_card(grocer)
    await fuel.run(ENROLL, input={"cardNumber": card})
    first_at = recently(days=2)
    await purchased(grocer, card, "40.00", occurredAt=first_at)
    await purchased(grocer, card, "25.00")
    await purchased(fuel, card, "10.00")
    await authorized(grocer, card, 5)
    # when the grocer reads the member
    member = (await grocer.run(MEMBER, card=card))["member"]
    # then it sees every balance, and the oldest lot (less the hold drawn from it) expires next
    assert member["cardNumber"] == card
    assert member["balances"] == {"available": 60, "pending": 10, "held": 5, "clawbackDebt": 0}
    expiry = member["nextExpiry"]
    assert expiry["points"] == 35
    expected_at = datetime.fromisoformat(first_at) + timedelta(days=730)
    assert datetime.fromisoformat(expiry["expiresAt"]) == expected_at


async def test_a_member_with_no_points_has_no_next_expiry(db: str) -> None:
    # given a freshly enrolled card
    grocer = await partner_with_rate()
    card = await enrolled_card(grocer)
    # when the grocer reads it
    member = (await grocer.run(MEMBER, card=card))["member"]
    # then nothing expires
    assert member["nextExpiry"] is None


@pytest.mark.parametrize("kind", ["unlinked", "never issued", "malformed"])
async def test_a_card_not_linked_to_the_caller_reads_as_null(db: str, kind: str) -> None:
    # given a card enrolled at the grocer only, with points on it
    grocer = await partner_with_rate(window_days=0)
    fuel = await partner_with_rate("fuel")
    card = await enrolled_card(grocer)
    await purchased(grocer, card, "30.00")
    asked = {
        "unlinked": card,
        "never issued": "629900000000000" + luhn_check_digit("629900000000000"),
        "malformed": "not a card",
    }[kind]
    # when the fuel station, never shown the card, reads it
    data = await fuel.run(MEMBER, card=asked)
    # then it sees nothing: the same null whether or not the card exists
    assert data == {"member": None}
