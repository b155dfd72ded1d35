"""Resolvers of partners: the calling partner's own record, and dated rates (an admin reads any
partner's, a partner only its own)."""

from __future__ import annotations

import strawberry

from exchange.api.callers import caller_of, partner_or_admin
from exchange.api.errors import CodedError
from exchange.api.partners.types import CategoryMultiplier, Partner, PartnerRate
from exchange.api.scalars import StrictDecimal, zoned_at
from exchange.errors import DomainError
from exchange.registry.partners import PartnerRecord, get_partner, get_partner_by_id
from exchange.registry.rates import StoredRate, list_rates
from exchange.registry.views import partner_profile


async def partner(info: strawberry.Info) -> Partner:
    profile = await partner_profile(caller_of(info).partner_id_or_raise())
    record = profile.partner
    return Partner(
        code=record.code, name=record.name, status=record.status,
        return_window_days=record.return_window_days,
        settlement_currency=record.settlement_currency,
        active_key_ids=list(profile.active_key_ids),
    )


async def partner_rates(info: strawberry.Info, partner_code: str | None = None
                        ) -> list[PartnerRate]:
    record = await _readable_partner(info, partner_code)
    return [_rate(record, stored) for stored in await list_rates(record.id)]


async def _readable_partner(info: strawberry.Info, partner_code: str | None) -> PartnerRecord:
    """The partner whose rates the caller may read: any for an admin, its own for a partner."""
    caller = partner_or_admin(info)
    if caller.partner_id is not None:
        if partner_code not in (None, caller.name):
            raise CodedError("FORBIDDEN", "A partner reads only its own rates.")
        return await get_partner_by_id(caller.partner_id)
    if partner_code is None:
        raise CodedError("INVALID_INPUT", "An admin names the partner: partnerCode.")
    try:
        return await get_partner(partner_code)
    except DomainError as error:
        raise CodedError(error.code.value, error.message) from None


def _rate(record: PartnerRecord, stored: StoredRate) -> PartnerRate:
    rate = stored.rate
    return PartnerRate(
        partner_code=record.code, purchase_currency=rate.purchase_currency,
        valid_from=zoned_at(rate.valid_from),
        valid_until=None if stored.valid_until is None else zoned_at(stored.valid_until),
        earn_rate=StrictDecimal(rate.earn_rate),
        category_multipliers=[CategoryMultiplier(category=c, multiplier=StrictDecimal(m))
                              for c, m in sorted(rate.category_multipliers.items())],
        settlement_currency=record.settlement_currency,
        issue_price=StrictDecimal(rate.issue_price),
        redemption_price=StrictDecimal(rate.redemption_price),
        created_at=zoned_at(stored.created_at),
    )
