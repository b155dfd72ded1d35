"""Migration 0010: offers' JSON targets move into offer_targets, and the JSON columns go."""

from __future__ import annotations

import importlib
import json

import pytest
from tortoise.migrations.executor import MigrationExecutor, MigrationTarget

from exchange.db import (
    APP_LABEL,
    close_database,
    connection,
    execute,
    fetch,
    migrate,
    open_database,
    tortoise_config,
)
from exchange.offers.spec import Targeting
from exchange.offers.store import get_offer

MIGRATION = importlib.import_module("exchange.migrations.0010_offer_targets")
# (funder, partners, categories, items) of each offer as 0008 kept them.
OFFERS = [
    (1, ["fuel", "grocer"], [], []),
    (1, [], [], []),
    (2, [], ["café", "tea"], ["grocer/7", "grocer/1"]),
    (2, ["grocer"], ["bakery"], ["fuel/diesel"]),
    (1, [], ["tea"], []),
]


async def _migrate_to_0008_with_offers(url: str) -> None:
    await open_database(url)
    try:
        executor = MigrationExecutor(connection(), tortoise_config("")["apps"])
        await executor.migrate([MigrationTarget(APP_LABEL, "0008_offers")])
        conn = connection()
        for code in ("grocer", "fuel"):
            await execute(conn, "INSERT INTO partners (code, name, status, return_window_days, "
                                "settlement_currency, created_at) VALUES ($1, $1, 'active', 14, "
                                "'EUR', 0)", code)
        for funder, partners, categories, items in OFFERS:
            await execute(
                conn,
                "INSERT INTO offers (funding_partner_id, title, kind, bonus_points, percent, "
                "target_partners, target_categories, target_items, segment, segment_days, "
                "spend_currency, spend_min_minor, starts_at, ends_at, requires_activation, "
                "budget_points, points_awarded, per_member_uses_max, pacing, status, "
                "created_by, created_at, updated_at) VALUES ($1, 't', 'bonus_points', 5, 0, "
                "$2, $3, $4, 'everyone', 0, '', 0, 0, 10, $5, 100, 0, 1, 'none', 'active', "
                "'admin:a', 0, 0)",
                funder, json.dumps(partners), json.dumps(categories), json.dumps(items), False,
            )
    finally:
        await close_database()


async def test_json_targets_move_into_the_table(
    empty_database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given offers stored with JSON targets, read two at a time by the migration
    await _migrate_to_0008_with_offers(empty_database_url)
    monkeypatch.setattr(MIGRATION, "_BATCH_ROWS", 2)
    # when
    applied = await migrate(empty_database_url)
    # then every target is a row, in its list's order, and each offer reads back as it was
    assert "0010_offer_targets" in applied
    await open_database(empty_database_url)
    try:
        rows = await fetch(connection(), "SELECT offer_id, kind, value FROM offer_targets "
                                         "ORDER BY id")
        records = [await get_offer(n) for n in range(1, len(OFFERS) + 1)]
        columns = await fetch(connection(), "SELECT * FROM offers WHERE id = 1")
    finally:
        await close_database()
    assert [(r["offer_id"], r["kind"], r["value"]) for r in rows] == [
        (1, "partner", "fuel"), (1, "partner", "grocer"),
        (3, "category", "café"), (3, "category", "tea"),
        (3, "item", "grocer/7"), (3, "item", "grocer/1"),
        (4, "partner", "grocer"), (4, "category", "bakery"), (4, "item", "fuel/diesel"),
        (5, "category", "tea"),
    ]
    assert [r.spec.targeting for r in records] == [
        Targeting(tuple(p), tuple(c), tuple(i)) for _, p, c, i in OFFERS
    ]
    assert not {"target_partners", "target_categories", "target_items"} & set(columns[0])
