"""Foreign keys: every column that names another table's row, ON DELETE RESTRICT.

They are declared here, in SQL, and not as `fields.ForeignKeyField` in the models:
- A typed relation needs the related model imported, and the relations cross packages: offer
  rows point at ledger rows (whose models only the ledger may import), ledger rows at members
  and partners.
- Tortoise would add them with AlterField, which on SQLite rebuilds each table from the model
  state inside the migration's transaction with foreign keys enforced: on a populated database
  that fails (dropping `transfers` while `holds` points at it, and the reverse), and the rebuild
  loses the append-only triggers of 0003 and the indexes.
The column names, their types and the raw SQL stay as they were. FOREIGN_KEYS below is the list;
tests/db/test_constraints.py reads the keys back from the database, on both backends, and has a
refused row for each, so a key added or lost later without a case fails there. A later Tortoise
operation that rebuilds one of these tables on SQLite (AddConstraint with a CHECK, AlterField,
RemoveField) recreates it from the model state, without these keys: re-add them after it.

Two keys name a row by its unique natural key rather than its id: a settlement row's `period`
(settlement_periods.period, created before any run, statement or adjustment of it) and a
signature nonce's `key_id` (partner_keys.key_id, only recorded for a key that was found).

Columns left without a key, on purpose:
- accounts.owner_id is polymorphic: a member id, a partner id, or 0 for the operator.
- settlement_periods.closed_through_transfer_id and settlement_runs.through_transfer_id are
  watermarks (the highest transfer id settled, 0 before the first transfer), not references.
- settlement_provenance.issuer and burned_at hold partner codes or "operator".
- idempotency_keys.caller, admin_tokens.name, transfers.caller and the *_by columns name callers
  and admins, which have no table.
- offer_targets.value holds a partner code, a category or an item: for a partner it names a
  partner by code, checked when the offer is written (there is no key on half of a column).
- activity_awards.(partner_id, activity) names a partner's activity by kind; the partner has a
  key, the kind is checked when the award is made.

Placeholders that pointed at no row are gone first: a hold's authorize_transfer_id is now NULL
until its transfer is posted (it was 0), and `create_member` no longer links a member to
"partner 0" (those links granted nothing and are deleted here).

SQLite cannot add a constraint to a table, so each table is rebuilt the way SQLite documents
(lang_altertable.html, "other kinds of table schema changes"): foreign keys off, one
transaction, new table, copy, drop, rename, its indexes and triggers re-created (the append-only
triggers included), AUTOINCREMENT counters kept, `PRAGMA foreign_key_check`, commit, foreign
keys on. `PRAGMA foreign_keys` cannot change inside a transaction, so this migration is not
atomic as a whole: each dialect's step opens its own transaction, and it is safe to run again.
"""

from __future__ import annotations

import re
from typing import Any

from tortoise import BaseDBAsyncClient, fields, migrations
from tortoise.indexes import Index
from tortoise.migrations import operations as ops
from tortoise.transactions import in_transaction

# (table, column, referenced table, referenced column)
FOREIGN_KEYS: tuple[tuple[str, str, str, str], ...] = (
    ("transfers", "debit_account_id", "accounts", "id"),
    ("transfers", "credit_account_id", "accounts", "id"),
    ("transfers", "linked_transfer_id", "transfers", "id"),
    ("transfers", "hold_id", "holds", "id"),
    ("transfers", "earning_id", "earnings", "id"),
    ("lots", "member_id", "members", "id"),
    ("lots", "issuer_account_id", "accounts", "id"),
    ("lots", "earn_transfer_id", "transfers", "id"),
    ("lots", "earning_id", "earnings", "id"),
    ("lot_allocations", "transfer_id", "transfers", "id"),
    ("lot_allocations", "lot_id", "lots", "id"),
    ("holds", "member_id", "members", "id"),
    ("holds", "partner_id", "partners", "id"),
    ("holds", "authorize_transfer_id", "transfers", "id"),
    ("holds", "capture_transfer_id", "transfers", "id"),
    ("earnings", "member_id", "members", "id"),
    ("earnings", "partner_id", "partners", "id"),
    ("members", "referred_by_member_id", "members", "id"),
    ("member_links", "member_id", "members", "id"),
    ("member_links", "partner_id", "partners", "id"),
    ("partner_rates", "partner_id", "partners", "id"),
    ("partner_keys", "partner_id", "partners", "id"),
    ("partner_activities", "partner_id", "partners", "id"),
    ("signature_nonces", "key_id", "partner_keys", "key_id"),
    ("settlement_runs", "period", "settlement_periods", "period"),
    ("settlement_statements", "period", "settlement_periods", "period"),
    ("settlement_statements", "partner_id", "partners", "id"),
    ("settlement_statements", "run_id", "settlement_runs", "id"),
    ("settlement_lines", "statement_id", "settlement_statements", "id"),
    ("settlement_provenance", "period", "settlement_periods", "period"),
    ("settlement_adjustments", "period", "settlement_periods", "period"),
    ("settlement_adjustments", "partner_id", "partners", "id"),
    ("offers", "funding_partner_id", "partners", "id"),
    ("offer_activations", "offer_id", "offers", "id"),
    ("offer_activations", "member_id", "members", "id"),
    ("offer_awards", "offer_id", "offers", "id"),
    ("offer_awards", "member_id", "members", "id"),
    ("offer_awards", "earning_id", "earnings", "id"),
    ("offer_awards", "hold_id", "holds", "id"),
    ("activity_awards", "member_id", "members", "id"),
    ("activity_awards", "partner_id", "partners", "id"),
    ("purchase_items", "member_id", "members", "id"),
    ("purchase_items", "partner_id", "partners", "id"),
    ("purchase_items", "earning_id", "earnings", "id"),
)

# Foreign-key columns that queries filter on (PostgreSQL does not index them by itself). The
# others are either indexed already, or their parent rows are never deleted and nothing looks
# rows up by them.
INDEXES = (
    ("transfers_earning_id_idx", "transfers", "earning_id"),  # a refund's transfers
    ("lots_earning_id_idx", "lots", "earning_id"),  # a refund's lots
)

_CLEAN_PLACEHOLDERS = (
    "UPDATE holds SET authorize_transfer_id = NULL WHERE authorize_transfer_id = 0",
    "DELETE FROM member_links WHERE partner_id = 0",
)


_NOT_NULL_AUTHORIZE = re.compile(r'("authorize_transfer_id" BIGINT) NOT NULL')


def constraint_name(table: str, column: str) -> str:
    return f"{table}_{column}_fk"


def _reference(table: str, column: str, parent: str, parent_column: str) -> str:
    return (
        f'CONSTRAINT "{constraint_name(table, column)}" FOREIGN KEY ("{column}") '
        f'REFERENCES "{parent}" ("{parent_column}") ON DELETE RESTRICT'
    )


async def _add_foreign_keys(_apps: Any, schema_editor: Any) -> None:
    client: BaseDBAsyncClient = schema_editor.client
    if client.capabilities.dialect == "postgres":
        await _add_on_postgres(client)
    else:
        await _add_on_sqlite(client)


def _index_statements() -> list[str]:
    return [
        f'CREATE INDEX IF NOT EXISTS "{name}" ON "{table}" ("{column}")'
        for name, table, column in INDEXES
    ]


# PostgreSQL


async def _add_on_postgres(client: BaseDBAsyncClient) -> None:
    async with in_transaction(client.connection_name) as conn:
        await conn.execute_script(
            "ALTER TABLE holds ALTER COLUMN authorize_transfer_id DROP NOT NULL"
        )
        for statement in _CLEAN_PLACEHOLDERS:
            await conn.execute_script(statement)
        rows = await conn.execute_query_dict(
            "SELECT conname FROM pg_constraint WHERE contype = 'f'"
        )
        present = {row["conname"] for row in rows}
        for key in FOREIGN_KEYS:
            if constraint_name(key[0], key[1]) not in present:
                await conn.execute_script(f'ALTER TABLE "{key[0]}" ADD {_reference(*key)}')
        for statement in _index_statements():
            await conn.execute_script(statement)


# SQLite


async def _add_on_sqlite(client: BaseDBAsyncClient) -> None:
    await client.execute_script("PRAGMA foreign_keys = OFF")
    try:
        _, rows = await client.execute_query("PRAGMA foreign_keys")
        assert rows[0][0] == 0, "foreign keys stay on inside a transaction"
        async with in_transaction(client.connection_name) as conn:
            for table in dict.fromkeys(key[0] for key in FOREIGN_KEYS):
                await _rebuild_with_keys(conn, table)
            for statement in _CLEAN_PLACEHOLDERS:  # once holds.authorize_transfer_id is nullable
                await conn.execute_query(statement)
            for statement in _index_statements():
                await conn.execute_query(statement)
            await _check_sqlite_keys(conn)
    finally:
        await client.execute_script("PRAGMA foreign_keys = ON")


async def _rebuild_with_keys(conn: BaseDBAsyncClient, table: str) -> None:
    _, present = await conn.execute_query(f'PRAGMA foreign_key_list("{table}")')
    have = {row["from"] for row in present}
    missing = [key for key in FOREIGN_KEYS if key[0] == table and key[1] not in have]
    before = await _table_sql(conn, table)
    create = _with_references(before, missing)
    if table == "holds":
        create = _NOT_NULL_AUTHORIZE.sub(r"\1", create)
    if create == before:
        return
    _, kept = await conn.execute_query(
        "SELECT sql FROM sqlite_master WHERE tbl_name = ? AND type IN ('index', 'trigger') "
        "AND sql IS NOT NULL ORDER BY type, name",
        [table],
    )
    _, counter = await conn.execute_query("SELECT seq FROM sqlite_sequence WHERE name = ?", [table])
    new = f"new__{table}"
    await conn.execute_query(_renamed(create, table, new))
    await conn.execute_query(f'INSERT INTO "{new}" SELECT * FROM "{table}"')
    await conn.execute_query(f'DROP TABLE "{table}"')
    await conn.execute_query(f'ALTER TABLE "{new}" RENAME TO "{table}"')
    for row in kept:
        await conn.execute_query(row["sql"])
    if counter:  # AUTOINCREMENT never reuses an id, not even that of a deleted last row
        await _keep_counter(conn, table, int(counter[0]["seq"]))


async def _keep_counter(conn: BaseDBAsyncClient, table: str, seq: int) -> None:
    changed, _ = await conn.execute_query(
        "UPDATE sqlite_sequence SET seq = MAX(seq, ?) WHERE name = ?", [seq, table]
    )
    if not changed:
        await conn.execute_query(
            "INSERT INTO sqlite_sequence (name, seq) VALUES (?, ?)", [table, seq]
        )


async def _table_sql(conn: BaseDBAsyncClient, table: str) -> str:
    _, rows = await conn.execute_query(
        "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", [table]
    )
    assert rows, f"no table {table}"
    return str(rows[0]["sql"]).rstrip()


def _with_references(create: str, keys: list[tuple[str, str, str, str]]) -> str:
    if not keys:
        return create
    assert create.endswith(")"), create
    return create[:-1] + "".join(f", {_reference(*key)}" for key in keys) + ")"


def _renamed(create: str, table: str, new: str) -> str:
    renamed, count = re.subn(
        rf'^CREATE TABLE "?{table}"? ', f'CREATE TABLE "{new}" ', create, count=1
    )
    assert count == 1, create
    return renamed


async def _check_sqlite_keys(conn: BaseDBAsyncClient) -> None:
    _, rows = await conn.execute_query("PRAGMA foreign_key_check")
    if rows:
        found = [f"{row['table']} row {row['rowid']} -> missing {row['parent']}" for row in rows]
        raise RuntimeError(
            f"{len(rows)} rows name a row that does not exist; fix them and migrate again: "
            + "; ".join(found[:20])
        )


class _StateOnly(ops.TortoiseOperation):
    """Tells the migration state of a change that `_add_foreign_keys` makes in SQL (Tortoise's
    own AlterField would rebuild the table on SQLite without its keys)."""

    async def database_forward(self, *args: Any, **kwargs: Any) -> None:
        return None


class _AlterFieldStateOnly(_StateOnly, ops.AlterField):
    pass


class _AddIndexStateOnly(_StateOnly, ops.AddIndex):
    pass


class Migration(migrations.Migration):
    dependencies = [("exchange", "0010_offer_targets")]

    initial = False
    atomic = False  # see the docstring: each step below opens its own transaction

    operations = [
        _AlterFieldStateOnly(
            model_name="Hold", name="authorize_transfer_id", field=fields.BigIntField(null=True)
        ),
        ops.RunPython(_add_foreign_keys),
        *(
            _AddIndexStateOnly(model_name=model, index=Index(fields=[column], name=name))
            for model, (name, _, column) in zip(("Transfer", "Lot"), INDEXES, strict=True)
        ),
    ]
