"""Partners' dated rates: each row is in force from `valid_from` until the next one.

Earn rate: points per unit of the purchase currency (with optional category multipliers).
Issue price and redemption price: settlement currency per point, used by settlement.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from decimal import Decimal

from tortoise import BaseDBAsyncClient
from tortoise.exceptions import IntegrityError

from exchange import limits
from exchange.clock import now_us
from exchange.db import connection, execute, fetch_as, fetch_one, fetch_one_as
from exchange.errors import DomainError
from exchange.money import MoneyError, minor_unit_digits, parse_decimal
from exchange.registry.errors import RegistryErrorCode


@dataclass(frozen=True, slots=True)
class Rate:
    partner_id: int
    purchase_currency: str
    valid_from: int
    earn_rate: Decimal
    issue_price: Decimal
    redemption_price: Decimal
    category_multipliers: dict[str, Decimal] = field(default_factory=dict)

    def multiplier(self, category: str | None) -> Decimal:
        return self.category_multipliers.get(category or "", Decimal(1))


def _check(value: Decimal, name: str, upper: Decimal, *, positive: bool = False) -> None:
    # Finite first: comparing a NaN raises decimal.InvalidOperation instead of refusing it.
    is_finite = value.is_finite()
    low_ok = is_finite and (value > 0 if positive else value >= 0)
    exponent = value.as_tuple().exponent
    decimals_ok = isinstance(exponent, int) and -exponent <= limits.rate_decimals_max
    if not low_ok or value > upper or not decimals_ok:
        raise DomainError(
            RegistryErrorCode.INVALID_RATE,
            f"{name}: 0 to {upper} with at most {limits.rate_decimals_max} decimals",
            name,
        )


def validate_rate(rate: Rate) -> None:
    try:
        minor_unit_digits(rate.purchase_currency)
    except MoneyError as error:
        raise DomainError(RegistryErrorCode.INVALID_RATE, str(error), "currency") from None
    _check(rate.earn_rate, "earnRate", Decimal(limits.rate_earn_points_per_unit_max))
    _check(rate.issue_price, "issuePrice", Decimal(limits.rate_price_max))
    _check(rate.redemption_price, "redemptionPrice", Decimal(limits.rate_price_max))
    for category, multiplier in rate.category_multipliers.items():
        if not category or len(category) > limits.rate_category_length_max:
            raise DomainError(RegistryErrorCode.INVALID_RATE,
                              f"category: 1 to {limits.rate_category_length_max} characters")
        _check(multiplier, f"multiplier for {category}", Decimal(limits.rate_multiplier_max),
               positive=True)


async def set_rate(rate: Rate) -> Rate:
    """Add a rate in force from `rate.valid_from`; rates are never edited, only superseded."""
    validate_rate(rate)
    multipliers = {category: str(m) for category, m in sorted(rate.category_multipliers.items())}
    try:
        await execute(
            connection(),
            "INSERT INTO partner_rates (partner_id, purchase_currency, valid_from, earn_rate, "
            "category_multipliers, issue_price, redemption_price, created_at) "
            "VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            rate.partner_id, rate.purchase_currency, rate.valid_from, str(rate.earn_rate),
            json.dumps(multipliers), str(rate.issue_price), str(rate.redemption_price), now_us(),
        )
    except IntegrityError:
        raise DomainError(
            RegistryErrorCode.INVALID_RATE, "a rate from that moment exists already", "validFrom"
        ) from None
    return rate


async def list_rates(partner_id: int) -> list[Rate]:
    """Every rate of the partner, by currency and oldest first."""
    return await fetch_as(
        connection(), _rate,
        f"{_RATE_COLUMNS} WHERE partner_id = $1 ORDER BY purchase_currency, valid_from",
        partner_id,
    )


async def rate_in_force(partner_id: int, purchase_currency: str, at: int) -> Rate | None:
    return await fetch_one_as(
        connection(), _rate,
        f"{_RATE_COLUMNS} WHERE partner_id = $1 AND purchase_currency = $2 AND valid_from <= $3 "
        "ORDER BY valid_from DESC LIMIT 1",
        partner_id, purchase_currency, at,
    )


_RATE_COLUMNS = (
    "SELECT partner_id, purchase_currency, valid_from, earn_rate, issue_price, "
    "redemption_price, category_multipliers FROM partner_rates"
)


def _rate(
    *, partner_id: int, purchase_currency: str, valid_from: int, earn_rate: str,
    issue_price: str, redemption_price: str, category_multipliers: str,
) -> Rate:
    """A partner_rates row: decimals are stored as their text, multipliers as a JSON object."""
    multipliers: dict[str, str] = json.loads(category_multipliers)
    return Rate(
        partner_id=partner_id, purchase_currency=purchase_currency, valid_from=valid_from,
        earn_rate=parse_decimal(earn_rate), issue_price=parse_decimal(issue_price),
        redemption_price=parse_decimal(redemption_price),
        category_multipliers={
            category: parse_decimal(text) for category, text in multipliers.items()
        },
    )


@dataclass(frozen=True, slots=True)
class SettlementPrices:
    """A partner's prices per point in its settlement currency, from the rate in force."""

    issue_price: Decimal
    redemption_price: Decimal


async def settlement_prices(
    conn: BaseDBAsyncClient, partner_id: int, at: int
) -> SettlementPrices | None:
    """The prices in force at `at`: those of the partner's rate in its settlement currency."""
    row = await fetch_one(
        conn,
        "SELECT r.issue_price, r.redemption_price FROM partner_rates r JOIN partners p "
        "ON p.id = r.partner_id AND r.purchase_currency = p.settlement_currency "
        "WHERE r.partner_id = $1 AND r.valid_from <= $2 ORDER BY r.valid_from DESC LIMIT 1",
        partner_id, at,
    )
    if row is None:
        return None
    return SettlementPrices(parse_decimal(str(row["issue_price"])),
                            parse_decimal(str(row["redemption_price"])))
