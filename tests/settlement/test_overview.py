"""Where each settlement period stands: every month from the first settlement month to the
current one, closed, open (run, not closed) or never run, with its last run and its close."""

from __future__ import annotations

from exchange.db import connection, execute
from exchange.members.service import create_member
from exchange.settlement.overview import PeriodState, month_labels, period_statuses
from exchange.settlement.service import close_settlement, run_settlement
from tests.settlement.factories import (
    UTC_ZONE,
    at,
    begin,
    earn,
    partner,
    settlement_failure,
    unpriced_transfer,
)


async def test_each_month_from_the_first_shows_where_it_stands(db: str) -> None:
    # given a coalition settling from March: March closed, April run, May refused (a transfer
    # without a price), June never run
    grocer = await partner("grocer", (at(1, 1), "0.010", "0.008"))
    member = await create_member()
    await earn(member.id, grocer.id, 100, at(10))
    await close_settlement("2026-03", "admin:ada", UTC_ZONE)
    await run_settlement("2026-04", "admin:bob", UTC_ZONE)
    await unpriced_transfer(grocer.id, at(5, 5))
    await settlement_failure(run_settlement("2026-05", "admin:bob", UTC_ZONE))
    # when the periods are read in mid-June
    found = await period_statuses(UTC_ZONE, at=at(15, 6))
    # then every month from March to June is listed with its state
    assert [(p.period, p.state) for p in found] == [
        ("2026-03", PeriodState.CLOSED), ("2026-04", PeriodState.OPEN),
        ("2026-05", PeriodState.OPEN), ("2026-06", PeriodState.NEVER_RUN)]
    march, april, may, june = found
    # and who closed March, and when
    assert march.closed_by == "admin:ada" and march.closed_at is not None
    assert march.last_run is not None and march.last_run.outcome == "succeeded"
    # and April's last run, May's refusal with its reason, June with no run at all
    assert april.last_run is not None and april.last_run.run_by == "admin:bob"
    assert april.closed_at is None and april.closed_by is None
    assert may.last_run is not None and may.last_run.outcome == "refused"
    assert may.last_run.message
    assert (june.last_run, june.closed_at) == (None, None)


async def test_the_list_starts_at_the_first_settlement_month(db: str) -> None:
    # given a coalition that settles from January
    await begin("2026-01")
    # when the periods are read in March
    found = await period_statuses(UTC_ZONE, at=at(15, 3))
    # then January to March are listed, never run
    assert [(p.period, p.state) for p in found] == [
        ("2026-01", PeriodState.NEVER_RUN), ("2026-02", PeriodState.NEVER_RUN),
        ("2026-03", PeriodState.NEVER_RUN)]


async def test_a_first_month_still_ahead_is_listed_alone(db: str) -> None:
    # given a coalition that settles from March, read in February
    found = await period_statuses(UTC_ZONE, at=at(15, 2))
    # then March alone is listed
    assert [(p.period, p.state) for p in found] == [("2026-03", PeriodState.NEVER_RUN)]


def test_month_labels_cross_a_year() -> None:
    assert month_labels("2025-11", "2026-02") == ["2025-11", "2025-12", "2026-01", "2026-02"]
    assert month_labels("2026-02", "2026-02") == ["2026-02"]


async def test_before_the_first_month_is_set_the_current_month_is_listed(db: str) -> None:
    # given a coalition whose first settlement month was never set
    await execute(connection(), "DELETE FROM settlement_start")
    # when the periods are read in June
    found = await period_statuses(UTC_ZONE, at=at(15, 6))
    # then the current month is listed, never run
    assert [(p.period, p.state) for p in found] == [("2026-06", PeriodState.NEVER_RUN)]
