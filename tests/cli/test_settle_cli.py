"""`exchange settle ...` as an operator meets it: run, adjust, export, close, and coded errors."""

from __future__ import annotations

import csv
import getpass
from decimal import Decimal as D
from pathlib import Path

from exchange.clock import to_us
from exchange.members.service import create_member
from exchange.settlement import storage
from tests.cli.test_cli import run_cli
from tests.settlement.factories import at, earn, partner, redeem

BERLIN = {"EXCHANGE_PROGRAM_TIMEZONE": "Europe/Berlin"}


async def _march_in_berlin(database_url: str) -> dict[str, str]:
    """A grocer's March; a purchase at 22:30 UTC on 31 March is April in Berlin (UTC+2)."""
    from datetime import UTC, datetime

    grocer = await partner("grocer", (at(1, 1), "0.010", "0.008"))
    member = await create_member()
    await earn(member.id, grocer.id, 1000, at(10))
    await redeem(member.id, grocer.id, 300, at(20))
    await earn(member.id, grocer.id, 500, to_us(datetime(2026, 3, 31, 22, 30, tzinfo=UTC)))
    return {**BERLIN, "EXCHANGE_DATABASE_URL": database_url}


async def test_run_adjust_export_close(db: str, tmp_path: Path) -> None:
    # given March in Berlin: -1000 x 0.010 + 300 x 0.008 = -10.00 + 2.40 = -7.60, the first
    # settlement month
    env = await _march_in_berlin(db)
    begin = run_cli("settle", "begin", "--period", "2026-03", env=env)
    assert begin.returncode == 0, begin.stderr
    assert "Settlement begins with 2026-03" in begin.stderr
    # when March is run
    run = run_cli("settle", "run", "--period", "2026-03", env=env)
    # then the table shows the grocer's net and the operator's result, the 31 March 22:30 UTC
    # purchase left to April
    assert run.returncode == 0, run.stderr
    tables = run.stdout.partition("Breakage:")[0]
    assert "grocer" in tables and "1000" in tables and "-7.60" in tables
    assert "1500" not in tables
    assert "Operator" in tables and " 7.60" in tables
    # when a 25.00 fee is added twice by the same command, and March is run again
    fee = ("settle", "adjust", "--period", "2026-03", "--partner", "grocer", "--amount",
           "-25.00", "--reason", "platform fee")
    assert [run_cli(*fee, env=env).returncode for _ in range(2)] == [0, 0]
    assert run_cli("settle", "run", "--period", "2026-03", env=env).returncode == 0
    # then it counts once: -7.60 - 25.00 = -32.60, in the CSV export too
    export = run_cli("settle", "export", "--period", "2026-03", "--format", "csv", "--out",
                     str(tmp_path / "out"), env=env)
    assert export.returncode == 0, export.stderr
    assert export.stdout.split() == [str(tmp_path / "out" / f"2026-03-{name}.csv")
                                     for name in ("grocer", "summary")]
    with (tmp_path / "out" / "2026-03-grocer.csv").open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [(r["kind"], D(r["amount"])) for r in rows] == [
        ("issued", D("-10.00")), ("burned", D("2.40")), ("adjustment", D("-25.00")),
        ("net", D("-32.60"))]
    # when March is closed, then closed again
    closed = run_cli("settle", "close", "--period", "2026-03", env=env)
    again = run_cli("settle", "close", "--period", "2026-03", env=env)
    # then the first closes it (by this login) and the second is a coded error
    assert closed.returncode == 0, closed.stderr
    assert "Closed 2026-03" in closed.stderr
    assert (again.returncode, again.stderr.strip()) == (
        2, "error: PERIOD_CLOSED: 2026-03 is closed")
    runs = await storage.read_runs("2026-03")
    assert {r.run_by for r in runs} == {f"cli:{getpass.getuser()}"}
    assert await storage.is_closed("2026-03")


async def test_coded_errors_exit_2(db: str, tmp_path: Path) -> None:
    # given a migrated database with nothing settled
    env = {**BERLIN, "EXCHANGE_DATABASE_URL": db}
    # when a month that was never run is exported, and a month that does not exist is run
    export = run_cli("settle", "export", "--period", "2026-05", "--format", "json", "--out",
                     str(tmp_path / "out"), env=env)
    run = run_cli("settle", "run", "--period", "2026-13", env=env)
    # then both print their code and exit 2, writing nothing
    assert (export.returncode, run.returncode) == (2, 2)
    assert export.stderr.strip().startswith("error: PERIOD_NOT_RUN: ")
    assert run.stderr.strip() == "error: INVALID_PERIOD: a period is YYYY-MM"
    assert not (tmp_path / "out").exists()


async def test_one_adjustment_however_its_amount_is_written_and_a_bad_export_path(
    db: str, tmp_path: Path
) -> None:
    # given March in Berlin, the first month, run
    env = await _march_in_berlin(db)
    assert run_cli("settle", "begin", "--period", "2026-03", env=env).returncode == 0
    # when the same fee is added as "-5" and as "-5.00", March is run, and exported into a
    # path that is a file
    for amount in ("-5", "-5.00"):
        added = run_cli("settle", "adjust", "--period", "2026-03", "--partner", "grocer",
                        "--amount", amount, "--reason", "fee", env=env)
        assert added.returncode == 0, added.stderr
    assert run_cli("settle", "run", "--period", "2026-03", env=env).returncode == 0
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    export = run_cli("settle", "export", "--period", "2026-03", "--format", "csv", "--out",
                     str(blocker), env=env)
    # then the fee counts once, and the export is a coded error, not a traceback
    statements = await storage.read_statements("2026-03")
    assert [line.amount for line in statements[0].lines if line.kind == "adjustment"] == [
        D("-5")]
    assert export.returncode == 2
    assert export.stderr.startswith(f"error: EXPORT_FAILED: cannot write to {blocker}")
