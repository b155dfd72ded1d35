"""Request-time ranking: components, reasons, cold start, diversity and exploration."""

from __future__ import annotations

import numpy as np
import pytest

from exchange.offers.model import RankingModel, train_model
from exchange.offers.ranking import (
    MemberProfile,
    Reason,
    candidate_set,
    member_profile,
    score_candidates,
    select,
)
from tests.offers.helpers import NOW_US, buy, co_bought


def _model() -> RankingModel:
    # given: milk and bread go together; soap is popular with everyone else; rare is rare
    events = co_bought(("milk", "bread"), range(10), "a")
    events += [buy(f"b{m}", "soap") for m in range(30)]
    events += [buy("c0", "rare")]
    return train_model(events, now_us=NOW_US)


def test_member_profile_sums_to_one_per_kind() -> None:
    profile = member_profile([buy("m", "milk"), buy("m", "milk", days_ago=91),
                              buy("m", "bread", days_ago=1, partner="bakery")], now_us=NOW_US)
    kinds: dict[str, float] = {}
    for token, weight in profile.weights.items():
        kinds[token[0]] = kinds.get(token[0], 0.0) + weight
    assert kinds == pytest.approx({"p": 1.0, "c": 1.0, "i": 1.0})
    # milk: 1 + ~0.5 decayed, bread: 1
    assert profile.weights["i:milk"] == pytest.approx(1.5 / 2.5, abs=0.01)


def test_cold_start_ranks_by_popularity() -> None:
    model = _model()
    targets = [["i:rare"], ["i:milk"], ["i:soap"], ["i:unknown"]]
    scores, reasons = score_candidates(candidate_set(targets, model), MemberProfile({}), model)
    assert np.argsort(-scores, kind="stable").tolist() == [2, 1, 0, 3]
    assert list(reasons) == [Reason.POPULAR] * 4
    assert scores[3] == 0


def test_own_affinity_gives_the_reason() -> None:
    model = _model()
    profile = member_profile([buy("m", "soap", partner="drugstore", category="hygiene")],
                             now_us=NOW_US)
    targets = [["i:soap"], ["c:hygiene"], ["p:drugstore"], ["c:toys"]]
    scores, reasons = score_candidates(candidate_set(targets, model), profile, model)
    assert list(reasons[:3]) == [Reason.ITEM_AFFINITY, Reason.CATEGORY_AFFINITY,
                                 Reason.PARTNER_AFFINITY]
    assert scores[0] > scores[1] > scores[2] > scores[3]


def test_what_similar_members_buy_beats_popularity() -> None:
    model = _model()
    profile = member_profile([buy("m", "milk")], now_us=NOW_US)
    targets = [["i:soap"], ["i:bread", "p:shop"], ["i:rare"]]
    scores, reasons = score_candidates(candidate_set(targets, model), profile, model)
    assert reasons[1] == Reason.SIMILAR_MEMBERS
    assert scores[1] > scores[0] > scores[2]


def test_an_offer_open_to_anything_gets_a_small_prior() -> None:
    model = _model()
    scores, reasons = score_candidates(candidate_set([[], ["i:unknown"]], model),
                                       MemberProfile({}), model)
    assert scores[0] > scores[1] == 0 and reasons[0] == Reason.POPULAR


def test_without_a_model_own_affinity_still_ranks() -> None:
    profile = member_profile([buy("m", "milk", category="dairy"), buy("m", "milk")],
                             now_us=NOW_US)
    targets = [["i:soap"], ["c:dairy"], ["i:milk"], []]
    candidates = candidate_set(targets, None)
    scores, reasons = score_candidates(candidates, profile, None)
    picks = select(scores, reasons, ["x", "y", "z", "w"], 4)
    assert [(i, r) for i, _, r in picks] == [(2, Reason.ITEM_AFFINITY),
                                            (1, Reason.CATEGORY_AFFINITY),
                                            (0, Reason.POPULAR), (3, Reason.POPULAR)]


def test_no_candidates() -> None:
    scores, reasons = score_candidates(candidate_set([], None), MemberProfile({}), None)
    assert len(scores) == len(reasons) == 0
    assert select(scores, reasons, [], 10) == []


def test_one_partner_gets_at_most_its_share_while_others_have_offers() -> None:
    # given the grocer funds the six best offers, the baker two worse ones
    scores = np.array([9, 8, 7, 6, 5, 4, 1, 0.5])
    groups = ["grocer"] * 6 + ["baker"] * 2
    reasons = [Reason.POPULAR] * 8
    # when four are asked for at a share of one half, then two each, in score order
    picks = select(scores, reasons, groups, 4, group_share_max=0.5)
    assert [i for i, _, _ in picks] == [0, 1, 6, 7]
    # when six are asked for, the baker runs out and the grocer fills the page
    assert [i for i, _, _ in select(scores, reasons, groups, 6)] == [0, 1, 2, 3, 6, 7]
    # ties keep the candidates' order
    assert [i for i, _, _ in select(np.zeros(4), reasons[:4], ["a", "b", "a", "b"], 3)] == [
        0, 1, 2]


def test_diversity_looks_past_the_head_of_a_long_ranking() -> None:
    # given 100 offers, the 98 best funded by one partner, the two worst by another
    scores = np.linspace(1.0, 0.0, 100)
    groups = ["grocer"] * 98 + ["baker"] * 2
    picks = select(scores, [Reason.POPULAR] * 100, groups, 4)
    # then the baker's two still get their half of the page
    assert [i for i, _, _ in picks] == [0, 1, 98, 99]


def test_exploration_takes_the_last_slot_reproducibly() -> None:
    scores = np.arange(20, 0, -1, dtype=np.float64)
    groups = [f"g{i}" for i in range(20)]
    reasons = [Reason.POPULAR] * 20
    picks = select(scores, reasons, groups, 5, exploration=True, rng_seed=7)
    assert [i for i, _, _ in picks[:4]] == [0, 1, 2, 3]
    explored, score, reason = picks[4]
    assert reason == Reason.EXPLORATION and explored >= 5 and score == scores[explored]
    assert select(scores, reasons, groups, 5, exploration=True, rng_seed=7) == picks
    others = {select(scores, reasons, groups, 5, exploration=True, rng_seed=s)[4][0]
              for s in range(20)}
    assert len(others) > 1  # the seed matters
    # nothing left to explore: the page stays as it is
    assert select(scores[:3], reasons[:3], groups[:3], 5, exploration=True, rng_seed=7) == (
        select(scores[:3], reasons[:3], groups[:3], 5))
