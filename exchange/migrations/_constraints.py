"""Helpers for migrations that add constraints (the loader skips modules starting with '_').

Tortoise 1.x silently skips Meta.constraints when it creates a new model (tortoise issue 2272),
so each migration that creates models adds their constraints explicitly afterwards. On SQLite a
CHECK can only be added by rebuilding the table, which drops the table's indexes and triggers
(the append-only ones included): they are remembered before and re-created after, and UNIQUE
constraints (indexes) come last.
"""

from __future__ import annotations

import re

from tortoise.migrations import operations as ops
from tortoise.migrations.constraints import CheckConstraint, UniqueConstraint

_sqlite_indexes: list[str] = []
_CREATE = re.compile(r"^(CREATE (?:UNIQUE )?(?:INDEX|TRIGGER))")


async def _remember_sqlite_indexes(_apps, schema_editor) -> None:  # type: ignore[no-untyped-def]
    client = schema_editor.client
    if client.capabilities.dialect != "sqlite":
        return
    _, rows = await client.execute_query(
        "SELECT sql FROM sqlite_master WHERE type IN ('index', 'trigger') AND sql IS NOT NULL"
    )
    _sqlite_indexes[:] = [row["sql"] for row in rows]


async def _restore_sqlite_indexes(_apps, schema_editor) -> None:  # type: ignore[no-untyped-def]
    for statement in _sqlite_indexes:
        await schema_editor.client.execute_script(
            _CREATE.sub(r"\1 IF NOT EXISTS", statement, count=1)
        )


def add_constraints(
    constraints: list[tuple[str, CheckConstraint | UniqueConstraint]],
) -> list[ops.Operation]:
    """Operations adding (model name, constraint) pairs: CHECKs, then UNIQUEs."""
    checks = [ops.AddConstraint(m, c) for m, c in constraints if isinstance(c, CheckConstraint)]
    uniques = [ops.AddConstraint(m, c) for m, c in constraints if isinstance(c, UniqueConstraint)]
    return [
        ops.RunPython(_remember_sqlite_indexes),
        *checks,
        ops.RunPython(_restore_sqlite_indexes),
        *uniques,
    ]
