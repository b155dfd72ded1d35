"""liabilityByMonth: the points members held at each month end and their value at the issue
prices charged, per currency (admins only; a bounded number of months)."""

from __future__ import annotations

import pytest

from exchange import limits
from exchange.settlement import liability
from tests.api.settlement_helpers import as_admin, as_partner, error_code, march_activity
from tests.settlement.factories import at

LIABILITY = """
query($months: Int!) { liabilityByMonth(months: $months) {
  month at points unpricedPoints values { points value { amount currency } } } }"""


@pytest.fixture(autouse=True)
def mid_april(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(liability, "now_us", lambda: at(15, 4))


async def test_an_admin_sees_what_members_held_at_each_month_end(db: str) -> None:
    # given March: grocer issued 1000 at 0.010 EUR, fuel 200 at 0.020, 300 burned at fuel
    # (from fuel's lot, which expires first)
    await march_activity()
    # when an admin asks for the last three months in mid-April
    result = await as_admin(LIABILITY, months=3)
    # then February held nothing, March and April's "now" the 900 left, at their issue prices
    assert result.errors is None
    assert result.data["liabilityByMonth"] == [
        {"month": "2026-02", "at": "2026-03-01T00:00:00+00:00", "points": 0,
         "unpricedPoints": 0, "values": []},
        {"month": "2026-03", "at": "2026-04-01T00:00:00+00:00", "points": 900,
         "unpricedPoints": 0, "values": [
             {"points": 900, "value": {"amount": "9.000", "currency": "EUR"}}]},
        {"month": "2026-04", "at": "2026-04-15T12:00:00+00:00", "points": 900,
         "unpricedPoints": 0, "values": [
             {"points": 900, "value": {"amount": "9.000", "currency": "EUR"}}]},
    ]


@pytest.mark.parametrize("months", [0, limits.report_months_max + 1])
async def test_a_window_out_of_bounds_is_a_coded_error(db: str, months: int) -> None:
    result = await as_admin(LIABILITY, months=months)
    assert error_code(result) == "LIMIT_EXCEEDED"
    assert result.data is None


async def test_a_partner_is_forbidden(db: str) -> None:
    given = await march_activity()
    assert error_code(await as_partner(given.fuel, LIABILITY, months=1)) == "FORBIDDEN"
