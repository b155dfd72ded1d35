"""What a purchase earns by the program's rules: the partner's rate in force at the purchase
time, the pending window, the expiry. Reads rates; writes nothing."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from exchange import limits
from exchange.clock import days_to_us, seconds_to_us
from exchange.config import load_settings
from exchange.errors import DomainError
from exchange.program.errors import ProgramErrorCode
from exchange.program.rules import (
    EarnComputation,
    PurchaseLine,
    check_money,
    compute_earn,
    purchase_amount,
)
from exchange.registry.partners import PartnerRecord
from exchange.registry.rates import Rate, rate_in_force


@dataclass(frozen=True, slots=True)
class Purchase:
    card_number: str
    order_id: str
    occurred_at: int
    currency: str
    lines: tuple[PurchaseLine, ...] = ()
    total: Decimal | None = None


@dataclass(frozen=True, slots=True)
class PurchaseQuote:
    points: int
    amount: Decimal
    currency: str
    available_at: int
    expires_at: int
    rules_applied: tuple[str, ...]
    offer_points: int = 0


async def quote(
    partner: PartnerRecord, purchase: Purchase, now: int
) -> tuple[PurchaseQuote, Rate]:
    """The purchase's own points by the rate in force when it happened, and that rate."""
    check_time(purchase.occurred_at, now)
    amount = purchase_amount(purchase.lines, purchase.total, purchase.currency)
    rate = await rate_in_force(partner.id, purchase.currency, purchase.occurred_at)
    if rate is None:
        raise DomainError(ProgramErrorCode.NO_RATE,
                          f"{partner.name} has no earn rate for {purchase.currency} then",
                          "currency")
    computed: EarnComputation = compute_earn(rate, purchase.lines, amount, partner.name)
    return PurchaseQuote(
        points=computed.points, amount=amount, currency=purchase.currency,
        available_at=purchase.occurred_at + days_to_us(partner.return_window_days),
        expires_at=purchase.occurred_at + days_to_us(load_settings().points_lifetime_days),
        rules_applied=computed.rules_applied,
    ), rate


def check_time(occurred_at: int, now: int) -> None:
    """A purchase is dated by when it happened: not in the future, not too long ago."""
    if occurred_at > now + seconds_to_us(limits.clock_skew_seconds_max):
        raise DomainError(ProgramErrorCode.PURCHASE_IN_FUTURE,
                          "a purchase cannot be in the future (more than "
                          f"{limits.clock_skew_seconds_max} s ahead of the exchange's clock)",
                          "occurredAt")
    age_days_max = load_settings().purchase_age_days_max
    if occurred_at < now - days_to_us(age_days_max):
        raise DomainError(ProgramErrorCode.PURCHASE_TOO_OLD,
                          f"purchases are accepted up to {age_days_max} days old",
                          "occurredAt")


def check_refund(amount: Decimal, currency: str) -> None:
    if amount <= 0:
        raise DomainError(ProgramErrorCode.INVALID_PURCHASE, "a refund must be positive",
                          "amount")
    check_money(amount, currency, "amount")
