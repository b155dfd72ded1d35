"""settlementClose: a last run, then the period never changes."""

from __future__ import annotations

from tests.api.settlement_helpers import as_admin, as_partner, error_code, march_activity

CLOSE = """
mutation($period: String!) {
  settlementClose(input: {period: $period}) {
    settlement { period isClosed statements { partnerCode net { amount } } }
    errors { field code }
  }
}"""
RUN = """
mutation($period: String!) {
  settlementRun(input: {period: $period}) { settlement { period } errors { code } }
}"""


async def test_a_closed_period_refuses_another_run(db: str) -> None:
    # given March closed by an admin
    await march_activity()
    closed = await as_admin(CLOSE, period="2026-03")
    assert closed.data["settlementClose"]["settlement"]["isClosed"] is True
    # when someone runs it again
    again = await as_admin(RUN, period="2026-03")
    # then it is refused: a closed period never changes
    assert again.data["settlementRun"]["errors"] == [{"code": "PERIOD_CLOSED"}]


async def test_a_month_that_is_not_over_cannot_close(db: str) -> None:
    await march_activity()
    result = await as_admin(CLOSE, period="2099-01")
    assert result.data["settlementClose"]["errors"] == [
        {"field": ["period"], "code": "PERIOD_NOT_OVER"}]


async def test_a_partner_cannot_close(db: str) -> None:
    march = await march_activity()
    assert error_code(await as_partner(march.fuel, CLOSE, period="2026-03")) == "FORBIDDEN"
