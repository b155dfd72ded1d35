"""Expected ledger failures: each has a code the API turns into a payload error."""

from __future__ import annotations

from enum import Enum


class LedgerErrorCode(Enum):
    INVALID_AMOUNT = "INVALID_AMOUNT"
    INVALID_INPUT = "INVALID_INPUT"
    LIMIT_EXCEEDED = "LIMIT_EXCEEDED"
    INSUFFICIENT_POINTS = "INSUFFICIENT_POINTS"
    ACCOUNT_NOT_FOUND = "ACCOUNT_NOT_FOUND"
    HOLD_NOT_FOUND = "HOLD_NOT_FOUND"
    HOLD_EXPIRED = "HOLD_EXPIRED"
    HOLD_ALREADY_RESOLVED = "HOLD_ALREADY_RESOLVED"
    CAPTURE_EXCEEDS_HOLD = "CAPTURE_EXCEEDS_HOLD"
    PURCHASE_NOT_FOUND = "PURCHASE_NOT_FOUND"
    DUPLICATE_ORDER = "DUPLICATE_ORDER"
    CURRENCY_MISMATCH = "CURRENCY_MISMATCH"
    REFUND_EXCEEDS_PURCHASE = "REFUND_EXCEEDS_PURCHASE"
    REFUND_EXCEEDS_REDEMPTION = "REFUND_EXCEEDS_REDEMPTION"
    IDEMPOTENCY_KEY_REUSED = "IDEMPOTENCY_KEY_REUSED"
    INVALID_IDEMPOTENCY_KEY = "INVALID_IDEMPOTENCY_KEY"
    INVALID_DATES = "INVALID_DATES"


class LedgerError(Exception):
    """An expected failure; the transaction that raised it is rolled back, so nothing changed."""

    def __init__(self, code: LedgerErrorCode, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.field = field

    def __repr__(self) -> str:
        return f"LedgerError({self.code.value}, {self.message!r})"
