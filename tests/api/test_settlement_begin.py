"""settlementBegin: an admin sets the coalition's first settlement month, once periods are to be
settled; it moves only while no period is closed."""

from __future__ import annotations

from exchange.settlement import storage
from tests.api.settlement_helpers import (
    BEGIN,
    as_admin,
    as_partner,
    begin,
    error_code,
    march_activity,
)
from tests.ledger.helpers import count, snapshot

RUN = """
mutation($period: String!) {
  settlementRun(input: {period: $period}) {
    settlement { statements { partnerCode lines { points isLate } } }
    errors { field code message }
  }
}"""
CLOSE = """
mutation($period: String!) {
  settlementClose(input: {period: $period}) { settlement { isClosed } errors { code } }
}"""


async def test_nothing_settles_before_the_first_month_is_set(db: str) -> None:
    # given March's activity, and no first settlement month
    await march_activity(first_month=None)
    # when an admin runs March
    result = await as_admin(RUN, period="2026-03")
    # then it is refused, says how to set it, and nothing was recorded
    assert result.data["settlementRun"] == {"settlement": None, "errors": [{
        "field": ["period"], "code": "FIRST_PERIOD_NOT_SET",
        "message": "set the first settlement month first: exchange settle begin --period YYYY-MM",
    }]}
    assert (await count("settlement_periods"), await count("settlement_runs")) == (0, 0)


async def test_the_first_month_takes_everything_before_it_as_late(db: str) -> None:
    # given February's activity (a purchase dated 20 February) and March's
    await march_activity(first_month=None, february=True)
    # when an admin sets March as the first month and runs it
    await begin("2026-03")
    result = await as_admin(RUN, period="2026-03")
    # then February's purchase is a late line of March, and February is before settlement
    lines = {s["partnerCode"]: s["lines"] for s in
             result.data["settlementRun"]["settlement"]["statements"]}
    assert {"points": 70, "isLate": True} in lines["grocer"]
    february = await as_admin(RUN, period="2026-02")
    assert february.data["settlementRun"]["errors"][0]["code"] == "BEFORE_FIRST_PERIOD"


async def test_the_first_month_cannot_move_once_a_period_is_closed(db: str) -> None:
    # given March, the first month, closed
    await march_activity()
    assert (await as_admin(CLOSE, period="2026-03")).data["settlementClose"]["errors"] == []
    before = await snapshot()
    # when an admin moves the first month back to February
    result = await as_admin(BEGIN, period="2026-02")
    # then it is refused and the first month is still March
    assert result.data["settlementBegin"]["firstPeriod"] is None
    assert [e["code"] for e in result.data["settlementBegin"]["errors"]] == ["PERIOD_CLOSED"]
    assert await storage.first_period() == "2026-03"
    assert await snapshot() == before


async def test_a_malformed_month_is_refused(db: str) -> None:
    result = await as_admin(BEGIN, period="2026-3")
    assert result.data["settlementBegin"]["errors"] == [
        {"field": ["period"], "code": "INVALID_PERIOD", "message": "a period is YYYY-MM"}]
    assert await storage.first_period() is None


async def test_a_partner_cannot_set_the_first_month(db: str) -> None:
    march = await march_activity(first_month=None)
    assert error_code(await as_partner(march.grocer, BEGIN, period="2026-03")) == "FORBIDDEN"
    assert await storage.first_period() is None
