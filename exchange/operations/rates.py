"""Setting a partner's dated rate, the way settlement can trust.

Prices are fixed when points move (the ledger keeps them on each transfer), so a new rate never
re-prices what already moved. Two rules keep the calendar honest as well:
- a rate never starts inside a closed settlement period: a closed month and everything dated in
  it are final (RATE_IN_CLOSED_PERIOD);
- a rate that replaces an earlier one from a moment already past needs an explicit `backdate`
  (RATE_IN_PAST otherwise), and is logged: it applies to points moved from then on that are
  recorded from now (a purchase recorded late, dated by when it happened), which a partner may
  not expect. A partner's first rate in a currency may start in the past: nothing moved by it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

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
    is_backdated: bool  # it replaces an earlier rate from a moment already past


async def set_rate(rate: Rate, *, backdate: bool, now: int, timezone: str, set_by: str
                   ) -> RateSet:
    rates.validate_rate(rate)
    await _refuse_closed_period(rate, timezone)
    replaces = await rates.rate_in_force(rate.partner_id, rate.purchase_currency,
                                         rate.valid_from)
    is_backdated = rate.valid_from < now and replaces is not None
    if is_backdated and not backdate:
        raise DomainError(
            RegistryErrorCode.RATE_IN_PAST,
            f"{_iso(rate.valid_from)} is in the past and a rate is in force then: the new one "
            "would apply to points recorded from now but dated from then (points already "
            "moved keep the price charged); pass --backdate to set it anyway", "validFrom")
    stored = await rates.set_rate(rate)
    if is_backdated:
        logger.warning("backdated rate for partner %s (%s) from %s set by %s", rate.partner_id,
                       rate.purchase_currency, _iso(rate.valid_from), set_by)
    return RateSet(stored, is_backdated)


async def _refuse_closed_period(rate: Rate, timezone: str) -> None:
    closed = await storage.latest_closed()
    if closed is None:
        return
    end_at = period(closed, timezone).end_at
    if rate.valid_from < end_at:
        raise DomainError(
            RegistryErrorCode.RATE_IN_CLOSED_PERIOD,
            f"settlement is closed up to {closed}: a rate may start at {_iso(end_at)} or later",
            "validFrom")


def _iso(moment_us: int) -> str:
    return from_us(moment_us).isoformat()
