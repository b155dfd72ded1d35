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
from exchange.registry.rates import Rate, list_rates
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
    found = await list_rates(record.id)
    following: list[Rate | None] = [*found[1:], None]
    return [_rate(record, rate, nxt if nxt and nxt.purchase_currency == rate.purchase_currency
                  else None) for rate, nxt in zip(found, following, strict=True)]


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


def _rate(record: PartnerRecord, rate: Rate, following: Rate | None) -> PartnerRate:
    return PartnerRate(
        partner_code=record.code, purchase_currency=rate.purchase_currency,
        valid_from=zoned_at(rate.valid_from),
        valid_until=None if following is None else zoned_at(following.valid_from),
        earn_rate=StrictDecimal(rate.earn_rate),
        category_multipliers=[CategoryMultiplier(category=c, multiplier=StrictDecimal(m))
                              for c, m in sorted(rate.category_multipliers.items())],
        settlement_currency=record.settlement_currency,
        issue_price=StrictDecimal(rate.issue_price),
        redemption_price=StrictDecimal(rate.redemption_price),
    )
