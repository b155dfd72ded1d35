"""Earning rules: the amount of a purchase, and the points it earns (pure functions)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from exchange import limits
from exchange.errors import DomainError
from exchange.program.errors import ProgramErrorCode
from exchange.program.rules import (
    PurchaseLine,
    compute_earn,
    purchase_amount,
)
from exchange.registry.rates import Rate


def _rate(earn_rate: str = "1", **multipliers: str) -> Rate:
    return Rate(
        partner_id=1, purchase_currency="EUR", valid_from=0, earn_rate=Decimal(earn_rate),
        issue_price=Decimal("0.01"), redemption_price=Decimal("0.008"),
        category_multipliers={k: Decimal(v) for k, v in multipliers.items()},
    )


def _line(price: str, quantity: int = 1, category: str | None = None) -> PurchaseLine:
    return PurchaseLine("sku-1", category, quantity, Decimal(price))


def _refusal(lines: tuple[PurchaseLine, ...], total: str | None = None,
             currency: str = "EUR") -> tuple[ProgramErrorCode, str | None]:
    with pytest.raises(DomainError) as raised:
        purchase_amount(lines, None if total is None else Decimal(total), currency)
    return raised.value.code, raised.value.field


def test_points_are_rounded_down_never_up() -> None:
    # given 1.5 points per EUR
    rate = _rate("1.5")
    # when 9.99 EUR is spent
    earned = compute_earn(rate, (), Decimal("9.99"), "Grocer")
    # then 14.985 points round down to 14
    assert earned.points == 14


def test_category_multipliers_apply_per_line_before_rounding() -> None:
    # given 1 point per EUR, fresh food at x2.5
    rate = _rate("1", fresh="2.5")
    lines = (_line("0.99", 3, "fresh"), _line("0.99"))
    # when the lines are earned on
    earned = compute_earn(rate, lines, purchase_amount(lines, None, "EUR"), "Grocer")
    # then floor(2.97 * 2.5 + 0.99) = floor(8.415) = 8, and the multiplier is explained
    assert earned.points == 8
    assert earned.amount == Decimal("3.96")
    assert earned.rules_applied[1] == "x2.5 on fresh (sku-1)"


def test_a_total_earns_by_the_base_rate_only() -> None:
    # given a multiplier on fresh food that a bare total cannot show
    rate = _rate("2", fresh="3")
    # when a total is earned on
    earned = compute_earn(rate, (), Decimal("10.00"), "Grocer")
    # then only the base rate applies
    assert earned.points == 20
    assert len(earned.rules_applied) == 1


def test_the_explanation_names_the_rate_and_its_start() -> None:
    # given a rate in force since the epoch
    # when anything is earned
    earned = compute_earn(_rate("1"), (), Decimal("1.00"), "Grocer")
    # then the first rule says which rate, since when
    assert earned.rules_applied[0] == "1 points per EUR at Grocer (rate in force since 1970-01-01)"


def test_the_amount_is_the_sum_of_the_lines_or_the_total() -> None:
    # given lines, or a total
    lines = (_line("3.50", 3), _line("4.99"))
    # when the amount is computed
    # then it is exact
    assert purchase_amount(lines, None, "EUR") == Decimal("15.49")
    assert purchase_amount((), Decimal("7.10"), "EUR") == Decimal("7.10")


def test_lines_and_a_total_together_or_neither_are_refused() -> None:
    assert _refusal((_line("1.00"),), "1.00") == (ProgramErrorCode.INVALID_PURCHASE, "lines")
    assert _refusal(()) == (ProgramErrorCode.INVALID_PURCHASE, "lines")


@pytest.mark.parametrize(("line", "field"), [
    (_line("1.00", 0), "lines.0.quantity"),
    (_line("1.00", limits.purchase_line_quantity_max + 1), "lines.0.quantity"),
    (_line("-1.00"), "lines.0.unitPrice"),
    (_line("1.001"), "lines.0.unitPrice"),
    (PurchaseLine("", None, 1, Decimal(1)), "lines.0"),
    (PurchaseLine("s" * 65, None, 1, Decimal(1)), "lines.0"),
    (PurchaseLine("sku", "", 1, Decimal(1)), "lines.0"),
])
def test_a_bad_line_is_refused_by_its_index(line: PurchaseLine, field: str) -> None:
    assert _refusal((line,)) == (ProgramErrorCode.INVALID_PURCHASE, field)


def test_more_lines_than_the_limit_are_refused() -> None:
    lines = tuple(_line("1.00") for _ in range(limits.purchase_lines_max + 1))
    assert _refusal(lines) == (ProgramErrorCode.INVALID_PURCHASE, "lines")
    lines_max = limits.purchase_lines_max
    assert purchase_amount(lines[:lines_max], None, "EUR") == Decimal(lines_max)


@pytest.mark.parametrize(("total", "currency", "field"), [
    ("0", "EUR", "total"),
    ("-0.01", "EUR", "total"),
    ("0.001", "EUR", "total"),
    ("1.5", "JPY", "total"),
    ("1.0001", "KWD", "total"),
    ("1.00", "EURO", "currency"),
])
def test_a_bad_total_is_refused(total: str, currency: str, field: str) -> None:
    assert _refusal((), total, currency) == (ProgramErrorCode.INVALID_PURCHASE, field)


def test_free_lines_are_allowed_but_a_free_purchase_is_not() -> None:
    # given a free line beside a paid one, and a purchase of free lines only
    # then the first is a purchase, the second is refused
    assert purchase_amount((_line("0.00"), _line("2.00")), None, "EUR") == Decimal("2.00")
    assert _refusal((_line("0.00"),)) == (ProgramErrorCode.INVALID_PURCHASE, "lines")
