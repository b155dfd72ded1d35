"""Exports: the stored statements of a run period as files, CSV or JSON, exact to the cent."""

from __future__ import annotations

import csv
import json
from decimal import Decimal as D
from pathlib import Path

from exchange.db import connection, execute
from exchange.members.service import create_member
from exchange.settlement import storage
from exchange.settlement.errors import SettlementErrorCode
from exchange.settlement.export import export_period
from exchange.settlement.service import add_adjustment, run_settlement
from exchange.settlement.storage import Settlement
from tests.settlement.factories import (
    UTC_ZONE,
    at,
    earn,
    partner,
    redeem,
    settlement_failure,
    unpriced_transfer,
)


async def _settled_march() -> Settlement:
    """A grocer at 0.0125 (half-even rounding), a fuel station, a burn of both's points, a fee."""
    grocer = await partner("grocer", (at(1, 1), "0.0125", "0.008"))
    fuel = await partner("fuel", (at(1, 1), "0.020", "0.015"))
    member = await create_member()
    await earn(member.id, grocer.id, 1002, at(2))
    await earn(member.id, fuel.id, 300, at(3))
    await redeem(member.id, fuel.id, 1100, at(20))
    await add_adjustment("2026-03", "grocer", D("-25.00"), "platform fee, \"March\"", "admin:test",
                         "fee", UTC_ZONE)
    return await run_settlement("2026-03", "admin:test", UTC_ZONE)


def _read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


async def test_csv_files_parse_back_to_the_stored_decimals(db: str, tmp_path: Path) -> None:
    # given March run: grocer -1002 x 0.0125 = -12.525 -> -12.52, fee -25.00: net -37.52;
    # fuel -300 x 0.020 = -6.00 and +1100 x 0.015 = 16.50: net 10.50; operator 27.02
    settled = await _settled_march()
    # when it is exported as CSV
    written = await export_period("2026-03", tmp_path / "out", "csv")
    # then there is a file per partner and a summary
    assert [p.name for p in written] == [
        "2026-03-fuel.csv", "2026-03-grocer.csv", "2026-03-summary.csv"]
    # and each partner's lines read back as the stored decimals, then its net
    for statement in await storage.read_statements("2026-03"):
        rows = _read_csv(tmp_path / "out" / f"2026-03-{statement.code}.csv")
        assert [(r["kind"], int(r["points"]), D(r["price"]), D(r["amount"]),
                 r["is_late"] == "true", r["description"]) for r in rows[:-1]] == [
            (ln.kind, ln.points, ln.price, ln.amount, ln.is_late, ln.description)
            for ln in statement.lines]
        assert (rows[-1]["kind"], D(rows[-1]["amount"])) == ("net", statement.net)
    grocer_rows = _read_csv(tmp_path / "out" / "2026-03-grocer.csv")
    assert [r["amount"] for r in grocer_rows] == ["-12.52", "-25.00", "-37.52"]
    # and the summary carries nets, the operator's result, breakage, checksum and matrix
    summary = _read_csv(tmp_path / "out" / "2026-03-summary.csv")
    items = {(r["section"], r["item"], r["partner"], r["issuer"]): r for r in summary}
    assert D(items["statement", "net", "grocer", ""]["amount"]) == D("-37.52")
    assert D(items["statement", "net", "fuel", ""]["amount"]) == D("10.50")
    assert D(items["operator", "result", "", ""]["amount"]) == D("27.02")
    assert items["run", "checksum", "", ""]["text"] == settled.checksum
    assert items["run", "status", "", ""]["text"] == "open"
    assert int(items["breakage", "expired_points", "", ""]["points"]) == 0
    # fuel's burn drew 1002 grocer points then 98 of its own: 15.03 + 1.47 at 0.015
    assert [(r["issuer"], r["partner"], int(r["points"]), D(r["amount"]))
            for r in summary if r["section"] == "provenance"] == [
        ("fuel", "fuel", 98, D("1.47")), ("grocer", "fuel", 1002, D("15.03"))]


async def test_json_files_carry_decimals_as_strings(db: str, tmp_path: Path) -> None:
    # given March run
    settled = await _settled_march()
    # when it is exported as JSON
    written = await export_period("2026-03", tmp_path / "out", "json")
    # then the amounts are exact strings and the summary matches the run
    assert [p.name for p in written] == [
        "2026-03-fuel.json", "2026-03-grocer.json", "2026-03-summary.json"]
    grocer = json.loads((tmp_path / "out" / "2026-03-grocer.json").read_text())
    assert grocer["net"] == "-37.52"
    assert [(ln["points"], ln["price"], ln["amount"]) for ln in grocer["lines"]] == [
        (1002, "0.0125", "-12.52"), (0, "0", "-25.00")]
    summary = json.loads((tmp_path / "out" / "2026-03-summary.json").read_text())
    assert summary["run"]["checksum"] == settled.checksum
    assert summary["operator_results"] == [
        {"currency": "EUR", "issue_revenue": "18.52", "redemption_cost": "16.50",
         "adjustments": "-25.00", "result": "27.02"}]
    assert {s["partner"]: s["net"] for s in summary["statements"]} == {
        "fuel": "10.50", "grocer": "-37.52"}
    assert summary["provenance"][1] == {"issuer": "grocer", "burned_at": "fuel",
                                        "currency": "EUR", "points": 1002, "value": "15.03"}


async def test_a_period_without_a_successful_run_cannot_be_exported(
    db: str, tmp_path: Path
) -> None:
    # given April with only a refused run (a transfer without a price)
    cinema = await partner("cinema", (at(1, 1), "0.010", "0.008"))
    await unpriced_transfer(cinema.id, at(10, 4))
    await settlement_failure(run_settlement("2026-04", "admin:test", UTC_ZONE))
    # when April, and May (never run), are exported
    errors = [await settlement_failure(export_period(label, tmp_path / "out", "csv"))
              for label in ("2026-04", "2026-05")]
    # then both are refused and nothing is written
    assert [e.code for e in errors] == [SettlementErrorCode.PERIOD_NOT_RUN] * 2
    assert not (tmp_path / "out").exists()


async def test_statements_changed_after_their_run_are_not_exported(
    db: str, tmp_path: Path
) -> None:
    # given March run, then a stored amount altered behind the exchange's back
    await _settled_march()
    await execute(connection(), "UPDATE settlement_statements SET net = '0.00' "
                                "WHERE period = $1", "2026-03")
    await execute(connection(), "UPDATE settlement_lines SET amount = '-11.52' "
                                "WHERE amount = '-12.52'")
    # when it is exported
    error = await settlement_failure(export_period("2026-03", tmp_path / "out", "json"))
    # then the checksum of the run gives it away
    assert error.code == SettlementErrorCode.LEDGER_MISMATCH
    assert not (tmp_path / "out").exists()
