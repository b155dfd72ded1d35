"""Request-time ranking: score a member's candidate offers and pick a diverse first page.

Pure and vectorised over candidates: a request loops in Python only over the member's own
profile tokens (a few dozen), never over the thousands of candidates.

A candidate's score is a weighted sum of components, each in [0, 1]: the member's own affinity
to the candidate's item, category and partner (max over the candidate's tokens), what similar
members buy (item-item neighbours of the member's tokens), and popularity. Its reason is the
component that contributes most.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from exchange.offers.history import PurchaseEvent
from exchange.offers.model import RankingModel, decay_weights
from exchange.offers.tokens import CATEGORY, ITEM, PARTNER, event_tokens, token_kind


class Reason(enum.Enum):
    CATEGORY_AFFINITY = "CATEGORY_AFFINITY"
    PARTNER_AFFINITY = "PARTNER_AFFINITY"
    ITEM_AFFINITY = "ITEM_AFFINITY"
    SIMILAR_MEMBERS = "SIMILAR_MEMBERS"
    POPULAR = "POPULAR"
    EXPLORATION = "EXPLORATION"


# Component weights, in the order of _COMPONENT_REASONS, tuned with `exchange offers evaluate`
# on synthetic histories (exchange/offers/synthetic.py): what similar members buy is by far the
# strongest signal for an item not bought yet; category and partner affinity and popularity
# break its ties and carry offers that target a whole category or partner.
item_weight = 1.0
category_weight = 0.2
partner_weight = 0.1
similar_weight = 2.0
popularity_weight = 0.2
# The weight of the member's affinity to what a candidate targets most specifically: an item
# (as item_weight), a category, a partner. Items are ranked (evaluation) by the first only.
primary_weights = (item_weight, 0.8, 0.6)
# An offer open to anything matches nothing in particular: a small popularity prior only.
open_offer_popularity = 0.05
_COMPONENT_REASONS = np.array([Reason.ITEM_AFFINITY, Reason.CATEGORY_AFFINITY,
                               Reason.PARTNER_AFFINITY, Reason.SIMILAR_MEMBERS, Reason.POPULAR],
                              dtype=object)
_POPULAR = 4  # the index of Reason.POPULAR in _COMPONENT_REASONS
_KIND_CODES = {ITEM: 0, CATEGORY: 1, PARTNER: 2}
_OPEN = 3  # the kind code of the placeholder token of an offer open to anything


@dataclass(frozen=True, slots=True)
class MemberProfile:
    weights: dict[str, float]  # per token; each kind (p, c, i) sums to 1 within the member


def member_profile(events: Sequence[PurchaseEvent], *, now_us: int,
                   half_life_days: float = 90.0) -> MemberProfile:
    times_us = np.fromiter((e.occurred_at_us for e in events), dtype=np.int64, count=len(events))
    decay = decay_weights(times_us, now_us=now_us, half_life_days=half_life_days).tolist()
    raw: dict[str, float] = {}
    for event, weight in zip(events, decay, strict=True):
        for token in event_tokens(event):
            raw[token] = raw.get(token, 0.0) + weight
    totals: dict[str, float] = {}
    for token, weight in raw.items():
        totals[token_kind(token)] = totals.get(token_kind(token), 0.0) + weight
    return MemberProfile({t: w / totals[token_kind(t)] for t, w in raw.items()
                          if totals[token_kind(t)] > 0})


@dataclass(frozen=True, eq=False)
class CandidateSet:
    """Candidates flattened to one entry per (candidate, token), grouped by candidate, with
    what does not depend on the member computed once."""

    count: int
    starts: np.ndarray  # int64: first entry of each candidate (every candidate has one)
    token_ids: np.ndarray  # int64: the token's id in the model, -1 when unknown or open
    is_specific: np.ndarray  # bool: of the most specific kind its candidate targets
    positions: dict[str, np.ndarray]  # token -> its entries, to look up a profile quickly
    # Entries j = 1, 2, ... of the candidates that have them, as (candidates, entries): a max
    # per candidate is then a few gathers, twice as fast as np.maximum.reduceat.
    later_slots: tuple[tuple[np.ndarray, np.ndarray], ...]
    tail: tuple[np.ndarray, np.ndarray]  # entries beyond dense_slots_max, rare: (owners, entries)
    popularity: np.ndarray  # per candidate, in [0, 1]; 0 without a model
    # Per candidate, the affinity weight of each kind (item, category, partner): the kind it
    # targets most specifically weighs as `primary_weights` says, so an offer on a category the
    # member buys often is matched by that category nearly as an item offer is by its item.
    affinity_weights: np.ndarray  # float64, shape (3, count)
    model_token_count: int  # of the model the ids are from (-1: none), to catch a mix-up


dense_slots_max = 4


def candidate_set(targets: Sequence[Sequence[str]], model: RankingModel | None) -> CandidateSet:
    flat: list[str] = []
    starts_list: list[int] = []
    for tokens in targets:
        starts_list.append(len(flat))
        flat.extend(tokens if tokens else ("",))  # "" marks an offer open to anything
    grouped: dict[str, list[int]] = {}
    for position, token in enumerate(flat):
        grouped.setdefault(token, []).append(position)
    grouped.pop("", None)
    known = model.token_ids if model is not None else {}
    token_ids = np.array([known.get(t, -1) for t in flat], dtype=np.int64)
    kinds = np.array([_KIND_CODES.get(token_kind(t), _OPEN) if t else _OPEN for t in flat],
                     dtype=np.int8)
    starts = np.array(starts_list, dtype=np.int64)
    sizes = np.diff(np.append(starts, len(flat)))
    owner = np.repeat(np.arange(len(targets)), sizes)
    specific_kind = np.minimum.reduceat(kinds, starts) if len(targets) else kinds
    is_specific = kinds == specific_kind[owner]
    slot = np.arange(len(flat)) - starts[owner]
    return CandidateSet(
        count=len(targets), starts=starts, token_ids=token_ids, is_specific=is_specific,
        positions={t: np.array(p, dtype=np.int64) for t, p in grouped.items()},
        later_slots=tuple((np.flatnonzero(sizes > j), starts[sizes > j] + j)
                          for j in range(1, min(int(sizes.max(initial=1)), dense_slots_max))),
        tail=(owner[slot >= dense_slots_max], np.flatnonzero(slot >= dense_slots_max)),
        popularity=_popularity(starts, token_ids, kinds, is_specific, model),
        affinity_weights=_affinity_weights(specific_kind),
        model_token_count=len(model.tokens) if model is not None else -1,
    )


def _affinity_weights(specific_kind: np.ndarray) -> np.ndarray:
    weights = np.repeat(np.array([[item_weight], [category_weight], [partner_weight]]),
                        len(specific_kind), axis=1)
    for kind in range(3):
        weights[kind, specific_kind == kind] = primary_weights[kind]
    return weights


def _popularity(starts: np.ndarray, token_ids: np.ndarray, kinds: np.ndarray,
                is_specific: np.ndarray, model: RankingModel | None) -> np.ndarray:
    """Of the candidate's most specific tokens: an item offer is as popular as its item, not as
    its partner."""
    if model is None or len(starts) == 0:
        return np.zeros(len(starts))
    padded = np.append(model.popularity.astype(np.float64), 0.0)  # index -1 reads 0
    values = np.where(kinds == _OPEN, open_offer_popularity, padded[token_ids])
    return np.maximum.reduceat(np.where(is_specific, values, 0.0), starts)


def score_candidates(candidates: CandidateSet, profile: MemberProfile,
                     model: RankingModel | None) -> tuple[np.ndarray, np.ndarray]:
    """Scores (float64) and reasons (an object array of Reason), one per candidate."""
    if candidates.count == 0:
        return np.zeros(0), np.zeros(0, dtype=object)
    components = np.zeros((5, candidates.count))
    for kind, own in enumerate(_profile_weights(candidates, profile)):
        components[kind] = _per_candidate_max(candidates, own)
    if model is not None:
        assert candidates.model_token_count == len(model.tokens), "candidates of another model"
        components[3] = _similar_members(candidates, profile, model)
        components[4] = candidates.popularity
    weights = np.vstack([candidates.affinity_weights,
                         np.full((2, candidates.count), [[similar_weight], [popularity_weight]])])
    contributions = components * weights
    scores = contributions.sum(axis=0)
    codes = contributions.argmax(axis=0)
    codes[scores <= 0] = _POPULAR  # nothing known (no history, no model): the fallback
    return scores, _COMPONENT_REASONS[codes]


def _profile_weights(candidates: CandidateSet, profile: MemberProfile) -> np.ndarray:
    """Per entry, the member's weight of its token, one row per kind (item, category,
    partner)."""
    own = np.zeros((3, len(candidates.token_ids)))
    for token, weight in profile.weights.items():
        positions = candidates.positions.get(token)
        if positions is not None:
            own[_KIND_CODES[token_kind(token)], positions] = weight
    return own


def _per_candidate_max(candidates: CandidateSet, values: np.ndarray) -> np.ndarray:
    best: np.ndarray = values[candidates.starts]
    for owners, entries in candidates.later_slots:
        best[owners] = np.maximum(best[owners], values[entries])
    owners, entries = candidates.tail
    if len(owners):
        np.maximum.at(best, owners, values[entries])
    return best


def _similar_members(candidates: CandidateSet, profile: MemberProfile,
                     model: RankingModel) -> np.ndarray:
    """sum_h w_h sim(h, t) over the member's tokens h, max over the candidate's tokens t,
    scaled so the best candidate has 1."""
    rows = [(model.token_ids[t], w) for t, w in profile.weights.items() if t in model.token_ids]
    if not rows:
        return np.zeros(candidates.count)
    slices = [slice(model.indptr[h], model.indptr[h + 1]) for h, _ in rows]
    neighbours = np.concatenate([model.indices[s] for s in slices])
    strengths = np.concatenate([model.weights[s] * w for s, (_, w) in zip(slices, rows,
                                                                          strict=True)])
    by_token = np.bincount(neighbours, weights=strengths, minlength=len(model.tokens) + 1)
    by_token[-1] = 0.0  # index -1 is where unknown and open entries read
    # Of the candidate's most specific tokens, as for popularity: every item of a partner would
    # otherwise score as its partner does, the partner being close to everything.
    best = _per_candidate_max(candidates, np.where(candidates.is_specific,
                                                   by_token[candidates.token_ids], 0.0))
    top = best.max()
    return best / top if top > 0 else best


def select(
    scores: np.ndarray, reasons: Sequence[Reason] | np.ndarray, groups: Sequence[str] | np.ndarray,
    first: int, *, group_share_max: float = 0.5, exploration: bool = False,
    rng_seed: int | None = None,
) -> list[tuple[int, float, Reason]]:
    """The best `first` candidates, at most ceil(first * group_share_max) from one group (the
    funding partner) while other groups still have candidates; with `exploration`, the last
    slot goes to a random candidate not otherwise chosen."""
    assert len(scores) == len(reasons) == len(groups) and first >= 0
    assert 0 < group_share_max <= 1
    per_group_max = math.ceil(first * group_share_max)
    # Sorting a short head of the ranking is enough unless one group fills all of it.
    head = _best_first(np.asarray(scores), first * 4 + 16)
    capped, skipped = _capped(head, groups, first, per_group_max)
    if len(capped) < first and len(head) < len(scores):
        capped, skipped = _capped(_best_first(np.asarray(scores), len(scores)), groups, first,
                                  per_group_max)
    # Only one group had candidates left: fill the page rather than leave it short.
    chosen = [index for _, index in sorted(capped + skipped[:first - len(capped)])]
    picks = [(i, float(scores[i]), reasons[i]) for i in chosen]
    if exploration and picks:
        others = np.ones(len(scores), dtype=bool)
        others[chosen] = False
        pool = np.flatnonzero(others)
        if len(pool):
            pick = int(np.random.default_rng(rng_seed).choice(pool))
            picks[-1] = (pick, float(scores[pick]), Reason.EXPLORATION)
    return picks


def _best_first(scores: np.ndarray, count: int) -> list[int]:
    """The `count` best candidates, best first, ties in index order. Of those tied with the
    last, only the lowest indexes are taken: thousands of offers often share a score."""
    negated = -scores
    if count < len(scores):
        threshold = np.partition(negated, count - 1)[count - 1]
        better = np.flatnonzero(negated < threshold)
        tied = np.flatnonzero(negated == threshold)[:count - len(better)]
        head = np.concatenate([better, tied])
        # Stable: equal scores are all in one of the two parts, each in index order.
        ordered = head[np.argsort(negated[head], kind="stable")]
    else:
        ordered = np.argsort(negated, kind="stable")
    return [int(index) for index in ordered]


def _capped(order: list[int], groups: Sequence[str] | np.ndarray, first: int, per_group_max: int,
            ) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
    """Up to `first` candidates in `order` (best first), at most `per_group_max` per group, and
    those skipped for their group, each as (position in order, candidate)."""
    capped: list[tuple[int, int]] = []
    skipped: list[tuple[int, int]] = []
    taken: dict[str, int] = {}
    for position, index in enumerate(order):
        if len(capped) == first:
            break
        group = groups[index]
        if taken.get(group, 0) < per_group_max:
            taken[group] = taken.get(group, 0) + 1
            capped.append((position, index))
        else:
            skipped.append((position, index))
    return capped, skipped
