"""partnerRates: a partner's dated rates with all their prices; an admin reads any partner's,
a partner only its own."""

from __future__ import annotations

from decimal import Decimal

from exchange.registry.rates import Rate, set_rate
from tests.api.operations import Caller, partner_with_rate
from tests.api.settlement_helpers import as_admin
from tests.settlement.factories import at

RATES = """
query($code: String) {
  partnerRates(partnerCode: $code) {
    partnerCode purchaseCurrency validFrom validUntil earnRate
    categoryMultipliers { category multiplier }
    settlementCurrency issuePrice redemptionPrice
  }
}"""


async def _grocer_with_three_rates() -> Caller:
    """EUR from the epoch (0.01 / 0.008), EUR from 1 March (0.012 / 0.009, fresh x2), and USD."""
    grocer = await partner_with_rate()
    await set_rate(Rate(grocer.partner.id, "EUR", at(1), Decimal(1), Decimal("0.012"),
                        Decimal("0.009"), {"fresh": Decimal(2)}))
    await set_rate(Rate(grocer.partner.id, "USD", at(1), Decimal("0.9"), Decimal("0.5"),
                        Decimal("0.5")))
    return grocer


async def test_an_admin_reads_every_rate_with_all_prices(db: str) -> None:
    # given a grocer with two EUR rates and a USD one
    await _grocer_with_three_rates()
    # when an admin reads its rates
    result = await as_admin(RATES, code="grocer")
    # then each is there, oldest first per currency, the first EUR one until the second
    assert result.errors is None
    rows = result.data["partnerRates"]
    assert [(r["purchaseCurrency"], r["earnRate"], r["issuePrice"], r["redemptionPrice"],
             r["categoryMultipliers"]) for r in rows] == [
        ("EUR", "1", "0.01", "0.008", []),
        ("EUR", "1", "0.012", "0.009", [{"category": "fresh", "multiplier": "2"}]),
        ("USD", "0.9", "0.5", "0.5", []),
    ]
    assert rows[0]["validUntil"] == rows[1]["validFrom"]
    assert rows[1]["validUntil"] is None and rows[2]["validUntil"] is None
    assert {(r["partnerCode"], r["settlementCurrency"]) for r in rows} == {("grocer", "EUR")}


async def test_a_partner_reads_only_its_own_rates(db: str) -> None:
    # given a grocer and a fuel station, each with rates
    grocer = await _grocer_with_three_rates()
    await partner_with_rate("fuel")
    # when the grocer asks for its own, and for the fuel station's
    own = await grocer.execute(RATES)
    named = await grocer.execute(RATES, code="grocer")
    other = await grocer.execute(RATES, code="fuel")
    # then it gets its own three, and a FORBIDDEN without any of fuel's
    assert own.data is not None and named.data is not None
    assert len(own.data["partnerRates"]) == 3 and own.data == named.data
    assert other.data is None
    assert other.errors is not None
    assert other.errors[0].extensions == {"code": "FORBIDDEN"}


async def test_an_admin_must_name_a_known_partner(db: str) -> None:
    # given a grocer
    await partner_with_rate()
    # when an admin names no partner, or an unknown one
    unnamed = await as_admin(RATES)
    unknown = await as_admin(RATES, code="bakery")
    # then each is a coded error
    assert [r.errors[0].extensions["code"] for r in (unnamed, unknown)] == [
        "INVALID_INPUT", "PARTNER_NOT_FOUND"]
