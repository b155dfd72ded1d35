"""A partner's own view of itself: its record and the keys that may sign now."""

from __future__ import annotations

from dataclasses import dataclass

from exchange.registry.keys import partner_keys
from exchange.registry.partners import PartnerRecord, get_partner_by_id


@dataclass(frozen=True, slots=True)
class PartnerProfile:
    partner: PartnerRecord
    active_key_ids: tuple[str, ...]


async def partner_profile(partner_id: int) -> PartnerProfile:
    partner = await get_partner_by_id(partner_id)
    keys = await partner_keys(partner_id)
    return PartnerProfile(partner, tuple(key.key_id for key in keys if key.is_active))
