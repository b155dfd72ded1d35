"""The trained ranking model: how popular each token is, and which tokens go together.

"Together" is item-item co-occurrence across members over every token kind (partners,
categories, items), as a damped cosine: sim(a, b) = C_ab / sqrt(N_a N_b) * c_ab / (c_ab + k),
where x_mt = min(1, decayed purchases of t by member m), C_ab = sum_m x_ma x_mb, N_t =
sum_m x_mt (the decayed count of its buyers) and c_ab counts the members behind C_ab. The
damping keeps a pair seen at one member from looking as similar as a pair seen at hundreds.
Training is sort-based numpy end to end: no Python loop runs per event or per member.
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from itertools import pairwise

import numpy as np

from exchange import limits
from exchange.offers.history import PurchaseEvent
from exchange.offers.tokens import category_token, item_token, partner_token, token_kind

similarity_shrinkage_members = 3.0
# sim(h -> t) = C_ht / (N_h^e N_t^(1-e)): e = 0.5 is the cosine, e = 1 is P(t | h), which
# leans towards popular t.
source_exponent = 0.5
microseconds_per_day = 86_400 * 1_000_000
_FORMAT_VERSION = 1

ProgressCallback = Callable[[int, int], None]


@dataclass(frozen=True, eq=False)
class RankingModel:
    tokens: tuple[str, ...]
    token_ids: dict[str, int] = field(init=False, repr=False)
    popularity: np.ndarray  # float32 per token in [0, 1]
    # Each token's most similar tokens, best first, in CSR form: row t is indptr[t]:indptr[t+1].
    indptr: np.ndarray  # int64, len(tokens) + 1
    indices: np.ndarray  # int32
    weights: np.ndarray  # float32 in (0, 1]
    trained_at_us: int
    member_count: int
    event_count: int

    def __post_init__(self) -> None:
        object.__setattr__(self, "token_ids", {t: i for i, t in enumerate(self.tokens)})
        size = len(self.tokens)
        assert len(self.token_ids) == size, "tokens must be distinct"
        assert self.popularity.shape == (size,) and self.indptr.shape == (size + 1,)
        assert self.indices.shape == self.weights.shape == (int(self.indptr[-1]),)

    def to_bytes(self) -> bytes:
        buffer = io.BytesIO()
        np.savez_compressed(
            buffer,
            tokens=np.frombuffer(json.dumps(self.tokens).encode(), dtype=np.uint8),
            popularity=self.popularity, indptr=self.indptr, indices=self.indices,
            weights=self.weights,
            meta=np.array([_FORMAT_VERSION, self.trained_at_us, self.member_count,
                           self.event_count], dtype=np.int64),
        )
        return buffer.getvalue()

    @classmethod
    def from_bytes(cls, data: bytes) -> RankingModel:
        with np.load(io.BytesIO(data), allow_pickle=False) as stored:
            version, trained_at_us, member_count, event_count = (int(v) for v in stored["meta"])
            if version != _FORMAT_VERSION:
                raise ValueError(f"ranking model format {version}, expected {_FORMAT_VERSION}")
            return cls(
                tokens=tuple(json.loads(stored["tokens"].tobytes().decode())),
                popularity=stored["popularity"].astype(np.float32),
                indptr=stored["indptr"].astype(np.int64),
                indices=stored["indices"].astype(np.int32),
                weights=stored["weights"].astype(np.float32),
                trained_at_us=trained_at_us, member_count=member_count, event_count=event_count,
            )


@dataclass(frozen=True, slots=True)
class _Presence:
    """One row per (member, token) bought, sorted by member: x = min(1, decayed purchases)."""

    member: np.ndarray  # int64
    token: np.ndarray  # int64
    x: np.ndarray  # float64


def train_model(
    events: Sequence[PurchaseEvent], *, now_us: int, half_life_days: float = 90.0,
    neighbours_max: int = 50, on_progress: ProgressCallback | None = None,
) -> RankingModel:
    assert half_life_days > 0 and neighbours_max >= 0
    tokens, members, token_columns, times_us = _encode(events)
    decay = decay_weights(times_us, now_us=now_us, half_life_days=half_life_days)
    presence = _presence(members, token_columns, decay, len(tokens))
    raw = np.bincount(presence.token, weights=presence.x, minlength=len(tokens))
    pair_keys, pair_sums, pair_counts = _co_occurrence(
        _capped(presence), len(tokens), on_progress)
    indptr, indices, weights = _neighbours(
        pair_keys, pair_sums, pair_counts, raw, len(tokens), neighbours_max)
    kinds = np.array([token_kind(t) for t in tokens])
    return RankingModel(
        tokens=tuple(tokens), popularity=_popularity(raw, kinds), indptr=indptr,
        indices=indices, weights=weights, trained_at_us=now_us,
        member_count=int(members.max(initial=-1)) + 1, event_count=len(events),
    )


def decay_weights(times_us: np.ndarray, *, now_us: int, half_life_days: float) -> np.ndarray:
    # A purchase dated after `now` counts as new, never as more than new.
    age_days = np.maximum(now_us - times_us, 0) / microseconds_per_day
    weights: np.ndarray = np.power(0.5, age_days / half_life_days)
    return weights


def _encode(events: Sequence[PurchaseEvent]) -> tuple[list[str], np.ndarray, np.ndarray,
                                                      np.ndarray]:
    member_codes, _ = _codes([e.member_key for e in events])
    partner_codes, partners = _codes([e.partner for e in events])
    category_codes, categories = _codes([e.category for e in events])
    item_codes, items = _codes([e.item for e in events])
    tokens = ([partner_token(p) for p in partners] + [category_token(c) for c in categories]
              + [item_token(i) for i in items])
    columns = np.stack([partner_codes, category_codes + len(partners),
                        item_codes + len(partners) + len(categories)])
    times_us = np.fromiter((e.occurred_at_us for e in events), dtype=np.int64, count=len(events))
    return tokens, member_codes, columns, times_us


def _codes(values: list[str]) -> tuple[np.ndarray, list[str]]:
    """Dense codes in order of first appearance (a dict beats np.unique on Python strings)."""
    index: dict[str, int] = {}
    codes = np.fromiter((index.setdefault(v, len(index)) for v in values), dtype=np.int64,
                        count=len(values))
    return codes, list(index)


def _presence(members: np.ndarray, token_columns: np.ndarray, decay: np.ndarray,
              token_count: int) -> _Presence:
    keys = (np.tile(members, 3) * token_count + token_columns.ravel())
    unique_keys, inverse = np.unique(keys, return_inverse=True)
    x = np.minimum(np.bincount(inverse, weights=np.tile(decay, 3)), 1.0)
    return _Presence(unique_keys // token_count, unique_keys % token_count, x)


def _capped(presence: _Presence) -> _Presence:
    """Each member's strongest tokens (limits.training_tokens_per_member_max), still grouped by
    member."""
    starts = _group_starts(presence.member)
    if np.diff(starts).max(initial=0) <= limits.training_tokens_per_member_max:
        return presence
    order = np.lexsort((-presence.x, presence.member))
    rank = np.arange(len(order)) - np.repeat(starts[:-1], np.diff(starts))
    keep = order[rank < limits.training_tokens_per_member_max]
    keep.sort()  # back to member order
    return _Presence(presence.member[keep], presence.token[keep], presence.x[keep])


def _group_starts(sorted_codes: np.ndarray) -> np.ndarray:
    """Start of each run of equal codes, and the total length at the end."""
    if len(sorted_codes) == 0:
        return np.zeros(1, dtype=np.int64)
    change = np.flatnonzero(sorted_codes[1:] != sorted_codes[:-1]) + 1
    return np.concatenate(([0], change, [len(sorted_codes)])).astype(np.int64)


def _co_occurrence(presence: _Presence, token_count: int, on_progress: ProgressCallback | None,
                   ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Unordered pairs a < b encoded as a * V + b, with sum of x_a x_b and member count."""
    starts = _group_starts(presence.member)
    sizes = np.diff(starts)
    pair_totals = np.cumsum(sizes * (sizes - 1) // 2)
    total = int(pair_totals[-1]) if len(pair_totals) else 0
    chunk = limits.training_pairs_per_chunk_max
    cuts = np.searchsorted(pair_totals, np.arange(chunk, total, chunk), side="right")
    bounds = np.unique(np.concatenate(([0], cuts, [len(sizes)])))
    parts: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
    for chunk, (first, last) in enumerate(pairwise(bounds.tolist())):
        lo, hi = int(starts[first]), int(starts[last])
        parts.append(_chunk_pairs(presence, lo, hi, starts[first:last + 1] - lo, token_count))
        if on_progress is not None:
            on_progress(chunk + 1, len(bounds) - 1)
    if not parts:
        empty = np.zeros(0, dtype=np.int64)
        return empty, np.zeros(0), empty
    keys = np.concatenate([p[0] for p in parts])
    unique_keys, inverse = np.unique(keys, return_inverse=True)
    sums = np.bincount(inverse, weights=np.concatenate([p[1] for p in parts]))
    counts = np.bincount(inverse, weights=np.concatenate([p[2] for p in parts]))
    return unique_keys, sums, counts


def _chunk_pairs(presence: _Presence, lo: int, hi: int, starts: np.ndarray, token_count: int,
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    sizes = np.diff(starts)
    ends = np.repeat(starts[1:], sizes)  # each entry's member end, relative to lo
    partners = ends - np.arange(hi - lo) - 1  # entries after it in the same member
    left = np.repeat(np.arange(hi - lo), partners)
    offsets = np.arange(len(left)) - np.repeat(np.cumsum(partners) - partners, partners)
    right = left + 1 + offsets
    token, x = presence.token[lo:hi], presence.x[lo:hi]
    a, b = token[left], token[right]
    keys = np.minimum(a, b) * token_count + np.maximum(a, b)
    unique_keys, inverse = np.unique(keys, return_inverse=True)
    sums = np.bincount(inverse, weights=x[left] * x[right])
    counts = np.bincount(inverse).astype(np.float64)
    return unique_keys, sums, counts


def _neighbours(pair_keys: np.ndarray, pair_sums: np.ndarray, pair_counts: np.ndarray,
                mass: np.ndarray, token_count: int, neighbours_max: int,
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    a, b = pair_keys // token_count, pair_keys % token_count
    damping = pair_counts / (pair_counts + similarity_shrinkage_members)
    forward = _similarity(pair_sums, mass[a], mass[b]) * damping
    backward = _similarity(pair_sums, mass[b], mass[a]) * damping
    rows, cols = np.concatenate((a, b)), np.concatenate((b, a))
    similarity = np.concatenate((forward, backward))
    rows, cols = np.concatenate((a, b)), np.concatenate((b, a))
    # One int64 sort key: row first, then similarity descending (quantised to 2**-31).
    order = np.argsort(rows * 2**31 + np.round((1.0 - similarity) * (2**31 - 1)).astype(np.int64))
    rows, cols, similarity = rows[order], cols[order], similarity[order]
    starts = _group_starts(rows)
    rank = np.arange(len(rows)) - np.repeat(starts[:-1], np.diff(starts))
    keep = (rank < neighbours_max) & (similarity > 0)
    indptr = np.zeros(token_count + 1, dtype=np.int64)
    np.cumsum(np.bincount(rows[keep], minlength=token_count), out=indptr[1:])
    return indptr, cols[keep].astype(np.int32), similarity[keep].astype(np.float32)


def _similarity(sums: np.ndarray, mass_from: np.ndarray, mass_to: np.ndarray) -> np.ndarray:
    # C <= min(N_from, N_to) as every x <= 1, so the result stays in [0, 1].
    return np.clip(sums / (mass_from**source_exponent * mass_to**(1.0 - source_exponent)),
                   0.0, 1.0)


def _popularity(raw: np.ndarray, kinds: np.ndarray) -> np.ndarray:
    """log1p of the decayed count of distinct members, scaled so that the most popular token
    of each kind has 1: a partner is bought far more often than any one item."""
    popularity = np.zeros(len(raw), dtype=np.float32)
    for kind in np.unique(kinds):
        mask = kinds == kind
        top = raw[mask].max()
        if top > 0:
            popularity[mask] = np.log1p(raw[mask]) / np.log1p(top)
    return popularity


def popularity_model(counts: dict[str, float], *, now_us: int) -> RankingModel:
    """A model of popularity alone (no neighbours), for ranking before any training."""
    tokens = tuple(counts)
    raw = np.array([counts[t] for t in tokens], dtype=np.float64)
    return RankingModel(
        tokens=tokens, popularity=_popularity(raw, np.array([t[0] for t in tokens])),
        indptr=np.zeros(len(tokens) + 1, dtype=np.int64), indices=np.zeros(0, dtype=np.int32),
        weights=np.zeros(0, dtype=np.float32), trained_at_us=now_us, member_count=0,
        event_count=0,
    )
