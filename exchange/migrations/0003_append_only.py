"""Make transfers and lot allocations append-only in the database itself.

The ledger never updates or deletes them; these triggers make any code path that tries fail,
so a correction must be a new transfer, and any past balance can be rebuilt by replay.
"""

from tortoise import migrations
from tortoise.migrations import operations as ops

APPEND_ONLY_TABLES = ("transfers", "lot_allocations")

_POSTGRES_FUNCTION = """
CREATE OR REPLACE FUNCTION exchange_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION '% is append-only', TG_TABLE_NAME USING ERRCODE = 'integrity_constraint_violation';
END;
$$ LANGUAGE plpgsql
"""


def _statements(dialect: str) -> list[str]:
    if dialect == "postgres":
        return [_POSTGRES_FUNCTION] + [
            f'CREATE TRIGGER "{table}_append_only" BEFORE UPDATE OR DELETE ON "{table}" '
            "FOR EACH ROW EXECUTE FUNCTION exchange_append_only()"
            for table in APPEND_ONLY_TABLES
        ]
    return [
        f'CREATE TRIGGER "{table}_append_only_{verb.lower()}" BEFORE {verb} ON "{table}" '
        f"BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END"
        for table in APPEND_ONLY_TABLES
        for verb in ("UPDATE", "DELETE")
    ]


async def _create_triggers(_apps, schema_editor) -> None:  # type: ignore[no-untyped-def]
    client = schema_editor.client
    for statement in _statements(client.capabilities.dialect):
        await client.execute_script(statement)


class Migration(migrations.Migration):
    dependencies = [("exchange", "0002_constraints")]

    operations = [ops.RunPython(_create_triggers)]
