"""`exchange admin token create|list|revoke` as an operator meets it."""

from __future__ import annotations

import hashlib
import re
import sqlite3
from pathlib import Path

import pytest

from tests.cli.test_cli import run_cli

TOKEN = re.compile(r"^exa_[A-Za-z0-9_-]{43}\n$")


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    env = {"EXCHANGE_DATABASE_URL": f"sqlite://{tmp_path / 'ops.db'}"}
    assert run_cli("migrate", env=env).returncode == 0
    return env


def stored_hashes(tmp_path: Path) -> list[str]:
    with sqlite3.connect(tmp_path / "ops.db") as conn:
        return [row[0] for row in conn.execute("SELECT token_hash FROM admin_tokens")]


def database_bytes(tmp_path: Path) -> bytes:
    return b"".join(path.read_bytes() for path in tmp_path.glob("ops.db*"))


def test_create_prints_the_token_once_and_stores_only_its_hash(
    env: dict[str, str], tmp_path: Path
) -> None:
    # when an operator creates a token
    created = run_cli("admin", "token", "create", "--name", "ops", "--ttl-days", "7", env=env)
    # then stdout is the token alone, stderr warns it will not be shown again
    assert created.returncode == 0, created.stderr
    assert TOKEN.match(created.stdout)
    token = created.stdout.strip()
    assert "cannot be shown again" in created.stderr
    assert token not in created.stderr
    # and the database holds its hash, never the token
    assert stored_hashes(tmp_path) == [hashlib.sha256(token.encode()).hexdigest()]
    assert token.encode() not in database_bytes(tmp_path)
    # and the list shows it without the token
    listed = run_cli("admin", "token", "list", env=env)
    assert listed.returncode == 0, listed.stderr
    assert re.search(r"│ 1 +│ ops +│.*│ active", listed.stderr)
    assert token not in listed.stdout + listed.stderr


def test_revoke_by_id_then_again(env: dict[str, str]) -> None:
    # given a token
    created = run_cli("admin", "token", "create", "--name", "ops", env=env)
    assert created.returncode == 0, created.stderr
    # when it is revoked by its id
    revoked = run_cli("admin", "token", "revoke", "1", env=env)
    # then it shows revoked, and revoking it again is refused
    assert revoked.returncode == 0, revoked.stderr
    assert "Revoked admin token 1 (ops)" in revoked.stderr
    assert "revoked" in run_cli("admin", "token", "list", env=env).stderr
    again = run_cli("admin", "token", "revoke", "1", env=env)
    assert again.returncode == 2
    assert "TOKEN_REVOKED" in again.stderr


@pytest.mark.parametrize(("args", "code"), [
    (("create", "--name", "ops", "--ttl-days", "366"), "INVALID_TOKEN_TTL"),
    (("create", "--name", "ops", "--ttl-days", "0"), "INVALID_TOKEN_TTL"),
    (("create", "--name", ""), "INVALID_ADMIN_NAME"),
    (("revoke", "42"), "TOKEN_NOT_FOUND"),
])
def test_mistakes_are_refused_with_a_code(
    env: dict[str, str], tmp_path: Path, args: tuple[str, ...], code: str
) -> None:
    result = run_cli("admin", "token", *args, env=env)
    assert result.returncode == 2
    assert code in result.stderr
    assert result.stdout == ""
    assert stored_hashes(tmp_path) == []
