"""Only the ledger names the ledger's tables in SQL: other packages read ledger facts through
exchange.ledger.reporting, so renaming a table, column or kind breaks in one package.

The test reads every string literal of every module outside the ledger (and its migrations,
which build the tables) and fails on SQL that names a ledger table.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

from tortoise.models import Model

from exchange.ledger import models as ledger_models

ROOT = Path(__file__).resolve().parents[1] / "exchange"
LEDGER_TABLES = sorted(
    value._meta.db_table for value in vars(ledger_models).values()
    if isinstance(value, type) and issubclass(value, Model) and value is not Model
)
# SQL here is written in upper case: a string with an SQL keyword is SQL, and any word in it
# that is a ledger table's name (quoted, schema-qualified or in a list) counts.
_SQL = re.compile(r"\b(?:SELECT|INSERT|UPDATE|DELETE|FROM|JOIN|TABLE)\b")
_LEDGER_TABLE = re.compile(r"\b(?:" + "|".join(LEDGER_TABLES) + r")\b")


def _strings(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text())
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            found.append((node.lineno, node.value))
        elif isinstance(node, ast.JoinedStr):  # an f-string: its literal parts, joined
            parts = [v.value for v in node.values if isinstance(v, ast.Constant)]
            found.append((node.lineno, " ".join(str(p) for p in parts)))
    return found


def _offending(path: Path) -> set[str]:
    return {f"{path.name}:{line}: {text.strip()[:80]}"
            for line, text in _strings(path) if _SQL.search(text) and _LEDGER_TABLE.search(text)}


def test_the_ledger_tables_are_known() -> None:
    assert {"transfers", "lots", "lot_allocations", "accounts", "earnings", "holds",
            "idempotency_keys"} <= set(LEDGER_TABLES)


def test_the_check_finds_a_ledger_table_in_sql(tmp_path: Path) -> None:
    module = tmp_path / "module.py"
    module.write_text('SQL = f"SELECT SUM(points) FROM transfers t WHERE t.id > {1}"\n'
                      'OK = "the transfers a run settles"\n'
                      'LIST = "SELECT o.id FROM offers o, lots l"\n'
                      'QUOTED = \'DELETE FROM "exchange"."holds"\'\n')
    assert {line.split(":")[1] for line in _offending(module)} == {"1", "3", "4"}


def test_no_package_but_the_ledger_names_a_ledger_table_in_sql() -> None:
    outside = [path for path in ROOT.rglob("*.py")
               if not path.is_relative_to(ROOT / "ledger")
               and not path.is_relative_to(ROOT / "migrations")]
    assert len(outside) > 50
    offending = {f"{path.parent.name}/{line}" for path in outside for line in _offending(path)}
    assert offending == set()
