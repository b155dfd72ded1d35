"""The offer operations as callers reach them: a partner acts on the offers it funds and on
members linked to it; an admin acts on any offer, naming the funding partner."""

from __future__ import annotations

from dataclasses import dataclass

from exchange.errors import DomainError
from exchange.members.service import get_linked_member
from exchange.offers import activation, recommend, store
from exchange.offers.errors import OfferErrorCode
from exchange.offers.spec import OfferChange, OfferSpec
from exchange.registry.partners import find_partner


@dataclass(frozen=True, slots=True)
class OfferCaller:
    """A partner (partner_id set) or an admin (partner_id None); `name` goes on the records."""

    name: str
    partner_id: int | None = None


async def create(caller: OfferCaller, spec: OfferSpec, funding_partner_code: str | None
                 ) -> store.OfferRecord:
    return await store.create_offer(
        await _funding_partner_id(caller, funding_partner_code), spec, caller.name)


async def _funding_partner_id(caller: OfferCaller, code: str | None) -> int:
    if caller.partner_id is not None:
        if code is not None:
            raise DomainError(OfferErrorCode.INVALID_OFFER,
                             "a partner funds its own offers: leave fundingPartnerCode out",
                             "fundingPartnerCode")
        return caller.partner_id
    partner = await find_partner(code) if code else None
    if partner is None:
        raise DomainError(OfferErrorCode.PARTNER_NOT_FOUND, "name the funding partner",
                         "fundingPartnerCode")
    return partner.id


async def update(caller: OfferCaller, offer_id: int, change: OfferChange) -> store.OfferRecord:
    return await store.update_offer(offer_id, change, funding_partner_id=caller.partner_id)


async def funded(caller: OfferCaller, first: int, after_id: int) -> list[store.OfferRecord]:
    return await store.list_offers(caller.partner_id, first, after_id)


async def activate_for_card(partner_id: int, partner_code: str, card_number: str,
                            offer_id: int) -> activation.Activation:
    member = await get_linked_member(partner_id, card_number)
    return await activation.activate(offer_id, member.id, f"partner:{partner_code}")


async def rank_for_card(partner_id: int, card_number: str, first: int, *,
                        exploration: bool = False) -> recommend.Ranking:
    member = await get_linked_member(partner_id, card_number)
    return await recommend.rank_for_member(member.id, first, exploration=exploration)
