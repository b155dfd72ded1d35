"""The offline protocol of `exchange offers evaluate`: leave the last purchase out, rank, score.

For each member with at least 2 purchases, the chronologically last purchase (ties: the last in
file order) is held out; the model is trained on everything else. Every item of the file the
member has not bought in training is ranked, by the project's ranker and by popularity, and a
hit is the held-out item within the top k. NDCG has one relevant item: 1 / log2(rank + 2) for a
hit at 0-based rank. A held-out item the member had already bought earlier is not a candidate,
so it counts as a miss for both rankers.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from exchange.offers.history import PurchaseEvent
from exchange.offers.model import RankingModel, train_model
from exchange.offers.ranking import CandidateSet, candidate_set, member_profile, score_candidates
from exchange.offers.tokens import category_token, item_token, partner_token

progress_every_members = 256
# on_progress(stage, done, total), stage "training" or "scoring"
StageProgress = Callable[[str, int, int], None]


@dataclass(frozen=True, slots=True)
class Metrics:
    hr: float
    ndcg: float


@dataclass(frozen=True, slots=True)
class Evaluation:
    ranker: Metrics
    popularity: Metrics
    members: int
    items: int


@dataclass(frozen=True, slots=True)
class _Split:
    training: list[PurchaseEvent]
    held_out: dict[str, PurchaseEvent]  # member key -> their last purchase
    history: dict[str, list[PurchaseEvent]]  # member key -> training purchases, held-out only


@dataclass(frozen=True, slots=True)
class _Catalogue:
    items: dict[str, int]  # item -> candidate index, in order of first appearance in the file
    candidates: CandidateSet
    popularity_position: np.ndarray  # each item's 0-based place in the popularity order


def evaluate(events: Sequence[PurchaseEvent], *, k: int = 10, now_us: int | None = None,
             on_progress: StageProgress | None = None) -> Evaluation:
    assert k >= 1
    report = on_progress or (lambda stage, done, total: None)
    at_us = now_us if now_us is not None else max((e.occurred_at_us for e in events), default=0)
    split = _split(events)
    model = train_model(split.training, now_us=at_us,
                        on_progress=lambda done, total: report("training", done, total))
    catalogue = _catalogue(events, split, model)
    ranker = np.zeros((2, len(split.held_out)))  # hit, ndcg per member
    popular = np.zeros((2, len(split.held_out)))
    for n, (member, held) in enumerate(split.held_out.items()):
        bought = np.array(sorted({catalogue.items[e.item] for e in split.history[member]}),
                          dtype=np.int64)
        target = catalogue.items[held.item]
        if target in bought:
            continue  # not a candidate: a miss for both
        profile = member_profile(split.history[member], now_us=at_us)
        scores, _ = score_candidates(catalogue.candidates, profile, model)
        _record(ranker, n, _score_rank(scores, bought, target), k)
        _record(popular, n, _popularity_rank(catalogue.popularity_position, bought, target), k)
        if (n + 1) % progress_every_members == 0:
            report("scoring", n + 1, len(split.held_out))
    report("scoring", len(split.held_out), len(split.held_out))
    return Evaluation(_metrics(ranker), _metrics(popular), len(split.held_out),
                      len(catalogue.items))


def _split(events: Sequence[PurchaseEvent]) -> _Split:
    last: dict[str, int] = {}
    counts: Counter[str] = Counter()
    for index, event in enumerate(events):
        counts[event.member_key] += 1
        best = last.get(event.member_key)
        # >= : of purchases at the same moment, the last in file order is the last one
        if best is None or event.occurred_at_us >= events[best].occurred_at_us:
            last[event.member_key] = index
    held = {last[m] for m, count in counts.items() if count >= 2}
    training = [e for i, e in enumerate(events) if i not in held]
    history: dict[str, list[PurchaseEvent]] = {events[i].member_key: [] for i in sorted(held)}
    for event in training:
        if event.member_key in history:
            history[event.member_key].append(event)
    return _Split(training, {events[i].member_key: events[i] for i in sorted(held)}, history)


def _catalogue(events: Sequence[PurchaseEvent], split: _Split,
               model: RankingModel) -> _Catalogue:
    items = {e.item: 0 for e in events}
    items = {item: index for index, item in enumerate(items)}
    # An item's category and partner: the most frequent in training; an item bought only as a
    # held-out purchase takes them from there (catalogue data, not behaviour).
    labels: dict[str, Counter[tuple[str, str]]] = {item: Counter() for item in items}
    for event in split.training:
        labels[event.item][(event.category, event.partner)] += 1
    for event in split.held_out.values():
        if not labels[event.item]:
            labels[event.item][(event.category, event.partner)] += 1
    targets = []
    for item, counter in labels.items():
        category, partner = counter.most_common(1)[0][0]
        targets.append([item_token(item), category_token(category), partner_token(partner)])
    buyers = {(e.member_key, e.item) for e in split.training}
    counts = np.bincount([items[item] for _, item in buyers], minlength=len(items))
    order = np.argsort(-counts, kind="stable")  # ties: first appearance in the file
    position = np.empty(len(items), dtype=np.int64)
    position[order] = np.arange(len(items))
    return _Catalogue(items, candidate_set(targets, model), position)


def _score_rank(scores: np.ndarray, bought: np.ndarray, target: int) -> int:
    """0-based rank of `target` among the items not bought; ties go to the lower index."""
    ahead = scores > scores[target]
    ahead[:target] |= scores[:target] == scores[target]
    ahead[bought] = False
    return int(np.count_nonzero(ahead))


def _popularity_rank(position: np.ndarray, bought: np.ndarray, target: int) -> int:
    return int(position[target] - np.count_nonzero(position[bought] < position[target]))


def _record(results: np.ndarray, member: int, rank: int, k: int) -> None:
    if rank < k:
        results[0, member] = 1.0
        results[1, member] = 1.0 / np.log2(rank + 2)


def _metrics(results: np.ndarray) -> Metrics:
    if results.shape[1] == 0:
        return Metrics(0.0, 0.0)
    return Metrics(float(results[0].mean()), float(results[1].mean()))
