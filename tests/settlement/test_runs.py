"""Runs of an open period: repeatable, refused as a whole when a transfer has no price, and one
at a time (a lease on the period)."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from exchange import limits
from exchange.clock import now_us, seconds_to_us
from exchange.db import connection, execute, fetch_value
from exchange.ledger import reporting
from exchange.members.service import create_member
from exchange.program.errors import ProgramErrorCode
from exchange.settlement import storage
from exchange.settlement.errors import SettlementErrorCode
from exchange.settlement.service import run_settlement
from tests.ledger.helpers import row
from tests.ledger.helpers import snapshot as ledger_snapshot
from tests.settlement.factories import (
    UTC_ZONE,
    at,
    by_code,
    earn,
    lines,
    partner,
    price,
    redeem,
    refund_purchase,
    settlement_failure,
    unpriced_transfer,
)

ADMIN = "admin:test"


async def _march() -> tuple[int, int]:
    """A grocer and a fuel station with March activity; their ids."""
    grocer = await partner("grocer", (at(1, 1), "0.010", "0.008"))
    fuel = await partner("fuel", (at(1, 1), "0.020", "0.015"))
    member = await create_member()
    await earn(member.id, grocer.id, 1000, at(10))
    await redeem(member.id, fuel.id, 300, at(12))
    return grocer.id, fuel.id


async def test_running_an_open_period_again_gives_the_same_statements(db: str) -> None:
    # given March run once
    await _march()
    first = await run_settlement("2026-03", ADMIN, UTC_ZONE)
    stored = await storage.read_statements("2026-03")
    # when it is run again on the same ledger
    again = await run_settlement("2026-03", ADMIN, UTC_ZONE)
    # then statements and checksum are identical, and both runs are on record
    assert again.checksum == first.checksum
    assert again.statements == first.statements
    assert await storage.read_statements("2026-03") == stored
    runs = await storage.read_runs("2026-03")
    assert [(r.outcome, r.checksum) for r in runs] == [("succeeded", first.checksum)] * 2
    assert again.run_id != first.run_id


async def test_a_new_transfer_changes_the_checksum(db: str) -> None:
    # given March run once
    grocer_id, _ = await _march()
    first = await run_settlement("2026-03", ADMIN, UTC_ZONE)
    # when one more point is issued in March and the period is run again
    member = await create_member()
    await earn(member.id, grocer_id, 1, at(28))
    again = await run_settlement("2026-03", ADMIN, UTC_ZONE)
    # then the checksum says the statements changed: 1001 x 0.010 = 10.01
    assert again.checksum != first.checksum
    assert [s.net for s in again.statements] == [D("4.50"), D("-10.01")]


async def test_points_a_partner_has_no_price_for_are_never_moved(db: str) -> None:
    # given a cinema whose EUR prices start on 15 March (its USD purchase rate does not count:
    # it settles in EUR)
    cinema = await partner("cinema", (at(15), "0.020", "0.015"))
    await price(cinema.id, at(1, 1), "0.5", "0.5", currency="USD")
    member = await create_member()
    before = await ledger_snapshot()
    # when it issues points on 10 March
    error = await settlement_failure(earn(member.id, cinema.id, 100, at(10)))
    # then the purchase is refused NO_RATE and nothing moved; from 15 March it is charged
    assert error.code == ProgramErrorCode.NO_RATE
    assert await ledger_snapshot() == before
    await earn(member.id, cinema.id, 100, at(16))
    march = await run_settlement("2026-03", ADMIN, UTC_ZONE)
    assert lines(by_code(march.statements)["cinema"]) == [
        ("issued", 100, D("0.020"), D("-2.00"), False)]


async def test_a_transfer_without_a_price_refuses_the_whole_run(db: str) -> None:
    # given March run once, then a transfer of grocer's without a price (as an upgraded
    # database may hold)
    await _march()
    first = await run_settlement("2026-03", ADMIN, UTC_ZONE)
    before = await storage.read_statements("2026-03")
    grocer = await fetch_value(connection(), int, "SELECT id FROM partners WHERE code = 'grocer'")
    assert grocer is not None
    await unpriced_transfer(grocer, at(20))
    # when March is run again
    error = await settlement_failure(run_settlement("2026-03", ADMIN, UTC_ZONE))
    # then it is refused NO_PRICE, recorded as a refused run, and the statements are untouched
    assert error.code == SettlementErrorCode.NO_PRICE
    assert "grocer" in error.message
    runs = await storage.read_runs("2026-03")
    assert [(r.outcome, r.checksum) for r in runs] == [
        ("succeeded", first.checksum), ("refused", "")]
    assert runs[-1].message == error.message
    assert await storage.read_statements("2026-03") == before


async def test_a_second_run_while_one_holds_the_lease_is_refused(db: str) -> None:
    # given March run once, then another run holding the period's lease since now
    await _march()
    await run_settlement("2026-03", ADMIN, UTC_ZONE)
    before = await storage.read_statements("2026-03")
    await execute(connection(), "UPDATE settlement_periods SET running_since = $1 "
                                "WHERE period = $2", now_us(), "2026-03")
    # when a second run starts
    error = await settlement_failure(run_settlement("2026-03", "admin:other", UTC_ZONE))
    # then it is refused SETTLEMENT_RUNNING, leaves no run behind and the lease in place
    assert error.code == SettlementErrorCode.SETTLEMENT_RUNNING
    assert len(await storage.read_runs("2026-03")) == 1
    assert await storage.read_statements("2026-03") == before
    lease = await row("SELECT running_since FROM settlement_periods WHERE period = $1", "2026-03")
    assert lease["running_since"] is not None


async def test_a_lease_left_by_a_dead_run_lapses(db: str) -> None:
    # given a lease taken longer ago than a run may take (its run died)
    await _march()
    await run_settlement("2026-03", ADMIN, UTC_ZONE)
    stale = now_us() - seconds_to_us(limits.settlement_lease_seconds + 1)
    await execute(connection(), "UPDATE settlement_periods SET running_since = $1 "
                                "WHERE period = $2", stale, "2026-03")
    # when a run starts
    settled = await run_settlement("2026-03", ADMIN, UTC_ZONE)
    # then it goes through and gives the lease back
    assert len(settled.statements) == 2
    lease = await row("SELECT running_since FROM settlement_periods WHERE period = $1", "2026-03")
    assert lease["running_since"] is None


async def test_statements_priced_unlike_the_ledger_refuse_the_run(
    db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given March run once, a new issue price from 15 March, a refund of a quarter of a
    # purchase charged at the old one, and a planted bug: the statements price points coming
    # back by looking the rate up again (the newest), not at the price charged
    grocer = await partner("grocer", (at(1, 1), "0.010", "0.008"))
    member = await create_member()
    order, _ = await earn(member.id, grocer.id, 1000, at(10))
    first = await run_settlement("2026-03", ADMIN, UTC_ZONE)
    before = await storage.read_statements("2026-03")
    await price(grocer.id, at(15), "0.012", "0.008")
    await refund_purchase(grocer.id, order, 25_000, at(20))
    correct = reporting._issued_sql

    def repriced(ids: str) -> str:
        head, union, back = correct(ids).partition("UNION ALL")
        newest = "(SELECT MAX(r.issue_price) FROM partner_rates r) AS price"
        return head + union + back.replace("t.issue_price AS price", newest)

    monkeypatch.setattr(reporting, "_issued_sql", repriced)
    # when March is run again
    error = await settlement_failure(run_settlement("2026-03", ADMIN, UTC_ZONE))
    # then the statements (-1000 x 0.010 + 250 x 0.012 = -7.00) and the operator's result,
    # read from the partner accounts' own movements (10.00 - 250 x 0.010 = 7.50), do not sum
    # to zero: refused, recorded, and the statements untouched
    assert error.code == SettlementErrorCode.LEDGER_MISMATCH
    assert error.message == "EUR: statements -7.00 and operator 7.50 do not sum to zero"
    runs = await storage.read_runs("2026-03")
    assert [(r.outcome, r.checksum) for r in runs] == [
        ("succeeded", first.checksum), ("refused", "")]
    assert await storage.read_statements("2026-03") == before
    # and without the bug the run goes through: -1000 x 0.010 + 250 x 0.010 = -7.50
    monkeypatch.setattr(reporting, "_issued_sql", correct)
    fixed = await run_settlement("2026-03", ADMIN, UTC_ZONE)
    assert [s.net for s in fixed.statements] == [D("-7.50")]
