"""Month by month, what the coalition owes its members and what it gained from expiry.

The liability at a month end is the points members hold then (available, pending and held,
less clawback debt) and their value: each point at the issue price the partner that issued it
was charged, in that partner's settlement currency. Breakage is the points that went to the
operator's breakage account in a month (dated when recorded), valued the same way. Points no
partner was charged for (the operator's own, or moved before transfers kept their prices) count
in `points` but in no currency's value.

The current month's "end" is now. Values are exact (points x price, unrounded).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from exchange import limits
from exchange.clock import now_us
from exchange.db import connection, fetch_as
from exchange.errors import DomainError
from exchange.ledger import reporting
from exchange.ledger.reporting import PointsByMonth
from exchange.settlement.errors import SettlementErrorCode
from exchange.settlement.periods import Period, label_of, period
from exchange.settlement.statements import PartnerInfo
from exchange.settlement.storage import PARTNER_INFO_SQL


@dataclass(frozen=True, slots=True)
class CurrencyValue:
    currency: str
    points: int
    value: Decimal


@dataclass(frozen=True, slots=True)
class MonthPoints:
    month: str  # YYYY-MM
    at: int  # the instant it describes: the month's end, or now for the current month
    points: int
    values: tuple[CurrencyValue, ...]  # by currency, in currency order

    @property
    def unpriced_points(self) -> int:
        return self.points - sum(v.points for v in self.values)


def recent_periods(months: int, timezone: str, at: int) -> list[Period]:
    """The `months` periods up to and including the one `at` falls in, oldest first."""
    if isinstance(months, bool) or not 1 <= months <= limits.report_months_max:
        raise DomainError(SettlementErrorCode.LIMIT_EXCEEDED,
                          f"months is 1 to {limits.report_months_max}", "months")
    periods = [period(label_of(at, timezone), timezone)]
    while len(periods) < months:
        periods.insert(0, periods[0].previous(timezone))
    return periods


async def liability_by_month(
    months: int, timezone: str, at: int | None = None
) -> list[MonthPoints]:
    now = now_us() if at is None else at
    periods = recent_periods(months, timezone, now)
    changes = await reporting.member_points_by_month(connection(), _ends(periods, now))
    return _months(periods, now, changes, await _currencies(), running=True)


async def breakage_by_month(
    months: int, timezone: str, at: int | None = None
) -> list[MonthPoints]:
    now = now_us() if at is None else at
    periods = recent_periods(months, timezone, now)
    found = await reporting.breakage_by_month(connection(), periods[0].start_at,
                                              _ends(periods, now))
    return _months(periods, now, found, await _currencies(), running=False)


def _ends(periods: list[Period], now: int) -> list[int]:
    """Each month's end, exclusive; the current month's is just after now (all recorded so
    far, and after the month's start even at its first microsecond)."""
    return [min(p.end_at, now + 1) for p in periods]


async def _currencies() -> dict[int, str]:
    partners = await fetch_as(connection(), PartnerInfo, PARTNER_INFO_SQL)
    return {p.partner_id: p.currency for p in partners}


def _months(
    periods: list[Period], now: int, found: PointsByMonth, currencies: dict[int, str],
    *, running: bool,
) -> list[MonthPoints]:
    """One MonthPoints per period from per-bucket changes: summed up to each month when
    `running` (a balance), each month's own otherwise (a flow)."""
    points = 0
    values: dict[str, tuple[int, Decimal]] = {}
    months: list[MonthPoints] = []
    for bucket, each in enumerate(periods):
        if not running:
            points, values = 0, {}
        points += found.totals.get(bucket, 0)
        for row in found.priced:
            if row.bucket == bucket and row.partner_id is not None and row.price is not None:
                currency = currencies[row.partner_id]
                held, value = values.get(currency, (0, Decimal(0)))
                values[currency] = (held + row.points, value + row.price * row.points)
        months.append(MonthPoints(each.label, min(each.end_at, now), points, tuple(
            CurrencyValue(c, p, v) for c, (p, v) in sorted(values.items()) if p or v)))
    return months
