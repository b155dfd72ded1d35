"""The offer operations as callers reach them: a partner acts on the offers it funds and on
members linked to it; an admin acts on any offer, naming the funding partner."""

from __future__ import annotations

from exchange.callers import Caller
from exchange.errors import DomainError
from exchange.members.service import get_linked_member
from exchange.offers import activation, recommend, store
from exchange.offers.errors import OfferErrorCode
from exchange.offers.spec import OfferChange, OfferSpec
from exchange.registry.partners import find_partner


async def create(caller: Caller, spec: OfferSpec, funding_partner_code: str | None
                 ) -> store.OfferRecord:
    return await store.create_offer(
        await _funding_partner_id(caller, funding_partner_code), spec, caller.label)


async def _funding_partner_id(caller: Caller, code: str | None) -> int:
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


async def update(caller: Caller, offer_id: int, change: OfferChange) -> store.OfferRecord:
    return await store.update_offer(offer_id, change, funding_partner_id=caller.partner_id)


async def funded(caller: Caller, first: int, after_id: int) -> list[store.OfferRecord]:
    return await store.list_offers(caller.partner_id, first, after_id)


async def activate_for_card(caller: Caller, card_number: str, offer_id: int
                            ) -> activation.Activation:
    member = await get_linked_member(caller.partner_id_or_raise(), card_number)
    return await activation.activate(offer_id, member.id, caller.label)


async def rank_for_card(partner_id: int, card_number: str, first: int, *,
                        exploration: bool = False) -> recommend.Ranking:
    member = await get_linked_member(partner_id, card_number)
    return await recommend.rank_for_member(member.id, first, exploration=exploration)
