"""Fees and manual credits: a line with a reason on a partner's statement of an open period."""

from __future__ import annotations

from decimal import Decimal as D

from exchange.members.service import create_member
from exchange.settlement import storage
from exchange.settlement.errors import SettlementErrorCode
from exchange.settlement.service import add_adjustment, close_settlement, run_settlement
from tests.ledger.helpers import count
from tests.settlement.factories import (
    UTC_ZONE,
    at,
    by_code,
    earn,
    lines,
    partner,
    settlement_failure,
)


async def test_a_fee_is_a_line_of_its_own(db: str) -> None:
    # given 1000 points issued by the grocer in March at 0.010
    grocer = await partner("grocer", (at(1, 1), "0.010", "0.008"))
    await partner("fuel", (at(1, 1), "0.020", "0.015"))
    member = await create_member()
    await earn(member.id, grocer.id, 1000, at(10))
    # when a 25.00 platform fee is charged to it, and a 3.50 credit granted to fuel
    await add_adjustment("2026-03", "grocer", D("-25.00"), "  platform fee March  ", "admin:test",
                         "fee-grocer", UTC_ZONE)
    await add_adjustment("2026-03", "fuel", D("3.5"), "goodwill", "admin:test", "credit-fuel",
                         UTC_ZONE)
    settled = await run_settlement("2026-03", "admin:test", UTC_ZONE)
    # then the fee is a line with its reason: net = -10.00 - 25.00 = -35.00
    grocer_statement = by_code(settled.statements)["grocer"]
    assert lines(grocer_statement) == [
        ("issued", 1000, D("0.010"), D("-10.00"), False),
        ("adjustment", 0, D(0), D("-25.00"), False),
    ]
    assert grocer_statement.lines[1].description == "platform fee March"
    assert grocer_statement.net == D("-35.00")
    # and a partner with nothing else to settle gets a statement for its credit alone
    assert lines(by_code(settled.statements)["fuel"]) == [
        ("adjustment", 0, D(0), D("3.50"), False)]
    # and the operator: issue revenue 10.00, adjustments -25.00 + 3.50 = -21.50,
    # result 10.00 - 0 - (-21.50) = 31.50 = -(-35.00 + 3.50)
    (result,) = settled.operator_results
    assert (result.issue_revenue, result.adjustments, result.result) == (
        D("10.00"), D("-21.50"), D("31.50"))


async def test_the_same_adjustment_twice_counts_once(db: str) -> None:
    # given a fee recorded with a key
    await partner("grocer", (at(1, 1), "0.010", "0.008"))
    await add_adjustment("2026-03", "grocer", D("-25.00"), "fee", "admin:test", "fee-1", UTC_ZONE)
    # when it is sent again with the same key
    await add_adjustment("2026-03", "grocer", D("-25.00"), "fee", "admin:test", "fee-1", UTC_ZONE)
    settled = await run_settlement("2026-03", "admin:test", UTC_ZONE)
    # then the statement shows it once
    assert [s.net for s in settled.statements] == [D("-25.00")]
    assert [s.net for s in await storage.read_statements("2026-03")] == [D("-25.00")]


async def test_a_bad_adjustment_is_refused(db: str) -> None:
    # given a grocer
    await partner("grocer", (at(1, 1), "0.010", "0.008"))
    # when adjustments without a reason, of zero, for nobody, or under an over-long key are
    # asked for
    cases = [
        ("grocer", D("-1.00"), "  ", "bad-0"),
        ("grocer", D(0), "nothing", "bad-1"),
        ("nobody", D("1.00"), "who?", "bad-2"),
        ("grocer", D("1.00"), "long key", "k" * 129),
    ]
    codes = [
        (await settlement_failure(add_adjustment("2026-03", code, amount, reason, "admin:test",
                                                 key, UTC_ZONE))).code
        for code, amount, reason, key in cases
    ]
    # then each is refused with its code and nothing is recorded
    assert codes == [SettlementErrorCode.INVALID_ADJUSTMENT,
                     SettlementErrorCode.INVALID_ADJUSTMENT,
                     SettlementErrorCode.PARTNER_NOT_FOUND,
                     SettlementErrorCode.INVALID_ADJUSTMENT]
    assert (await run_settlement("2026-03", "admin:test", UTC_ZONE)).statements == []


async def test_an_amount_finer_than_the_currency_is_refused_not_rounded(db: str) -> None:
    # given a grocer settling in EUR
    await partner("grocer", (at(1, 1), "0.010", "0.008"))
    # when a fee of 25.005 EUR is asked for
    error = await settlement_failure(add_adjustment("2026-03", "grocer", D("-25.005"), "fee",
                                                    "admin:test", "fee-1", UTC_ZONE))
    # then it is refused (half-even would have made it 25.00 silently) and nothing is recorded
    assert (error.code, error.field) == (SettlementErrorCode.INVALID_ADJUSTMENT, "amount")
    assert await count("settlement_adjustments") == 0


async def test_a_key_reused_for_another_adjustment_is_refused(db: str) -> None:
    # given a 25.00 fee recorded under a key
    await partner("grocer", (at(1, 1), "0.010", "0.008"))
    await add_adjustment("2026-03", "grocer", D("-25.00"), "fee", "admin:test", "fee-1", UTC_ZONE)
    # when the same key comes with another amount
    error = await settlement_failure(add_adjustment("2026-03", "grocer", D("-30.00"), "fee",
                                                    "admin:test", "fee-1", UTC_ZONE))
    # then it is refused, and the first fee stands alone
    assert (error.code, error.field) == (SettlementErrorCode.INVALID_ADJUSTMENT,
                                         "idempotencyKey")
    settled = await run_settlement("2026-03", "admin:test", UTC_ZONE)
    assert [s.net for s in settled.statements] == [D("-25.00")]


async def test_a_period_settled_within_a_closed_one_takes_no_adjustment(db: str) -> None:
    # given March, the first settlement month, closed (it settled February's items too)
    await partner("grocer", (at(1, 1), "0.010", "0.008"))
    await close_settlement("2026-03", "admin:test", UTC_ZONE)
    # when a fee is added to February, or to March
    errors = [await settlement_failure(add_adjustment(label, "grocer", D("-1.00"), "fee",
                                                      "admin:test", f"fee-{label}", UTC_ZONE))
              for label in ("2026-02", "2026-03")]
    # then both are refused: February is never settled on its own, March is closed
    assert [e.code for e in errors] == [SettlementErrorCode.BEFORE_FIRST_PERIOD,
                                        SettlementErrorCode.PERIOD_CLOSED]
    assert "late items of 2026-03" in errors[0].message
    assert await count("settlement_adjustments") == 0
