"""Activating ("clipping") an offer for a member: once is enough, and again is harmless."""

from __future__ import annotations

from dataclasses import dataclass

from exchange.clock import now_us
from exchange.db import connection, execute, fetch_one_as
from exchange.errors import DomainError
from exchange.offers.eligibility import in_segment, is_live
from exchange.offers.errors import OfferErrorCode
from exchange.offers.facts import member_facts
from exchange.offers.store import OfferRecord, get_offer


@dataclass(frozen=True, slots=True)
class Activation:
    offer: OfferRecord
    member_id: int
    activated_at: int
    activated_by: str


@dataclass(frozen=True, slots=True)
class _Stored:
    activated_at: int
    activated_by: str


async def activate(offer_id: int, member_id: int, activated_by: str) -> Activation:
    """Activate for the member; an activation that exists is returned as it was."""
    now = now_us()
    offer = await get_offer(offer_id)
    if not is_live(offer, now):
        raise DomainError(OfferErrorCode.OFFER_NOT_ACTIVE, "the offer is not running now",
                         "offerId")
    conn = connection()
    facts = await member_facts(conn, member_id, now)
    if not in_segment(offer.spec, facts, now):
        raise DomainError(OfferErrorCode.NOT_ELIGIBLE, "the offer is not for this member",
                         "cardNumber")
    # Racing activations insert one row; the loser reads the winner's.
    await execute(
        conn,
        "INSERT INTO offer_activations (offer_id, member_id, activated_by, activated_at) "
        "VALUES ($1, $2, $3, $4) ON CONFLICT (offer_id, member_id) DO NOTHING",
        offer_id, member_id, activated_by, now,
    )
    stored = await fetch_one_as(
        conn, _Stored, "SELECT activated_at, activated_by FROM offer_activations "
        "WHERE offer_id = $1 AND member_id = $2", offer_id, member_id,
    )
    assert stored is not None
    return Activation(offer, member_id, stored.activated_at, stored.activated_by)
