"""Offer targets in a table of their own, indexed by (kind, value), instead of JSON text.

Existing offers' targets move from the JSON columns into offer_targets, in their order, and the
JSON columns are dropped: the table is the only place targets are kept.
"""

from __future__ import annotations

import json
from typing import Any

from tortoise import fields, migrations
from tortoise.indexes import Index
from tortoise.migrations import operations as ops
from tortoise.migrations.constraints import CheckConstraint, UniqueConstraint

from exchange.migrations._constraints import add_constraints

# JSON column of offers -> kind of target in offer_targets.
_COLUMNS = (("target_partners", "partner"), ("target_categories", "category"),
            ("target_items", "item"))
_BATCH_ROWS = 500


def _sql(client: Any, sql: str) -> str:
    """`sql`, written with $n parameters, for the client's dialect (SQLite binds ?n)."""
    if client.capabilities.dialect == "sqlite":
        return sql.replace("$", "?")
    return sql


async def _move_targets(_apps: Any, schema_editor: Any) -> None:
    """Copy every offer's JSON targets into offer_targets, offer by offer, in list order."""
    client = schema_editor.client
    select = _sql(client, "SELECT id, target_partners, target_categories, target_items "
                          f"FROM offers WHERE id > $1 ORDER BY id LIMIT {_BATCH_ROWS}")
    insert = _sql(client, "INSERT INTO offer_targets (offer_id, kind, value) VALUES ($1, $2, $3)")
    after = 0
    while True:
        _, rows = await client.execute_query(select, [after])
        if not rows:
            return
        targets = [[row["id"], kind, value]
                   for row in rows for column, kind in _COLUMNS
                   for value in json.loads(row[column] or "[]")]
        if targets:
            await client.execute_many(insert, targets)
        after = rows[-1]["id"]


class DropColumn(ops.RemoveField):
    """RemoveField by `ALTER TABLE ... DROP COLUMN` on every backend (SQLite 3.35 and later).

    Tortoise's SQLite RemoveField rebuilds the table (DROP TABLE offers, then a copy), which
    would trip the foreign keys that point at offers; dropping a plain column needs no rebuild.
    """

    async def database_forward(self, app_label: str, old_state: Any, new_state: Any,
                               state_editor: Any = None) -> None:
        if state_editor is None:
            return
        model = old_state.apps.get_model(f"{app_label}.{self.model_name}")
        await state_editor._run_sql(
            f'ALTER TABLE "{model._meta.db_table}" DROP COLUMN "{self.name}"')


class Migration(migrations.Migration):
    dependencies = [("exchange", "0009_ledger_vocabulary")]

    initial = False

    operations = [
        ops.CreateModel(
            name="OfferTarget",
            fields=[
                ("id", fields.BigIntField(generated=True, primary_key=True, unique=True,
                                          db_index=True)),
                ("offer", fields.ForeignKeyField("exchange.Offer", source_field="offer_id",
                                                 db_constraint=True, to_field="id",
                                                 related_name="targets",
                                                 on_delete=fields.RESTRICT)),
                ("kind", fields.CharField(max_length=8)),
                ("value", fields.CharField(max_length=64)),
            ],
            options={"table": "offer_targets", "app": "exchange", "pk_attr": "id"},
            bases=["Model"],
        ),
        *add_constraints([
            ("OfferTarget", CheckConstraint(check="kind IN ('partner', 'category', 'item')",
                                            name="offer_targets_kind_known")),
            ("OfferTarget", UniqueConstraint(fields=("offer_id", "kind", "value"),
                                             name="offer_targets_uniq")),
        ]),
        ops.AddIndex(model_name="OfferTarget",
                     index=Index(fields=["kind", "value", "offer_id"],
                                 name="offer_targets_kind_value")),
        ops.RunPython(_move_targets),
        *(DropColumn(model_name="Offer", name=column) for column, _ in _COLUMNS),
    ]
