"""Setting a partner's dated rate, the way settlement can trust.

Rows of partner_rates are never edited, only superseded by a later `valid_from`. Prices are
fixed when points move (the ledger keeps them on each transfer), so a new rate never re-prices
what already moved. Two rules keep the calendar honest as well:
- a rate never starts inside a closed settlement period: it is refused when it would start
  before the end of the latest closed month (RATE_IN_CLOSED_PERIOD), since a closed month and
  what was settled in it are final;
- a rate starting before now needs an explicit `backdate` (RATE_IN_PAST otherwise), and is then
  logged: it applies to points dated from its start that are recorded from now on (a purchase
  recorded late, dated by when it happened), which a partner may not expect. This holds for a
  partner's first rate too: it makes purchases dated before now earn, which none did before.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from exchange.clock import from_us
from exchange.errors import DomainError
from exchange.registry import rates
from exchange.registry.errors import RegistryErrorCode
from exchange.registry.rates import Rate
from exchange.settlement import storage
from exchange.settlement.periods import period

logger = logging.getLogger("exchange.rates")


@dataclass(frozen=True, slots=True)
class RateSet:
    rate: Rate
    is_backdated: bool  # it starts before the moment it was set


async def set_rate(rate: Rate, *, backdate: bool, now: int, timezone: str, set_by: str
                   ) -> RateSet:
    """Add `rate` after checking it against the closed periods and the clock (`now`)."""
    rates.validate_rate(rate)
    await _refuse_closed_period(rate, timezone)
    is_backdated = rate.valid_from < now
    if is_backdated and not backdate:
        raise DomainError(
            RegistryErrorCode.RATE_IN_PAST,
            f"{local_iso(rate.valid_from, timezone)} is in the past: the rate would apply to "
            "points dated from then that are recorded from now (points already moved keep the "
            "price charged); pass --backdate to set it anyway", "validFrom")
    stored = await rates.set_rate(rate)
    if is_backdated:
        _log_backdated(stored, now, timezone, set_by)
    return RateSet(stored, is_backdated)


def _log_backdated(rate: Rate, now: int, timezone: str, set_by: str) -> None:
    # The message reads alone in plain-text logs; the fields are for JSON log searches.
    valid_from = local_iso(rate.valid_from, timezone)
    logger.warning(
        "backdated rate: partner %s, %s, from %s, set by %s", rate.partner_id,
        rate.purchase_currency, valid_from, set_by, extra={
            "event": "rate_backdated", "partner_id": rate.partner_id,
            "purchase_currency": rate.purchase_currency, "valid_from": valid_from,
            "set_at": local_iso(now, timezone), "set_by": set_by,
            "earn_rate": str(rate.earn_rate), "issue_price": str(rate.issue_price),
            "redemption_price": str(rate.redemption_price)})


async def _refuse_closed_period(rate: Rate, timezone: str) -> None:
    closed = await storage.latest_closed()
    if closed is None:
        return
    end_at = period(closed, timezone).end_at
    if rate.valid_from < end_at:
        raise DomainError(
            RegistryErrorCode.RATE_IN_CLOSED_PERIOD,
            f"settlement is closed up to {closed}: a rate may start at "
            f"{local_iso(end_at, timezone)} or later", "validFrom")


def local_iso(moment_us: int, timezone: str) -> str:
    """A moment in the program's time zone, as operators read the calendar."""
    return from_us(moment_us).astimezone(ZoneInfo(timezone)).isoformat()
