"""offerUpdate: the funder (or an admin) changes an offer; another partner cannot see it."""

from __future__ import annotations

from typing import Any

import pytest

from exchange.offers.store import get_offer
from tests.api.offer_helpers import UPDATE, created_offer, days_from_now
from tests.api.operations import partner_with_rate, refusal
from tests.api.settlement_helpers import as_admin
from tests.ledger.helpers import snapshot


async def test_the_funder_pauses_extends_and_raises_the_budget(db: str) -> None:
    # given a grocer's offer
    grocer = await partner_with_rate()
    offer = await created_offer(grocer)
    # when the grocer pauses it, extends it and raises its budget
    data = await grocer.run(UPDATE, input={
        "offerId": offer["id"], "status": "PAUSED", "endsAt": days_from_now(60),
        "budgetPoints": 5000, "title": "Renamed",
    })
    # then the offer has changed, and what was not named has not
    updated = data["offerUpdate"]["offer"]
    assert data["offerUpdate"]["errors"] == []
    assert updated["status"] == "PAUSED" and updated["title"] == "Renamed"
    assert updated["budget"]["budgetPoints"] == 5000 and updated["bonusPoints"] == 50
    assert updated["endsAt"] > offer["endsAt"]


async def test_an_admin_cancels_any_offer_for_good(db: str) -> None:
    grocer = await partner_with_rate()
    offer = await created_offer(grocer)
    result = await as_admin(UPDATE, input={"offerId": offer["id"], "status": "CANCELLED"})
    assert result.data["offerUpdate"]["offer"]["status"] == "CANCELLED"
    again = await grocer.run(UPDATE, input={"offerId": offer["id"], "status": "ACTIVE"})
    assert refusal(again["offerUpdate"]) == ("OFFER_NOT_ACTIVE", ["offerId"])


BAD_CHANGES: list[tuple[dict[str, Any], str, str]] = [
    ({"budgetPoints": 0}, "INVALID_OFFER", "budgetPoints"),
    ({"endsAt": days_from_now(-3)}, "INVALID_OFFER", "endsAt"),
    ({"title": ""}, "INVALID_OFFER", "title"),
    ({"perMemberUsesMax": 10_000}, "INVALID_OFFER", "perMemberUsesMax"),
]


@pytest.mark.parametrize(("fields", "code", "field"), BAD_CHANGES)
async def test_a_bad_change_is_refused_and_nothing_changes(
    db: str, fields: dict[str, Any], code: str, field: str
) -> None:
    grocer = await partner_with_rate()
    offer = await created_offer(grocer)
    before = await snapshot()
    data = await grocer.run(UPDATE, input={"offerId": offer["id"], **fields})
    assert refusal(data["offerUpdate"]) == (code, [field])
    assert await snapshot() == before


async def test_another_partner_cannot_touch_or_learn_of_an_offer(db: str) -> None:
    # given a grocer's offer and a fuel chain
    grocer = await partner_with_rate()
    fuel = await partner_with_rate("fuel")
    offer = await created_offer(grocer)
    before = await snapshot()
    # when the fuel chain tries to cancel it, or a made-up id
    for offer_id in (offer["id"], "999999", "not-a-number"):
        data = await fuel.run(UPDATE, input={"offerId": offer_id, "status": "CANCELLED"})
        # then it is told there is no such offer of its own, and nothing changed
        assert refusal(data["offerUpdate"]) == ("OFFER_NOT_FOUND", ["offerId"])
    assert await snapshot() == before


async def test_the_budget_cannot_go_below_what_is_awarded(db: str) -> None:
    from exchange.db import connection, execute

    grocer = await partner_with_rate()
    offer = await created_offer(grocer)
    await execute(connection(), "UPDATE offers SET points_awarded = 600 WHERE id = $1",
                  int(offer["id"]))
    data = await grocer.run(UPDATE, input={"offerId": offer["id"], "budgetPoints": 599})
    assert refusal(data["offerUpdate"]) == ("BUDGET_BELOW_AWARDED", ["budgetPoints"])
    assert (await get_offer(int(offer["id"]))).spec.budget_points == 1000
