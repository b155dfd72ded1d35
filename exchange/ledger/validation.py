"""Checks of amounts and counts against exchange/limits.py: a coded error, never a clamp."""

from __future__ import annotations

import re

from exchange import limits
from exchange.errors import DomainError
from exchange.ledger.errors import LedgerErrorCode

_CURRENCY = re.compile(r"[A-Z]{3}")


def check_points(points: int, field: str, *, allow_zero: bool = False) -> None:
    if isinstance(points, bool) or not isinstance(points, int):
        raise DomainError(LedgerErrorCode.INVALID_AMOUNT, "points must be an integer", field)
    if points < 0 or (points == 0 and not allow_zero):
        raise DomainError(LedgerErrorCode.INVALID_AMOUNT, "points must be positive", field)
    if points > limits.transfer_points_max:
        raise DomainError(
            LedgerErrorCode.LIMIT_EXCEEDED,
            f"at most {limits.transfer_points_max} points per operation",
            field,
        )


def check_amount_minor(amount_minor: int, field: str) -> None:
    if isinstance(amount_minor, bool) or not isinstance(amount_minor, int) or amount_minor <= 0:
        raise DomainError(LedgerErrorCode.INVALID_AMOUNT, "amount must be positive", field)
    if amount_minor > limits.purchase_amount_minor_max:
        raise DomainError(LedgerErrorCode.LIMIT_EXCEEDED, "amount is above the limit", field)


def check_text(
    value: str, field: str, length_max: int, code: LedgerErrorCode = LedgerErrorCode.INVALID_INPUT
) -> None:
    if not value or len(value) > length_max or not value.isprintable():
        raise DomainError(code, f"{field} must be 1 to {length_max} printable characters", field)


def check_currency(currency: str, field: str = "currency") -> None:
    if not _CURRENCY.fullmatch(currency):
        raise DomainError(
            LedgerErrorCode.INVALID_INPUT, "currency must be an ISO 4217 code such as EUR", field
        )
