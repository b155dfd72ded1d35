"""settlementClose: a last run, then the period never changes."""

from __future__ import annotations

from exchange.members.service import create_member
from exchange.settlement import storage
from tests.api.settlement_helpers import as_admin, as_partner, error_code, march_activity
from tests.ledger.helpers import snapshot
from tests.settlement.factories import at, earn

CLOSE = """
mutation($period: String!) {
  settlementClose(input: {period: $period}) {
    settlement { period isClosed statements { partnerCode net { amount } } }
    errors { field code }
  }
}"""
RUN = """
mutation($period: String!) {
  settlementRun(input: {period: $period}) { settlement { period } errors { code message } }
}"""


async def test_a_closed_period_refuses_another_run(db: str) -> None:
    # given March closed by an admin
    await march_activity()
    closed = await as_admin(CLOSE, period="2026-03")
    assert closed.data["settlementClose"]["settlement"]["isClosed"] is True
    # when someone runs it again
    again = await as_admin(RUN, period="2026-03")
    # then it is refused: a closed period never changes
    assert again.data["settlementRun"]["errors"] == [
        {"code": "PERIOD_CLOSED", "message": "2026-03 is closed"}]


async def test_a_month_that_is_not_over_cannot_close(db: str) -> None:
    await march_activity()
    result = await as_admin(CLOSE, period="2099-01")
    assert result.data["settlementClose"]["errors"] == [
        {"field": ["period"], "code": "PERIOD_NOT_OVER"}]


async def test_a_partner_cannot_close(db: str) -> None:
    march = await march_activity()
    assert error_code(await as_partner(march.fuel, CLOSE, period="2026-03")) == "FORBIDDEN"


async def test_a_month_cannot_close_while_an_earlier_one_is_open(db: str) -> None:
    # given March (the first month, run) and April, both open, each with activity
    march = await march_activity()
    member = await create_member()
    await earn(member.id, march.grocer.id, 40, at(8, 4))
    assert (await as_admin(RUN, period="2026-03")).data["settlementRun"]["errors"] == []
    before = await snapshot()
    # when an admin closes April first
    result = await as_admin(CLOSE, period="2026-04")
    # then it is refused, names March, and nothing changed; once March closes, April does
    assert result.data["settlementClose"] == {"settlement": None, "errors": [
        {"field": ["period"], "code": "EARLIER_PERIOD_OPEN"}]}
    assert await snapshot() == before
    assert not await storage.is_closed("2026-04")
    for label in ("2026-03", "2026-04"):
        closed = await as_admin(CLOSE, period=label)
        assert closed.data["settlementClose"]["settlement"]["isClosed"] is True
