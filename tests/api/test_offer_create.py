"""offerCreate: a partner funds its own offers; an admin names the funder; bad input changes
nothing."""

from __future__ import annotations

from typing import Any

import pytest

from tests.api.offer_helpers import CREATE, created_offer, days_from_now, offer_input
from tests.api.operations import partner_with_rate, refusal
from tests.api.settlement_helpers import as_admin
from tests.ledger.helpers import snapshot


async def test_a_partner_creates_an_offer_it_funds(db: str) -> None:
    # given a grocer
    grocer = await partner_with_rate()
    # when it creates a double-points offer on coffee, to be activated
    offer = await created_offer(
        grocer, title="Double points on coffee", kind="MULTIPLIER", bonusPoints=None,
        multiplier="2", targeting={"categories": ["coffee"]}, requiresActivation=True,
        pacing="EVEN", perMemberUsesMax=3,
    )
    # then it is live, funded by the grocer, with its whole budget left
    assert offer["fundingPartnerCode"] == "grocer" and offer["status"] == "ACTIVE"
    assert offer["kind"] == "MULTIPLIER" and offer["multiplier"] == "2"
    assert offer["bonusPoints"] is None and offer["targeting"]["categories"] == ["coffee"]
    assert offer["budget"] == {"budgetPoints": 1000, "pointsAwarded": 0, "pacing": "EVEN"}
    assert offer["requiresActivation"] is True and offer["perMemberUsesMax"] == 3


async def test_an_admin_creates_an_offer_for_a_named_funder(db: str) -> None:
    await partner_with_rate("fuel")
    result = await as_admin(CREATE, input=offer_input(
        fundingPartnerCode="fuel", segmentKind="SPEND_BAND",
        spendMin={"amount": "100.00", "currency": "EUR"}))
    assert result.errors is None, result.errors
    offer = result.data["offerCreate"]["offer"]
    assert offer["fundingPartnerCode"] == "fuel"
    assert offer["segment"]["kind"] == "SPEND_BAND"
    assert offer["segment"]["spendMin"] == {"amount": "100.00", "currency": "EUR"}


BAD_INPUTS: list[tuple[dict[str, Any], str, str]] = [
    ({"title": " "}, "INVALID_OFFER", "title"),
    ({"bonusPoints": 0}, "INVALID_OFFER", "bonusPoints"),
    ({"kind": "MULTIPLIER", "multiplier": "1"}, "INVALID_OFFER", "multiplier"),
    ({"kind": "MULTIPLIER", "multiplier": "1.005"}, "INVALID_OFFER", "multiplier"),
    ({"kind": "MULTIPLIER", "multiplier": "11"}, "INVALID_OFFER", "multiplier"),
    ({"kind": "REWARD_DISCOUNT", "discountPercent": 100}, "INVALID_OFFER", "discountPercent"),
    ({"endsAt": days_from_now(-2)}, "INVALID_OFFER", "endsAt"),
    ({"startsAt": days_from_now(1), "endsAt": days_from_now(400)}, "INVALID_OFFER", "endsAt"),
    ({"budgetPoints": 0}, "INVALID_OFFER", "budgetPoints"),
    ({"perMemberUsesMax": 0}, "INVALID_OFFER", "perMemberUsesMax"),
    ({"segmentKind": "LAPSED"}, "INVALID_OFFER", "segment.days"),
    ({"targeting": {"partners": ["nobody"]}}, "PARTNER_NOT_FOUND", "targeting.partners"),
    ({"targeting": {"items": ["no-partner-prefix"]}}, "INVALID_OFFER", "targeting.items"),
    ({"targeting": {"categories": ["x"] * 2}}, "INVALID_OFFER", "targeting.categories"),
    ({"fundingPartnerCode": "fuel"}, "INVALID_OFFER", "fundingPartnerCode"),
]


@pytest.mark.parametrize(("fields", "code", "field"), BAD_INPUTS)
async def test_a_bad_offer_is_refused_and_nothing_changes(
    db: str, fields: dict[str, Any], code: str, field: str
) -> None:
    # given a grocer
    grocer = await partner_with_rate()
    before = await snapshot()
    # when it sends a bad offer
    data = await grocer.run(CREATE, input=offer_input(**fields))
    # then the offer is refused with the code and field, and nothing is stored
    assert refusal(data["offerCreate"]) == (code, [field])
    assert data["offerCreate"]["offer"] is None
    assert await snapshot() == before


async def test_an_admin_must_name_a_known_funder(db: str) -> None:
    before = await snapshot()
    result = await as_admin(CREATE, input=offer_input(fundingPartnerCode="nobody"))
    assert refusal(result.data["offerCreate"]) == ("PARTNER_NOT_FOUND", ["fundingPartnerCode"])
    assert await snapshot() == before
