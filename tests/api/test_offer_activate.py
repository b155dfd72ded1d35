"""offerActivate: a partner clips an offer for a linked member; once, and again harmlessly."""

from __future__ import annotations

from exchange.db import connection, fetch
from tests.api.offer_helpers import ACTIVATE, UPDATE, activated, created_offer
from tests.api.operations import enrolled_card, partner_with_rate, refusal
from tests.ledger.helpers import snapshot


async def test_activating_twice_keeps_the_first_activation(db: str) -> None:
    # given an offer to be activated and a member of the grocer
    grocer = await partner_with_rate()
    offer = await created_offer(grocer, requiresActivation=True)
    card = await enrolled_card(grocer)
    # when the grocer activates it for the member twice
    first = await activated(grocer, offer["id"], card)
    second = await activated(grocer, offer["id"], card)
    # then there is one activation, by the grocer, and the second answer repeats the first
    assert first == second and first["activatedBy"] == "partner:grocer"
    rows = await fetch(connection(), "SELECT * FROM offer_activations")
    assert len(rows) == 1


async def test_a_partner_activates_another_partners_offer_for_its_own_member(db: str) -> None:
    grocer = await partner_with_rate()
    fuel = await partner_with_rate("fuel")
    offer = await created_offer(fuel, targeting={"partners": ["fuel", "grocer"]})
    card = await enrolled_card(grocer)
    assert (await activated(grocer, offer["id"], card))["offer"]["id"] == offer["id"]


async def test_refusals_change_nothing(db: str) -> None:
    # given a grocer's running offer, a paused one, a new-members offer, and two members:
    # one of the grocer's, one the grocer is not linked to
    grocer = await partner_with_rate()
    fuel = await partner_with_rate("fuel")
    running = await created_offer(grocer)
    paused = await created_offer(grocer)
    await grocer.run(UPDATE, input={"offerId": paused["id"], "status": "PAUSED"})
    lapsed_only = await created_offer(grocer, segmentKind="LAPSED", segmentDays=30)
    mine, theirs = await enrolled_card(grocer), await enrolled_card(fuel)
    before = await snapshot()
    cases = [
        ((running["id"], theirs), ("MEMBER_NOT_FOUND", ["cardNumber"])),
        (("424242", mine), ("OFFER_NOT_FOUND", ["offerId"])),
        ((paused["id"], mine), ("OFFER_NOT_ACTIVE", ["offerId"])),
        ((lapsed_only["id"], mine), ("NOT_ELIGIBLE", ["cardNumber"])),
    ]
    for (offer_id, card), expected in cases:
        data = await grocer.run(ACTIVATE, input={"offerId": offer_id, "cardNumber": card})
        assert refusal(data["offerActivate"]) == expected
    assert await snapshot() == before
