"""Training the ranking model from the purchase history, storing it with a version, and
serving the newest one (or, before any training, a popularity-only one) to requests."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from tortoise import BaseDBAsyncClient

from exchange import limits
from exchange.clock import days_to_us, now_us
from exchange.db import connection, fetch, fetch_one
from exchange.offers import changes
from exchange.offers.history import PurchaseEvent
from exchange.offers.model import RankingModel, popularity_model, train_model
from exchange.offers.tokens import event_tokens

Progress = Callable[[str, int, int], None]
# Purchase lines as history_event reads them.
HISTORY_SELECT = (
    "SELECT i.id, i.member_id, i.sku, i.category, i.amount_minor, i.occurred_at, p.code "
    "FROM purchase_items i JOIN partners p ON p.id = i.partner_id"
)


@dataclass(frozen=True, slots=True)
class ModelInfo:
    version: int
    trained_at: int
    member_count: int
    event_count: int
    token_count: int
    training_seconds: float


def history_event(row: dict[str, Any]) -> PurchaseEvent:
    """A purchase line as ranking sees it; a purchase given as a total is one "*" item."""
    code = row["code"]
    return PurchaseEvent(
        member_key=str(row["member_id"]), partner=code, category=row["category"] or "-",
        item=f"{code}/{row['sku'] or '*'}", amount=Decimal(int(row["amount_minor"])),
        occurred_at_us=int(row["occurred_at"]),
    )


async def read_history(conn: BaseDBAsyncClient, since: int, progress: Progress | None = None
                       ) -> list[PurchaseEvent]:
    total_row = await fetch_one(
        conn, "SELECT COUNT(*) AS n FROM purchase_items WHERE occurred_at >= $1", since)
    total = int(total_row["n"]) if total_row else 0
    events: list[PurchaseEvent] = []
    after_id = 0
    while True:  # keyset pages: bounded memory per query, no OFFSET rescans
        rows = await fetch(
            conn,
            f"{HISTORY_SELECT} WHERE i.id > $1 AND i.occurred_at >= $2 "
            f"ORDER BY i.id LIMIT {limits.training_batch_rows_max}",
            after_id, since,
        )
        if not rows:
            return events
        events.extend(history_event(row) for row in rows)
        after_id = int(rows[-1]["id"])
        if progress:
            progress("reading purchases", len(events), total)


async def train_and_store(progress: Progress | None = None) -> ModelInfo:
    conn = connection()
    now = now_us()
    events = await read_history(conn, now - days_to_us(limits.ranking_history_days), progress)
    started = time.perf_counter()
    model = train_model(events, now_us=now, on_progress=(
        None if progress is None else lambda done, total: progress("training", done, total)))
    seconds = time.perf_counter() - started
    row = await fetch_one(
        conn,
        "INSERT INTO ranking_models (trained_at, member_count, event_count, token_count, "
        "training_seconds, payload) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        now, model.member_count, model.event_count, len(model.tokens), seconds, model.to_bytes(),
    )
    assert row is not None
    changes.bump()
    return ModelInfo(int(row["id"]), now, model.member_count, model.event_count,
                     len(model.tokens), seconds)


async def list_models(limit: int = 20) -> list[ModelInfo]:
    rows = await fetch(
        connection(),
        "SELECT id, trained_at, member_count, event_count, token_count, training_seconds "
        f"FROM ranking_models ORDER BY id DESC LIMIT {int(limit)}",
    )
    return [ModelInfo(int(r["id"]), int(r["trained_at"]), int(r["member_count"]),
                      int(r["event_count"]), int(r["token_count"]), float(r["training_seconds"]))
            for r in rows]


@dataclass(frozen=True, eq=False)
class ServedModel:
    version: int | None  # None: no model is trained; popularity from recent purchases
    model: RankingModel
    checked_at: float
    generation: int


_served: dict[str, ServedModel] = {}


async def served_model(conn: BaseDBAsyncClient, key: str) -> ServedModel:
    """The newest trained model, checked for at most every `model_check_seconds`."""
    found = _served.get(key)
    if found is not None and found.generation == changes.generation() and (
        time.monotonic() - found.checked_at < limits.model_check_seconds
    ):
        return found
    row = await fetch_one(conn, "SELECT MAX(id) AS id FROM ranking_models")
    version = None if row is None or row["id"] is None else int(row["id"])
    if found is not None and found.version == version and version is not None:
        model = found.model
    elif version is not None:
        stored = await fetch_one(conn, "SELECT payload FROM ranking_models WHERE id = $1",
                                 version)
        assert stored is not None
        model = RankingModel.from_bytes(bytes(stored["payload"]))
    else:
        model = await _popularity_only(conn)
    served = ServedModel(version, model, time.monotonic(), changes.generation())
    _served[key] = served
    return served


async def _popularity_only(conn: BaseDBAsyncClient) -> RankingModel:
    """Before any training: how many members bought each partner, category and item lately."""
    now = now_us()
    rows = await fetch(
        conn,
        "SELECT p.code, i.category, i.sku, COUNT(DISTINCT i.member_id) AS members "
        "FROM purchase_items i JOIN partners p ON p.id = i.partner_id "
        "WHERE i.occurred_at >= $1 GROUP BY p.code, i.category, i.sku "
        f"ORDER BY members DESC LIMIT {limits.popularity_items_max}",
        now - days_to_us(limits.ranking_history_days // 2),
    )
    counts: dict[str, float] = {}
    for row in rows:
        event = history_event({**row, "member_id": 0, "amount_minor": 0, "occurred_at": now})
        for token in event_tokens(event):
            counts[token] = counts.get(token, 0.0) + float(row["members"])
    return popularity_model(counts, now_us=now)
