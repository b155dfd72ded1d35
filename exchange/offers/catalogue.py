"""The live offers as ranking needs them: built once, kept for a few seconds, shared by requests.

Eligibility facts that hold for every member (window, status, segment bounds, uses, paced
budget) become numpy arrays, so one member's mask over thousands of offers is a few array
operations. Each process rebuilds its catalogue at most every `catalogue_ttl_seconds`, and at
once after an offer changes in the same process: another worker sees a change within that
time. A purchase re-checks everything exactly (at_purchase.py), so a stale catalogue can only
show an offer a moment too long, never pay one it should not.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from tortoise import BaseDBAsyncClient

from exchange import limits
from exchange.clock import days_to_us
from exchange.offers import changes, store
from exchange.offers.eligibility import MemberFacts, paced_cap
from exchange.offers.model import RankingModel
from exchange.offers.ranking import CandidateSet, candidate_set
from exchange.offers.store import OfferRecord
from exchange.offers.tokens import category_token, item_token, partner_token

_SEGMENTS = ("everyone", "new_member", "lapsed", "spend_band")


@dataclass(frozen=True, eq=False)
class Catalogue:
    offers: tuple[OfferRecord, ...]
    offer_ids: np.ndarray
    candidates: CandidateSet
    groups: np.ndarray  # the funding partner of each offer (objects): the diversity rule's groups
    starts_at: np.ndarray
    ends_at: np.ndarray
    has_budget_at: np.ndarray  # the paced cap exceeds what is awarded, as of `built_at`
    segment: np.ndarray  # index into _SEGMENTS
    segment_us: np.ndarray  # the segment's days, in microseconds
    spend_currency: tuple[str, ...]
    spend_min: np.ndarray
    spend_max: np.ndarray  # -1: no upper bound
    uses_max: np.ndarray
    built_at: int
    generation: tuple[int, int | None]  # (offer changes seen, model id)


def offer_tokens(offer: OfferRecord) -> list[str]:
    targeting = offer.spec.targeting
    partners = targeting.partners or (offer.funding_partner_code,)
    return [*(partner_token(p) for p in partners),
            *(category_token(c) for c in targeting.categories),
            *(item_token(i) for i in targeting.items)]


def build_catalogue(offers: Sequence[OfferRecord], model: RankingModel | None, now: int,
                    model_id: int | None) -> Catalogue:
    def column(values: list[int]) -> np.ndarray:
        return np.array(values, dtype=np.int64)

    specs = [o.spec for o in offers]
    return Catalogue(
        offers=tuple(offers),
        offer_ids=column([o.id for o in offers]),
        candidates=candidate_set([offer_tokens(o) for o in offers], model),
        groups=np.array([o.funding_partner_code for o in offers], dtype=object),
        starts_at=column([s.starts_at for s in specs]),
        ends_at=column([s.ends_at for s in specs]),
        has_budget_at=np.array([paced_cap(o.spec, now) > o.points_awarded for o in offers],
                               dtype=bool),
        segment=column([_SEGMENTS.index(s.segment.kind) for s in specs]),
        segment_us=column([days_to_us(s.segment.days) for s in specs]),
        spend_currency=tuple(s.segment.currency for s in specs),
        spend_min=column([s.segment.spend_min_minor for s in specs]),
        spend_max=column([-1 if s.segment.spend_max_minor is None else s.segment.spend_max_minor
                          for s in specs]),
        uses_max=column([s.per_member_uses_max for s in specs]),
        built_at=now, generation=(changes.generation(), model_id),
    )


def eligible_mask(catalogue: Catalogue, facts: MemberFacts, now: int) -> np.ndarray:
    """Which offers the member may be shown now (eligibility.can_show, for all at once)."""
    live = (catalogue.starts_at <= now) & (now < catalogue.ends_at)
    mask: np.ndarray = live & catalogue.has_budget_at
    enrolled_for = now - facts.enrolled_at
    mask &= (catalogue.segment != 1) | (enrolled_for < catalogue.segment_us)
    last = facts.last_purchase_at
    lapsed_ok = np.zeros(len(mask), dtype=bool) if last is None else (
        now - last >= catalogue.segment_us)
    mask &= (catalogue.segment != 2) | lapsed_ok
    band = catalogue.segment == 3
    if band.any():
        spend = np.array([facts.spend_minor.get(c, 0) for c in catalogue.spend_currency],
                         dtype=np.int64)
        in_band = (spend >= catalogue.spend_min) & (
            (catalogue.spend_max < 0) | (spend <= catalogue.spend_max))
        mask &= ~band | in_band
    if facts.uses:  # the few offers this member has used
        used = np.flatnonzero(np.isin(catalogue.offer_ids, list(facts.uses)))
        uses = np.array([facts.uses[int(i)] for i in catalogue.offer_ids[used]], dtype=np.int64)
        mask[used] &= uses < catalogue.uses_max[used]
    return mask


async def live_offers(conn: BaseDBAsyncClient, now: int) -> list[OfferRecord]:
    """Offers live now or starting within a day (a catalogue is kept for seconds, not days)."""
    return await store.live_offers(conn, now, now + days_to_us(1), limits.offers_live_max)


_cached: dict[str, tuple[float, Catalogue]] = {}


def cached(key: str, generation: tuple[int, int | None]) -> Catalogue | None:
    found = _cached.get(key)
    if found is None or found[1].generation != generation:
        return None
    if time.monotonic() - found[0] > limits.catalogue_ttl_seconds:
        return None
    return found[1]


def remember(key: str, catalogue: Catalogue) -> None:
    _cached[key] = (time.monotonic(), catalogue)
