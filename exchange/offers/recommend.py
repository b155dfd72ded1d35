"""`offers(cardNumber, first)`: the eligible offers, ranked for one member, each with why."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from tortoise import BaseDBAsyncClient

from exchange import limits
from exchange.clock import days_to_us, now_us
from exchange.db import connection, fetch, opened_database
from exchange.errors import DomainError
from exchange.offers import catalogue as catalogues
from exchange.offers import changes
from exchange.offers.errors import OfferErrorCode
from exchange.offers.facts import member_facts
from exchange.offers.history import PurchaseEvent
from exchange.offers.ranking import Reason, member_profile, score_candidates, select
from exchange.offers.store import OfferRecord
from exchange.offers.training import (
    HISTORY_SELECT,
    ServedModel,
    history_event,
    served_model,
)

DIVERSITY_SHARE_MAX = 0.5  # no funding partner takes more than half of a page


@dataclass(frozen=True, slots=True)
class RankedOffer:
    offer: OfferRecord
    rank: int
    score: float
    reason: Reason
    is_activated: bool


@dataclass(frozen=True, slots=True)
class Ranking:
    offers: tuple[RankedOffer, ...]
    model_version: int | None
    model_trained_at: int | None


async def rank_for_member(
    member_id: int, first: int, *, exploration: bool = False
) -> Ranking:
    if not 0 < first <= limits.ranking_first_max:
        raise DomainError(OfferErrorCode.INVALID_OFFER,
                         f"first: 1 to {limits.ranking_first_max}", "first")
    conn, now = connection(), now_us()
    served = await served_model(conn, opened_database())
    catalogue = await current_catalogue(conn, now, served)
    facts = await member_facts(conn, member_id, now)
    events = await member_history(conn, member_id, now)
    scores, reasons = score_candidates(
        catalogue.candidates, member_profile(events, now_us=now), served.model)
    shown = np.flatnonzero(catalogues.eligible_mask(catalogue, facts, now))
    picks = select(
        scores[shown], reasons[shown], catalogue.groups[shown], first,
        group_share_max=DIVERSITY_SHARE_MAX, exploration=exploration,
        # The same member sees the same exploration pick all day: a page can be reloaded.
        rng_seed=member_id * 100_003 + now // days_to_us(1),
    )
    offers = [catalogue.offers[shown[k]] for k, _, _ in picks]
    ranked = tuple(
        RankedOffer(offer=offer, rank=rank, score=score, reason=reason,
                    is_activated=offer.id in facts.activated_offer_ids)
        for rank, (offer, (_, score, reason)) in enumerate(zip(offers, picks, strict=True), 1)
    )
    return Ranking(ranked, served.version,
                   served.model.trained_at_us if served.version is not None else None)


async def current_catalogue(conn: BaseDBAsyncClient, now: int, served: ServedModel
                     ) -> catalogues.Catalogue:
    key = opened_database()
    generation = (changes.generation(), served.version)
    found = catalogues.cached(key, generation)
    if found is None:
        offers = await catalogues.live_offers(conn, now)
        found = catalogues.build_catalogue(offers, served.model, now, served.version)
        catalogues.remember(key, found)
    return found


async def member_history(conn: BaseDBAsyncClient, member_id: int, now: int
                         ) -> list[PurchaseEvent]:
    """The member's most recent purchase lines: enough to know them, bounded per request."""
    rows = await fetch(
        conn,
        f"{HISTORY_SELECT} WHERE i.member_id = $1 AND i.occurred_at >= $2 "
        f"ORDER BY i.occurred_at DESC LIMIT {limits.ranking_history_events_max}",
        member_id, now - days_to_us(limits.ranking_history_days),
    )
    return [history_event(row) for row in rows]
