"""Closing periods: in calendar order, only once they are over, for good; whatever arrives later
for a closed period is a late item of the next one."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal as D

from exchange.members.service import create_member
from exchange.settlement import storage
from exchange.settlement.errors import SettlementErrorCode
from exchange.settlement.service import add_adjustment, close_settlement, run_settlement
from tests.ledger.helpers import count
from tests.settlement.factories import (
    UTC_ZONE,
    at,
    begin,
    by_code,
    earn,
    lines,
    partner,
    redeem,
    settlement_failure,
)

ADMIN = "admin:test"


async def test_a_purchase_recorded_after_its_month_closed_is_late_in_the_next(db: str) -> None:
    # given March settled and closed: 1000 points issued at 0.010; 0.012 from April
    grocer = await partner("grocer", (at(1, 1), "0.010", "0.008"), (at(1, 4, 0), "0.012", "0.008"))
    member = await create_member()
    await earn(member.id, grocer.id, 1000, at(10))
    closed = await close_settlement("2026-03", ADMIN, UTC_ZONE)
    march_before = await storage.read_statements("2026-03")
    # when a purchase made on 30 March is recorded on 2 April, next to an April purchase
    await earn(member.id, grocer.id, 300, at(30), recorded_at=at(2, 4))
    await earn(member.id, grocer.id, 500, at(5, 4))
    april = await run_settlement("2026-04", ADMIN, UTC_ZONE)
    # then April carries it as a late line at March's price: 300 x 0.010 = 3.00,
    # beside April's own 500 x 0.012 = 6.00
    statement = by_code(april.statements)["grocer"]
    assert lines(statement) == [
        ("issued", 500, D("0.012"), D("-6.00"), False),
        ("issued", 300, D("0.010"), D("-3.00"), True),
    ]
    assert statement.lines[1].description == (
        "300 points issued by grocer at 0.010 EUR (late items, dated in an earlier period)")
    assert statement.net == D("-9.00")
    # and March's stored statements are exactly what the close stored
    assert closed.is_closed
    assert march_before == await storage.read_statements("2026-03")
    assert [s.net for s in march_before] == [D("-10.00")]


async def test_a_closed_period_refuses_runs_closes_and_adjustments(db: str) -> None:
    # given March closed
    grocer = await partner("grocer", (at(1, 1), "0.010", "0.008"))
    member = await create_member()
    await earn(member.id, grocer.id, 1000, at(10))
    await close_settlement("2026-03", ADMIN, UTC_ZONE)
    runs = await count("settlement_runs")
    before = await storage.read_statements("2026-03")
    # when it is run, closed or adjusted again
    errors = [
        await settlement_failure(run_settlement("2026-03", ADMIN, UTC_ZONE)),
        await settlement_failure(close_settlement("2026-03", ADMIN, UTC_ZONE)),
        await settlement_failure(add_adjustment("2026-03", "grocer", D("-1.00"), "fee", ADMIN,
                                                "late-fee", UTC_ZONE)),
    ]
    # then each is refused PERIOD_CLOSED and nothing changed
    assert [e.code for e in errors] == [SettlementErrorCode.PERIOD_CLOSED] * 3
    assert errors[0].message == "2026-03 is closed"
    assert await count("settlement_runs") == runs
    assert await count("settlement_adjustments") == 0
    assert before == await storage.read_statements("2026-03")


async def test_periods_close_in_calendar_order(db: str) -> None:
    # given March closed and April still open
    grocer = await partner("grocer", (at(1, 1), "0.010", "0.008"))
    member = await create_member()
    await earn(member.id, grocer.id, 1000, at(10))
    await earn(member.id, grocer.id, 100, at(10, 5))
    await close_settlement("2026-03", ADMIN, UTC_ZONE)
    # when May is closed before April
    error = await settlement_failure(close_settlement("2026-05", ADMIN, UTC_ZONE))
    # then it is refused, names April, and May stays open
    assert error.code == SettlementErrorCode.EARLIER_PERIOD_OPEN
    assert "2026-04" in error.message
    assert not await storage.is_closed("2026-05")
    # and once April is closed, May closes
    await close_settlement("2026-04", ADMIN, UTC_ZONE)
    may = await close_settlement("2026-05", ADMIN, UTC_ZONE)
    assert [s.net for s in may.statements] == [D("-1.00")]


async def test_a_month_cannot_close_before_it_is_over(db: str) -> None:
    # given the current month (nothing earlier was ever closed)
    now = datetime.now(UTC)
    label = f"{now.year:04d}-{now.month:02d}"
    # when it is closed
    error = await settlement_failure(close_settlement(label, ADMIN, UTC_ZONE))
    # then it is refused and it stays open
    assert error.code == SettlementErrorCode.PERIOD_NOT_OVER
    assert not await storage.is_closed(label)
    assert await count("settlement_runs") == 0


async def test_the_first_period_settled_takes_everything_before_it_as_late(db: str) -> None:
    # given activity in February, which is never settled on its own
    grocer = await partner("grocer", (at(1, 1), "0.010", "0.008"), (at(1, 3, 0), "0.012", "0.009"))
    member = await create_member()
    await earn(member.id, grocer.id, 1000, at(10, 2))
    await redeem(member.id, grocer.id, 400, at(20, 2))
    await earn(member.id, grocer.id, 200, at(5))
    # when March, the first settlement month, is closed
    march = await close_settlement("2026-03", ADMIN, UTC_ZONE)
    # then February's items are late lines at February's prices:
    #   1000 x 0.010 = 10.00 issued, 400 x 0.008 = 3.20 burned; March's 200 x 0.012 = 2.40
    assert lines(by_code(march.statements)["grocer"]) == [
        ("issued", 200, D("0.012"), D("-2.40"), False),
        ("issued", 1000, D("0.010"), D("-10.00"), True),
        ("burned", 400, D("0.008"), D("3.20"), True),
    ]
    # and February, settled within March, is never run on its own
    error = await settlement_failure(run_settlement("2026-02", ADMIN, UTC_ZONE))
    assert error.code == SettlementErrorCode.BEFORE_FIRST_PERIOD
    assert await storage.read_statements("2026-02") == []


async def test_an_open_months_run_never_holds_another_open_months_activity(db: str) -> None:
    # given March (the first month, with February's items late in it), April and May open,
    # each with a purchase of its own, and a March purchase recorded in April
    grocer = await partner("grocer", (at(1, 1), "0.010", "0.008"))
    member = await create_member()
    for points, day, month in ((100, 10, 2), (200, 10, 3), (400, 10, 4), (800, 10, 5)):
        await earn(member.id, grocer.id, points, at(day, month))
    await earn(member.id, grocer.id, 50, at(31, 3, 8), recorded_at=at(2, 4))
    # when each month is run
    runs = {label: await run_settlement(label, ADMIN, UTC_ZONE)
            for label in ("2026-05", "2026-04", "2026-03")}
    # then May and April hold only their own purchase; March its own two and February's late
    issued = {label: [(line.points, line.is_late) for line in done.statements[0].lines]
              for label, done in runs.items()}
    assert issued == {"2026-05": [(800, False)], "2026-04": [(400, False)],
                      "2026-03": [(250, False), (100, True)]}
    # and May cannot close while April is open, nor April while March is
    for label, earlier in (("2026-05", "2026-04"), ("2026-04", "2026-03")):
        error = await settlement_failure(close_settlement(label, ADMIN, UTC_ZONE))
        assert error.code == SettlementErrorCode.EARLIER_PERIOD_OPEN
        assert error.message == f"{earlier} is open: periods close in calendar order from 2026-03"
    assert not any([await storage.is_closed(label) for label in runs])


async def test_the_first_month_moves_only_until_a_period_closes(db: str) -> None:
    # given the first month moved back to February (nothing closed yet), and February closed
    await partner("grocer", (at(1, 1), "0.010", "0.008"))
    await begin("2026-02")
    await close_settlement("2026-02", ADMIN, UTC_ZONE)
    # when it is set again: to the same month, and to January
    await begin("2026-02")
    error = await settlement_failure(begin("2026-01"))
    # then the same month is a no-op, the move is refused, and January is before settlement
    assert error.code == SettlementErrorCode.PERIOD_CLOSED
    assert await storage.first_period() == "2026-02"
    january = await settlement_failure(run_settlement("2026-01", ADMIN, UTC_ZONE))
    assert january.code == SettlementErrorCode.BEFORE_FIRST_PERIOD


async def test_the_first_month_never_moves_past_a_month_already_run_or_adjusted(db: str) -> None:
    # given March, the first month, with a credit to the grocer
    await partner("grocer", (at(1, 1), "0.010", "0.008"))
    await add_adjustment("2026-03", "grocer", D("10.00"), "credit", ADMIN, "credit", UTC_ZONE)
    # when the first month is moved to April
    error = await settlement_failure(begin("2026-04"))
    # then it is refused (the credit would never be settled); moving back to February is fine
    assert error.code == SettlementErrorCode.EARLIER_PERIOD_OPEN
    assert error.message == ("2026-03 was already run or adjusted: the first month can move "
                             "only to 2026-03 or earlier")
    assert await storage.first_period() == "2026-03"
    await begin("2026-02")
    assert await storage.first_period() == "2026-02"
