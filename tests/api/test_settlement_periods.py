"""settlementPeriods: every month from the first settlement month to the current one, and where
it stands (admins only)."""

from __future__ import annotations

import pytest

from exchange.settlement import overview
from exchange.settlement.service import close_settlement, run_settlement
from tests.api.settlement_helpers import as_admin, as_partner, error_code, march_activity
from tests.settlement.factories import at

PERIODS = """
query { settlementPeriods {
  period status lastRunAt lastRunBy lastRunOutcome lastRunMessage closedAt closedBy } }"""


@pytest.fixture(autouse=True)
def mid_may(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(overview, "now_us", lambda: at(15, 5))


async def test_an_admin_sees_each_period_and_where_it_stands(db: str) -> None:
    # given a coalition settling from March: March closed, April run
    await march_activity()
    await close_settlement("2026-03", "admin:ada", "UTC")
    await run_settlement("2026-04", "admin:bob", "UTC")
    # when an admin asks in mid-May
    result = await as_admin(PERIODS)
    # then March is closed, April open, May never run
    assert result.errors is None
    found = result.data["settlementPeriods"]
    assert [(p["period"], p["status"]) for p in found] == [
        ("2026-03", "CLOSED"), ("2026-04", "OPEN"), ("2026-05", "NEVER_RUN")]
    march, april, may = found
    assert (march["closedBy"], march["lastRunOutcome"]) == ("admin:ada", "succeeded")
    assert march["closedAt"].endswith("+00:00")
    assert (april["lastRunBy"], april["lastRunOutcome"], april["closedAt"]) == (
        "admin:bob", "succeeded", None)
    assert may == {"period": "2026-05", "status": "NEVER_RUN", "lastRunAt": None,
                   "lastRunBy": None, "lastRunOutcome": None, "lastRunMessage": None,
                   "closedAt": None, "closedBy": None}


async def test_a_partner_is_forbidden(db: str) -> None:
    given = await march_activity()
    result = await as_partner(given.grocer, PERIODS)
    assert error_code(result) == "FORBIDDEN"
    assert result.data is None
