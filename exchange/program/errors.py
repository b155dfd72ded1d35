"""Expected program failures, each with a code."""

from __future__ import annotations

from enum import Enum


class ProgramErrorCode(Enum):
    NO_RATE = "NO_RATE"
    INVALID_PURCHASE = "INVALID_PURCHASE"
    PURCHASE_TOO_OLD = "PURCHASE_TOO_OLD"
    PURCHASE_IN_FUTURE = "PURCHASE_IN_FUTURE"
    UNKNOWN_ACTIVITY = "UNKNOWN_ACTIVITY"
    LIMIT_EXCEEDED = "LIMIT_EXCEEDED"  # an activity rewarded as often as its daily cap allows

