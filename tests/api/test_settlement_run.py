"""settlementRun: admins build every partner's statement; partners may not."""

from __future__ import annotations

from tests.api.settlement_helpers import as_admin, as_partner, error_code, march_activity
from tests.ledger.helpers import snapshot

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
