"""Expected settlement failures, each with a code."""

from __future__ import annotations

from enum import Enum


class SettlementErrorCode(Enum):
    INVALID_PERIOD = "INVALID_PERIOD"
    PERIOD_NOT_OVER = "PERIOD_NOT_OVER"
    PERIOD_CLOSED = "PERIOD_CLOSED"
    PERIOD_NOT_RUN = "PERIOD_NOT_RUN"
    EARLIER_PERIOD_OPEN = "EARLIER_PERIOD_OPEN"
    SETTLEMENT_RUNNING = "SETTLEMENT_RUNNING"
    NO_PRICE = "NO_PRICE"
    LEDGER_MISMATCH = "LEDGER_MISMATCH"
    INVALID_ADJUSTMENT = "INVALID_ADJUSTMENT"
    PARTNER_NOT_FOUND = "PARTNER_NOT_FOUND"


class SettlementError(ValueError):
    def __init__(self, code: SettlementErrorCode, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.field = field
