"""Synthetic purchase histories with a planted structure, to evaluate and benchmark the ranker.

Members belong to latent segments; a segment prefers a few categories and, within them, a small
set of items (skewed, so some are its favourites). Every purchase either follows the member's
segment or the global Zipf popularity of the catalogue. A ranker that learns who buys what
together should recover the segments; popularity alone stays a real but weaker baseline.
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import TextIO

import numpy as np

from exchange.offers.history import PurchaseEvent, columns

segments = 20
categories_per_segment = 3
items_per_segment_max = 40
segment_share = 0.7  # chance that a purchase follows the member's segment
zipf_exponent = 1.0
own_partner_share = 0.8  # chance that an item is sold by its category's usual partner
amount_cents_min, amount_cents_max = 100, 20_000


def generate_purchases(
    *, members: int, items: int, partners: int = 8, categories: int = 40,
    purchases_per_member: float = 8.0, seed: int = 0, start_us: int, end_us: int,
) -> list[PurchaseEvent]:
    assert members >= 1 and items >= 1 and partners >= 1 and categories >= 1
    assert purchases_per_member >= 1 and end_us > start_us
    rng = np.random.default_rng(seed)
    item_category, item_partner = _catalogue(rng, items, partners, categories)
    popularity = _zipf(rng, items)
    segment_items = _segment_items(rng, item_category, popularity)
    counts = 1 + rng.poisson(purchases_per_member - 1, size=members)
    buyer = np.repeat(np.arange(members), counts)
    segment_of = rng.integers(segments, size=members)[buyer]
    bought = rng.choice(items, size=len(buyer), p=popularity)
    follows = rng.random(len(buyer)) < segment_share
    slot = rng.choice(segment_items.shape[1], size=len(buyer), p=_zipf(rng, segment_items.shape[1]))
    bought = np.where(follows, segment_items[segment_of, slot], bought)
    # Whole seconds, as real purchase records are.
    times_us = rng.integers(-(-start_us // 10**6), max(end_us // 10**6, -(-start_us // 10**6) + 1),
                            size=len(buyer)) * 10**6
    cents = rng.integers(amount_cents_min, amount_cents_max, size=len(buyer))
    return _events(buyer, bought, item_category, item_partner, cents, times_us)


def _catalogue(rng: np.random.Generator, items: int, partners: int, categories: int,
               ) -> tuple[np.ndarray, np.ndarray]:
    category_partner = rng.integers(partners, size=categories)
    item_category = rng.integers(categories, size=items)
    own = rng.random(items) < own_partner_share
    item_partner = np.where(own, category_partner[item_category],
                            rng.integers(partners, size=items))
    return item_category, item_partner


def _zipf(rng: np.random.Generator, size: int) -> np.ndarray:
    """Zipf probabilities over `size` slots, in a random order."""
    weights = 1.0 / np.arange(1, size + 1) ** zipf_exponent
    return rng.permutation(weights / weights.sum())


def _segment_items(rng: np.random.Generator, item_category: np.ndarray,
                   popularity: np.ndarray) -> np.ndarray:
    """Per segment, a fixed-size list of items from its preferred categories (repeats allowed
    when the categories are small), drawn leaning towards popular items."""
    categories = int(item_category.max()) + 1
    size = min(items_per_segment_max, len(item_category))
    table = np.empty((segments, size), dtype=np.int64)
    for segment in range(segments):
        preferred = rng.choice(categories, size=min(categories_per_segment, categories),
                               replace=False)
        pool = np.flatnonzero(np.isin(item_category, preferred))
        if len(pool) == 0:
            pool = np.arange(len(item_category))
        weights = np.sqrt(popularity[pool])
        table[segment] = rng.choice(pool, size=size, replace=len(pool) < size,
                                    p=weights / weights.sum())
    return table


def _events(buyer: np.ndarray, bought: np.ndarray, item_category: np.ndarray,
            item_partner: np.ndarray, cents: np.ndarray, times_us: np.ndarray,
            ) -> list[PurchaseEvent]:
    partner_codes = [f"partner{p:02d}" for p in range(int(item_partner.max()) + 1)]
    category_names = [f"category{c:03d}" for c in range(int(item_category.max()) + 1)]
    item_keys = [f"{partner_codes[p]}/sku{i:06d}" for i, p in enumerate(item_partner.tolist())]
    partner_of, category_of = item_partner.tolist(), item_category.tolist()
    return [
        PurchaseEvent(f"m{m:07d}", partner_codes[partner_of[i]], category_names[category_of[i]],
                      item_keys[i], Decimal(c).scaleb(-2), t)
        for m, i, c, t in zip(buyer.tolist(), bought.tolist(), cents.tolist(), times_us.tolist(),
                              strict=True)
    ]


def write_purchases_csv(events: Sequence[PurchaseEvent], path: str | Path) -> None:
    with Path(path).open("w", encoding="utf-8", newline="") as handle:
        write_purchases(events, handle)


def write_purchases(events: Sequence[PurchaseEvent], handle: TextIO) -> None:
    writer = csv.writer(handle, lineterminator="\n")
    writer.writerow(columns)
    for e in events:
        writer.writerow((e.member_key, e.partner, e.category, e.item, e.amount,
                         _iso_utc(e.occurred_at_us)))


def _iso_utc(moment_us: int) -> str:
    seconds, micros = divmod(moment_us, 1_000_000)
    text = datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%S")
    return f"{text}.{micros:06d}Z" if micros else f"{text}Z"
