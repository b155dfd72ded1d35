"""settlementRun: admins build every partner's statement; partners may not."""

from __future__ import annotations

from decimal import Decimal

from exchange.clock import now_us, seconds_to_us
from exchange.config import load_settings
from exchange.members.service import create_member
from exchange.registry.rates import Rate, set_rate
from exchange.settlement.periods import label_of
from tests.api.operations import enrolled_card, partner_with_rate, purchased, recently
from tests.api.settlement_helpers import as_admin, as_partner, begin, error_code, march_activity
from tests.ledger.helpers import snapshot
from tests.settlement.factories import at, earn

REFUND = """
mutation($input: PurchaseRefundInput!) {
  purchaseRefund(input: $input) { pointsReversed errors { code } }
}"""

RUN = """
mutation($period: String!) {
  settlementRun(input: {period: $period}) {
    settlement { period isClosed checksum
      statements { partnerCode net { amount currency }
                   lines { kind points price amount { amount } } }
      operatorResults { issueRevenue { amount } redemptionCost { amount } result { amount } }
      matrix { issuer burnedAt points value { amount } } }
    errors { field code message }
  }
}"""


async def test_an_admin_settles_march(db: str) -> None:
    # given March's activity
    await march_activity()
    # when an admin runs March
    result = await as_admin(RUN, period="2026-03")
    # then grocer owes 1000 x 0.010 = 10.00; fuel gets 300 x 0.015 - 200 x 0.020 = 0.50
    assert result.errors is None
    settlement = result.data["settlementRun"]["settlement"]
    nets = {s["partnerCode"]: s["net"] for s in settlement["statements"]}
    assert nets == {"fuel": {"amount": "0.50", "currency": "EUR"},
                    "grocer": {"amount": "-10.00", "currency": "EUR"}}
    assert settlement["operatorResults"] == [{"issueRevenue": {"amount": "14.00"},
                                              "redemptionCost": {"amount": "4.50"},
                                              "result": {"amount": "9.50"}}]
    assert {(c["issuer"], c["burnedAt"], c["points"]) for c in settlement["matrix"]} == {
        ("fuel", "fuel", 200), ("grocer", "fuel", 100)}
    assert settlement["isClosed"] is False


async def test_a_malformed_period_is_refused_and_nothing_runs(db: str) -> None:
    await march_activity()
    before = await snapshot()
    result = await as_admin(RUN, period="2026-13")
    payload = result.data["settlementRun"]
    assert payload["settlement"] is None
    assert payload["errors"][0]["code"] == "INVALID_PERIOD"
    assert payload["errors"][0]["field"] == ["period"]
    assert await snapshot() == before


async def test_a_partner_cannot_run_settlement(db: str) -> None:
    march = await march_activity()
    result = await as_partner(march.grocer, RUN, period="2026-03")
    assert error_code(result) == "FORBIDDEN"


async def test_an_open_months_run_holds_only_its_own_activity(db: str) -> None:
    # given March (the first month, with a late February purchase) and April, both open
    march = await march_activity(february=True)
    member = await create_member()
    await earn(member.id, march.grocer.id, 40, at(8, 4))
    # when an admin runs April, then March
    april = await as_admin(RUN, period="2026-04")
    first = await as_admin(RUN, period="2026-03")
    # then April holds only its own 40 points; March its own and February's late ones
    points = {label: {s["partnerCode"]: [line["points"] for line in s["lines"]]
                      for s in result.data["settlementRun"]["settlement"]["statements"]}
              for label, result in (("2026-04", april), ("2026-03", first))}
    assert points == {"2026-04": {"grocer": [40]},
                      "2026-03": {"fuel": [200, 300], "grocer": [1000, 70]}}


async def test_a_refund_after_a_rate_change_is_credited_at_the_price_charged(db: str) -> None:
    # given a purchase of 100.00 charged at 0.01 a point this month, then a rate from before
    # that purchase at 0.02, then half of the purchase refunded
    grocer = await partner_with_rate(window_days=0)
    card = await enrolled_card(grocer)
    await purchased(grocer, card, "100.00", orderId="till-1", occurredAt=recently())
    await set_rate(Rate(grocer.partner.id, "EUR", now_us() - seconds_to_us(600), Decimal(1),
                        Decimal("0.02"), Decimal("0.016")))
    refund = await grocer.run(REFUND, input={"orderId": "till-1", "amount": "50.00",
                                             "currency": "EUR", "idempotencyKey": "r-1"})
    assert refund["purchaseRefund"]["pointsReversed"] == 50
    label = label_of(now_us(), load_settings().program_timezone)
    await begin(label)
    # when an admin runs this month
    result = await as_admin(RUN, period=label)
    # then the purchase and its refund are both at the 0.01 charged, one line of the 50
    # points kept: 100 - 50 = 50 x 0.01 = 0.50 (the later rate would have made it 1.00)
    statement = result.data["settlementRun"]["settlement"]["statements"][0]
    assert [(ln["points"], ln["price"], ln["amount"]["amount"]) for ln in statement["lines"]] == [
        (50, "0.01", "-0.50")]
    assert statement["net"] == {"amount": "-0.50", "currency": "EUR"}
