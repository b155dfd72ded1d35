"""offersFunded: a partner lists the offers it funds, with budgets; an admin lists all."""

from __future__ import annotations

from tests.api.offer_helpers import created_offer
from tests.api.operations import partner_with_rate
from tests.api.settlement_helpers import as_admin

FUNDED = """
query($first: Int!, $after: ID) {
  offersFunded(first: $first, after: $after) { id title fundingPartnerCode budget { budgetPoints } }
}"""


async def test_each_partner_sees_its_own_and_an_admin_all_in_pages(db: str) -> None:
    # given two offers of the grocer's and one of the fuel chain's
    grocer, fuel = await partner_with_rate(), await partner_with_rate("fuel")
    mine = [await created_offer(grocer, title=f"g{n}") for n in range(2)]
    await created_offer(fuel, title="f0")
    # when each lists its offers, the grocer one at a time
    first = (await grocer.run(FUNDED, first=1))["offersFunded"]
    rest = (await grocer.run(FUNDED, first=5, after=first[-1]["id"]))["offersFunded"]
    # then the grocer sees its two, with budgets, and nothing of the fuel chain's
    assert [o["id"] for o in first + rest] == [o["id"] for o in mine]
    assert all(o["budget"] == {"budgetPoints": 1000} for o in first + rest)
    result = await as_admin(FUNDED, first=10)
    assert [o["title"] for o in result.data["offersFunded"]] == ["g0", "g1", "f0"]


async def test_a_bad_page_is_a_coded_error(db: str) -> None:
    grocer = await partner_with_rate()
    cases = [({"first": 0}, "INVALID_OFFER"), ({"first": 101}, "INVALID_OFFER"),
             ({"first": 5, "after": "x"}, "OFFER_NOT_FOUND")]
    for variables, code in cases:
        result = await grocer.execute(FUNDED, **variables)
        assert result.errors and result.errors[0].extensions["code"] == code
