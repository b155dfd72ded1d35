"""Resolver of the calling partner's own record."""

from __future__ import annotations

import strawberry

from exchange.api.callers import caller_of
from exchange.api.partners.types import Partner
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
