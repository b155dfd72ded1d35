"""Training the ranking model: neighbours of co-bought items, recency decay, storage."""

from __future__ import annotations

import numpy as np

from exchange.offers.history import PurchaseEvent
from exchange.offers.model import RankingModel, decay_weights, train_model
from tests.offers.helpers import DAY_US, NOW_US, buy, co_bought


def _neighbours(model: RankingModel, token: str) -> dict[str, float]:
    row = model.token_ids[token]
    span = slice(model.indptr[row], model.indptr[row + 1])
    return {model.tokens[j]: float(w) for j, w in zip(model.indices[span], model.weights[span],
                                                      strict=True)}


def _planted() -> list[PurchaseEvent]:
    # given two groups of members, one buying milk and bread, the other nails and glue,
    # and everyone buying the occasional newspaper
    events = co_bought(("milk", "bread"), range(20), "a") + co_bought(("nails", "glue"),
                                                                      range(20), "b")
    events += [buy(f"a{m}", "news") for m in range(0, 20, 2)]
    events += [buy(f"b{m}", "news") for m in range(0, 20, 2)]
    return events


def test_the_nearest_item_is_the_one_bought_with_it() -> None:
    model = train_model(_planted(), now_us=NOW_US)
    milk = _neighbours(model, "i:milk")
    items = [token for token in milk if token.startswith("i:")]
    # then bread comes first, the newspaper (bought by half of the milk buyers) after it, and
    # the other group's items never
    assert items == ["i:bread", "i:news"]
    assert milk["i:bread"] > milk["i:news"] > 0
    assert "i:nails" not in milk and "i:glue" not in milk
    # and neighbours are symmetric in membership, never the token itself, sorted best first
    assert "i:milk" in _neighbours(model, "i:bread") and "i:milk" not in milk
    weights = list(milk.values())
    assert weights == sorted(weights, reverse=True) and all(0 < w <= 1 for w in weights)
    # and the counts are those of the history
    assert (model.member_count, model.event_count) == (40, 100)


def test_neighbours_are_capped() -> None:
    full = train_model(_planted(), now_us=NOW_US)
    model = train_model(_planted(), now_us=NOW_US, neighbours_max=2)
    assert np.diff(model.indptr).max() == 2
    assert _neighbours(model, "i:milk") == dict(list(_neighbours(full, "i:milk").items())[:2])


def test_recent_purchases_weigh_more() -> None:
    # given an item bought by 10 members two years ago and one bought by 4 members this week
    events = [buy(f"old{m}", "fax", days_ago=730) for m in range(10)]
    events += [buy(f"new{m}", "phone", days_ago=2) for m in range(4)]
    model = train_model(events, now_us=NOW_US, half_life_days=90)
    popularity = dict(zip(model.tokens, model.popularity.tolist(), strict=True))
    # then the recent one is the more popular, the most popular item has 1
    assert popularity["i:phone"] == 1.0
    assert 0 < popularity["i:fax"] < 0.1
    # and a decay of one half-life halves, a future time counts as now
    ages = NOW_US - np.array([0, 90 * DAY_US, 180 * DAY_US, -DAY_US])
    assert decay_weights(ages, now_us=NOW_US, half_life_days=90).tolist() == [1, 0.5, 0.25, 1]


def test_one_huge_member_pairs_only_its_strongest_tokens() -> None:
    # given one member with 100 distinct items, bought a day apart (the newest weigh most)
    events = [buy("big", f"item{n:03d}", days_ago=n, category="all") for n in range(100)]
    model = train_model(events, now_us=NOW_US)
    # then its partner, its category and its 62 newest items make the 64 tokens paired
    assert len(_neighbours(model, "i:item000")) == 50
    assert len(_neighbours(model, "i:item061")) == 50
    assert _neighbours(model, "i:item062") == {}


def test_the_model_survives_a_round_trip() -> None:
    model = train_model(_planted(), now_us=NOW_US)
    copy = RankingModel.from_bytes(model.to_bytes())
    assert copy.tokens == model.tokens and copy.token_ids == model.token_ids
    for name in ("popularity", "indptr", "indices", "weights"):
        assert np.array_equal(getattr(copy, name), getattr(model, name))
        assert getattr(copy, name).dtype == getattr(model, name).dtype
    assert (copy.trained_at_us, copy.member_count, copy.event_count) == (
        NOW_US, 40, 100)


def test_an_empty_history_trains_an_empty_model() -> None:
    model = RankingModel.from_bytes(train_model([], now_us=NOW_US).to_bytes())
    assert model.tokens == () and model.indptr.tolist() == [0] and model.member_count == 0
