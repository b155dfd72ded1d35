"""Periods: calendar months in the program's time zone, named "YYYY-MM"."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from exchange import limits
from exchange.clock import from_us, to_us
from exchange.errors import DomainError
from exchange.settlement.errors import SettlementErrorCode

_LABEL = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


@dataclass(frozen=True, slots=True)
class Period:
    label: str
    start_at: int  # first microsecond of the month, inclusive
    end_at: int  # first microsecond of the next month, exclusive

    def previous(self, timezone: str) -> Period:
        year, month = int(self.label[:4]), int(self.label[5:])
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
        return period(f"{year:04d}-{month:02d}", timezone)


def label_of(moment_us: int, timezone: str) -> str:
    """The period a moment falls in."""
    return from_us(moment_us).astimezone(ZoneInfo(timezone)).strftime("%Y-%m")


def period(label: str, timezone: str) -> Period:
    found = _LABEL.match(label)
    if not found:
        raise DomainError(SettlementErrorCode.INVALID_PERIOD, "a period is YYYY-MM", "period")
    year, month = int(found.group(1)), int(found.group(2))
    if not limits.period_year_min <= year <= limits.period_year_max:
        raise DomainError(SettlementErrorCode.INVALID_PERIOD, "year out of range", "period")
    zone = ZoneInfo(timezone)
    start = datetime(year, month, 1, tzinfo=zone)
    end = datetime(year + month // 12, month % 12 + 1, 1, tzinfo=zone)
    return Period(label, to_us(start), to_us(end))
