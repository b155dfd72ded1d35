"""Earning rules: how many points a purchase earns, and why. Pure functions, no I/O."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_FLOOR, Decimal

from exchange import limits
from exchange.clock import from_us
from exchange.errors import DomainError
from exchange.money import MoneyError, minor_unit_digits
from exchange.program.errors import ProgramErrorCode
from exchange.registry.rates import Rate


@dataclass(frozen=True, slots=True)
class PurchaseLine:
    sku: str
    category: str | None
    quantity: int
    unit_price: Decimal

    @property
    def amount(self) -> Decimal:
        return self.unit_price * self.quantity


@dataclass(frozen=True, slots=True)
class EarnComputation:
    points: int
    amount: Decimal
    rules_applied: tuple[str, ...]


def purchase_amount(
    lines: tuple[PurchaseLine, ...], total: Decimal | None, currency: str
) -> Decimal:
    """The purchase's amount: the sum of its lines, or the total when there are no lines."""
    if bool(lines) == (total is not None):
        raise DomainError(ProgramErrorCode.INVALID_PURCHASE, "give lines or a total, not both",
                           "lines")
    if len(lines) > limits.purchase_lines_max:
        raise DomainError(ProgramErrorCode.INVALID_PURCHASE,
                          f"at most {limits.purchase_lines_max} lines", "lines")
    for index, line in enumerate(lines):
        _check_line(line, index, currency)
    amount = sum((line.amount for line in lines), Decimal(0)) if lines else total
    assert amount is not None
    check_money(amount, currency, "total" if total is not None else "lines")
    if amount <= 0:
        raise DomainError(ProgramErrorCode.INVALID_PURCHASE, "the amount must be positive",
                           "total" if total is not None else "lines")
    return amount


def _check_line(line: PurchaseLine, index: int, currency: str) -> None:
    field = f"lines.{index}"
    if not 0 < len(line.sku) <= limits.purchase_text_length_max or (
        line.category is not None and not 0 < len(line.category) <= limits.purchase_text_length_max
    ):
        raise DomainError(
            ProgramErrorCode.INVALID_PURCHASE,
            f"sku and category: 1 to {limits.purchase_text_length_max} characters", field,
        )
    if not 0 < line.quantity <= limits.purchase_line_quantity_max:
        raise DomainError(
            ProgramErrorCode.INVALID_PURCHASE,
            f"quantity: 1 to {limits.purchase_line_quantity_max}", f"{field}.quantity",
        )
    if line.unit_price < 0:
        raise DomainError(ProgramErrorCode.INVALID_PURCHASE, "a price cannot be negative",
                           f"{field}.unitPrice")
    check_money(line.unit_price, currency, f"{field}.unitPrice")


def check_money(amount: Decimal, currency: str, field: str) -> None:
    """A finite amount in a known currency, with no more decimals than its minor unit."""
    try:
        digits = minor_unit_digits(currency)
    except MoneyError as error:
        raise DomainError(ProgramErrorCode.INVALID_PURCHASE, str(error), "currency") from None
    exponent = amount.as_tuple().exponent
    if not amount.is_finite() or not isinstance(exponent, int) or -exponent > digits:
        raise DomainError(ProgramErrorCode.INVALID_PURCHASE,
                           f"{currency} amounts have at most {digits} decimals", field)


def compute_earn(
    rate: Rate, lines: tuple[PurchaseLine, ...], amount: Decimal, partner_name: str
) -> EarnComputation:
    """Points = floor(sum of amount x earn rate x category multiplier); never a fraction."""
    since = from_us(rate.valid_from).date().isoformat()
    rules = [f"{rate.earn_rate} points per {rate.purchase_currency} at {partner_name} "
             f"(rate in force since {since})"]
    if not lines:
        exact = amount * rate.earn_rate
    else:
        exact = Decimal(0)
        for line in lines:
            multiplier = rate.multiplier(line.category)
            exact += line.amount * rate.earn_rate * multiplier
            if multiplier != 1:
                rules.append(f"x{multiplier} on {line.category} ({line.sku})")
    points = int(exact.to_integral_value(rounding=ROUND_FLOOR))
    return EarnComputation(points=points, amount=amount, rules_applied=tuple(rules))
