"""breakageByMonth: the points that expired to breakage in each month and their value at the
issue prices charged, per currency (admins only; a bounded number of months)."""

from __future__ import annotations

import pytest

from exchange import limits
from exchange.members.service import create_member
from exchange.operations import sweeps
from exchange.settlement import liability
from tests.api.settlement_helpers import as_admin, as_partner, error_code
from tests.settlement.factories import at, earn, partner

BREAKAGE = """
query($months: Int!) { breakageByMonth(months: $months) {
  month points unpricedPoints values { points value { amount currency } } } }"""


@pytest.fixture(autouse=True)
def mid_may(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(liability, "now_us", lambda: at(15, 5))


async def test_an_admin_sees_what_expired_in_each_month(db: str) -> None:
    # given 40 grocer points (0.010 EUR) and 10 air points (0.5 USD) that expired in April
    grocer = await partner("grocer", (at(1, 1), "0.010", "0.008"))
    air = await partner("air", (at(1, 1), "0.5", "0.4"), currency="USD")
    member = await create_member()
    await earn(member.id, grocer.id, 40, at(1, 4), lifetime_days=5)
    await earn(member.id, air.id, 10, at(2, 4), lifetime_days=5)
    await sweeps.run_sweeps(at(20, 4))
    # when an admin asks for the last two months in mid-May
    result = await as_admin(BREAKAGE, months=2)
    # then April has both, each in its issuer's currency, and May nothing
    assert result.errors is None
    assert result.data["breakageByMonth"] == [
        {"month": "2026-04", "points": 50, "unpricedPoints": 0, "values": [
            {"points": 40, "value": {"amount": "0.400", "currency": "EUR"}},
            {"points": 10, "value": {"amount": "5.0", "currency": "USD"}}]},
        {"month": "2026-05", "points": 0, "unpricedPoints": 0, "values": []},
    ]


@pytest.mark.parametrize("months", [-3, limits.report_months_max + 1])
async def test_a_window_out_of_bounds_is_a_coded_error(db: str, months: int) -> None:
    result = await as_admin(BREAKAGE, months=months)
    assert error_code(result) == "LIMIT_EXCEEDED"
    assert result.data is None


async def test_a_partner_is_forbidden(db: str) -> None:
    grocer = await partner("grocer", (at(1, 1), "0.010", "0.008"))
    assert error_code(await as_partner(grocer, BREAKAGE, months=1)) == "FORBIDDEN"
