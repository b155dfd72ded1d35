"""offers(cardNumber, first): only eligible offers, ranked from the member's purchase history,
each with its score and main reason; diverse across funders; a trained model when there is one."""

from __future__ import annotations

from typing import Any

from exchange.offers.training import train_and_store
from tests.api.offer_helpers import RANKING, UPDATE, created_offer
from tests.api.operations import Caller, enrolled_card, partner_with_rate, recently, unique

# Offers to clip: buying does not use them up, so the ranking can be read after the purchases.
CLIP = {"requiresActivation": True}

RECORD = """
mutation($input: PurchaseRecordInput!) {
  purchaseRecord(input: $input) { errors { code } }
}"""


async def _bought(caller: Caller, card: str, sku: str, category: str) -> None:
    data = await caller.run(RECORD, input={
        "cardNumber": card, "orderId": unique("o"), "occurredAt": recently(), "currency": "EUR",
        "idempotencyKey": unique("k"),
        "lines": [{"sku": sku, "category": category, "unitPrice": "5.00"}],
    })
    assert data["purchaseRecord"]["errors"] == []


async def _ranking(caller: Caller, card: str, first: int = 10, **more: Any) -> dict[str, Any]:
    return (await caller.run(RANKING, card=card, first=first, **more))["offers"]


async def test_only_eligible_offers_ranked_by_the_members_own_history(db: str) -> None:
    # given a grocer with a coffee offer and a bakery offer, a fuel chain with a fuel offer,
    # and offers this member may not see: paused, for lapsed members, used up
    grocer, fuel = await partner_with_rate(), await partner_with_rate("fuel")
    coffee = await created_offer(grocer, title="coffee", targeting={"categories": ["coffee"]},
                                  **CLIP)
    bakery = await created_offer(grocer, title="bakery", targeting={"categories": ["bakery"]},
                                  **CLIP)
    fuel_offer = await created_offer(fuel, title="fuel", targeting={"categories": ["fuel"]})
    paused = await created_offer(grocer, title="paused")
    await grocer.run(UPDATE, input={"offerId": paused["id"], "status": "PAUSED"})
    await created_offer(grocer, title="lapsed", segmentKind="LAPSED", segmentDays=30)
    card = await enrolled_card(grocer)
    # when the member has bought coffee three times and bread once
    for sku, category in [("espresso", "coffee")] * 3 + [("bread", "bakery")]:
        await _bought(grocer, card, sku, category)
    ranking = await _ranking(grocer, card)
    # then coffee comes first for the member's own affinity, then bakery, then fuel; the
    # paused offer and the one for lapsed members are not there
    titles = [r["offer"]["title"] for r in ranking["offers"]]
    assert titles == ["coffee", "bakery", "fuel"]
    first = ranking["offers"][0]
    assert first["reason"] == "CATEGORY_AFFINITY" and first["rank"] == 1
    scores = [r["score"] for r in ranking["offers"]]
    assert scores == sorted(scores, reverse=True) and scores[0] > scores[1]
    # and the grocer sees its own budgets, not the fuel chain's
    budgets = {r["offer"]["id"]: r["offer"]["budget"] for r in ranking["offers"]}
    assert budgets[coffee["id"]] == {"budgetPoints": 1000} and budgets[fuel_offer["id"]] is None
    assert bakery["id"] in budgets and ranking["modelVersion"] is None


async def test_a_new_member_gets_popular_offers_first(db: str) -> None:
    grocer = await partner_with_rate()
    await created_offer(grocer, title="tea", targeting={"categories": ["tea"]}, **CLIP)
    await created_offer(grocer, title="coffee", targeting={"categories": ["coffee"]},
                                  **CLIP)
    for _ in range(3):
        await _bought(grocer, await enrolled_card(grocer), "espresso", "coffee")
    await _bought(grocer, await enrolled_card(grocer), "green", "tea")
    newcomer = await enrolled_card(grocer)
    ranking = await _ranking(grocer, newcomer)
    assert [r["offer"]["title"] for r in ranking["offers"]] == ["coffee", "tea"]
    assert ranking["offers"][0]["reason"] == "POPULAR"


async def test_no_funder_takes_more_than_half_the_page(db: str) -> None:
    grocer, fuel = await partner_with_rate(), await partner_with_rate("fuel")
    for n in range(5):
        await created_offer(grocer, title=f"g{n}", targeting={"categories": ["coffee"]},
                            **CLIP)
    await created_offer(fuel, title="f0", targeting={"categories": ["fuel"]})
    card = await enrolled_card(grocer)
    await _bought(grocer, card, "espresso", "coffee")
    ranking = await _ranking(grocer, card, first=4)
    funders = [r["offer"]["fundingPartnerCode"] for r in ranking["offers"]]
    assert len(funders) == 4 and funders.count("grocer") <= 3 and "fuel" in funders
    explored = await _ranking(grocer, card, first=4, exploration=True)
    assert explored["offers"][-1]["reason"] == "EXPLORATION"
    assert explored == await _ranking(grocer, card, first=4, exploration=True)


async def test_a_trained_model_recommends_what_similar_members_buy(db: str) -> None:
    # given members who buy coffee also buy croissants, and an offer on croissants
    grocer = await partner_with_rate()
    await created_offer(grocer, title="croissant",
                        targeting={"items": ["grocer/croissant"]}, **CLIP)
    await created_offer(grocer, title="tea", targeting={"items": ["grocer/green"]},
                        **CLIP)
    for _ in range(4):
        card = await enrolled_card(grocer)
        await _bought(grocer, card, "espresso", "coffee")
        await _bought(grocer, card, "croissant", "pastry")
    await _bought(grocer, await enrolled_card(grocer), "green", "tea")
    # and a member who has only bought coffee
    member = await enrolled_card(grocer)
    await _bought(grocer, member, "espresso", "coffee")
    # when a model is trained
    info = await train_and_store()
    ranking = await _ranking(grocer, member)
    # then the croissant offer comes first, because of similar members, under that model
    assert ranking["modelVersion"] == info.version and ranking["modelTrainedAt"]
    top = ranking["offers"][0]
    assert top["offer"]["title"] == "croissant" and top["reason"] == "SIMILAR_MEMBERS"


async def test_bad_calls_are_coded_errors(db: str) -> None:
    grocer, fuel = await partner_with_rate(), await partner_with_rate("fuel")
    theirs = await enrolled_card(fuel)
    result = await grocer.execute(RANKING, card=theirs, first=5)
    assert result.errors and result.errors[0].extensions["code"] == "MEMBER_NOT_FOUND"
    mine = await enrolled_card(grocer)
    for first in (0, 101):
        result = await grocer.execute(RANKING, card=mine, first=first)
        assert result.errors and result.errors[0].extensions["code"] == "INVALID_OFFER"
