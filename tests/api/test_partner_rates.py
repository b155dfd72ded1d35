"""partnerRates: a partner's dated rates with all their prices, through the real app. An admin
(bearer token) names any partner; a signed partner reads only its own, and naming another
partner is FORBIDDEN whether that partner exists or not."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from exchange.clock import from_us
from exchange.registry.admin_tokens import create_token
from exchange.registry.rates import Rate, list_rates, set_rate
from tests.api.client import (
    TestPartnerKey,
    admin_api_client,
    api_client,
    graphql,
    register_partner,
    signed_api_client,
)
from tests.ledger.helpers import snapshot
from tests.settlement.factories import at

RATES = """
query($code: String) {
  partnerRates(partnerCode: $code) {
    partnerCode purchaseCurrency validFrom validUntil earnRate
    categoryMultipliers { category multiplier }
    settlementCurrency issuePrice redemptionPrice createdAt
  }
}"""


async def _with_three_rates(code: str = "grocer") -> TestPartnerKey:
    """EUR from 1 March (0.01 / 0.008), EUR from 10 March (0.0125 / 0.009, fresh x2.5), USD."""
    key = await register_partner(code)
    for rate in (
        Rate(key.partner_id, "EUR", at(1), Decimal(1), Decimal("0.01"), Decimal("0.008")),
        Rate(key.partner_id, "EUR", at(10), Decimal("1.5"), Decimal("0.0125"), Decimal("0.009"),
             {"fresh": Decimal("2.5")}),
        Rate(key.partner_id, "USD", at(1), Decimal("0.9"), Decimal("0.5"), Decimal("0.4")),
    ):
        await set_rate(rate)
    return key


async def _as_admin(**variables: Any) -> dict[str, Any]:
    token, _ = await create_token("ops", 30)
    async with admin_api_client(token) as client:
        response = await graphql(client, RATES, **variables)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def _as_partner(key: TestPartnerKey, **variables: Any) -> dict[str, Any]:
    async with signed_api_client(key) as client:
        response = await graphql(client, RATES, **variables)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def test_an_admin_reads_every_rate_with_all_prices_as_exact_decimals(db: str) -> None:
    # given a grocer with two EUR rates and a USD one, and a fuel station with its own
    grocer = await _with_three_rates()
    await _with_three_rates("fuel")
    # when an admin reads the grocer's rates
    body = await _as_admin(code="grocer")
    # then each is there with every price as an exact decimal string, oldest first per currency
    assert "errors" not in body
    rows = body["data"]["partnerRates"]
    assert [(r["purchaseCurrency"], r["validFrom"], r["validUntil"], r["earnRate"],
             r["categoryMultipliers"], r["issuePrice"], r["redemptionPrice"]) for r in rows] == [
        ("EUR", "2026-03-01T12:00:00+00:00", "2026-03-10T12:00:00+00:00", "1", [], "0.01",
         "0.008"),
        ("EUR", "2026-03-10T12:00:00+00:00", None, "1.5",
         [{"category": "fresh", "multiplier": "2.5"}], "0.0125", "0.009"),
        ("USD", "2026-03-01T12:00:00+00:00", None, "0.9", [], "0.5", "0.4"),
    ]
    assert {(r["partnerCode"], r["settlementCurrency"]) for r in rows} == {("grocer", "EUR")}
    stored = await list_rates(grocer.partner_id)
    assert [r["createdAt"] for r in rows] == [from_us(s.created_at).isoformat() for s in stored]


async def test_a_partner_reads_its_own_rates(db: str) -> None:
    # given a grocer with three rates, and a fuel station with its own
    grocer = await _with_three_rates()
    await _with_three_rates("fuel")
    # when the grocer asks without a code, and with its own
    unnamed = await _as_partner(grocer)
    named = await _as_partner(grocer, code="grocer")
    # then both give its three rates, and only its own
    assert "errors" not in unnamed and unnamed == named
    rows = unnamed["data"]["partnerRates"]
    assert [(r["partnerCode"], r["purchaseCurrency"], r["issuePrice"]) for r in rows] == [
        ("grocer", "EUR", "0.01"), ("grocer", "EUR", "0.0125"), ("grocer", "USD", "0.5")]


async def test_a_partner_naming_another_gets_forbidden_and_nothing_of_it(db: str) -> None:
    # given a grocer and a fuel station, each with rates
    grocer = await _with_three_rates()
    await _with_three_rates("fuel")
    before = await snapshot()
    # when the grocer names the fuel station, and a partner that does not exist
    other = await _as_partner(grocer, code="fuel")
    unknown = await _as_partner(grocer, code="bakery")
    # then both are the same FORBIDDEN, carrying no data (nothing tells whether fuel exists)
    for refused in (other, unknown):
        assert refused["data"] is None
        assert [e["extensions"]["code"] for e in refused["errors"]] == ["FORBIDDEN"]
    assert other["errors"][0]["message"] == unknown["errors"][0]["message"]
    assert "fuel" not in str(other)
    assert await snapshot() == before


async def test_an_admin_must_name_a_known_partner(db: str) -> None:
    # given a grocer
    await _with_three_rates()
    # when an admin names no partner, or an unknown one
    unnamed = await _as_admin()
    unknown = await _as_admin(code="bakery")
    # then each is a coded error without data
    assert [(r["data"], r["errors"][0]["extensions"]["code"]) for r in (unnamed, unknown)] == [
        (None, "INVALID_INPUT"), (None, "PARTNER_NOT_FOUND")]


async def test_a_partner_without_rates_reads_none(db: str) -> None:
    # given a partner not yet given a rate
    key = await register_partner("bakery")
    # when it and an admin read its rates
    own = await _as_partner(key)
    admin = await _as_admin(code="bakery")
    # then both get an empty list
    assert own == admin == {"data": {"partnerRates": []}}


async def test_an_anonymous_caller_reads_nothing(db: str) -> None:
    # given a grocer with rates
    await _with_three_rates()
    # when someone calls without a signature or a token
    async with api_client() as client:
        response = await graphql(client, RATES, code="grocer")
    # then it is refused before anything runs
    assert response.status_code == 401
    assert "0.01" not in response.text
