"""The `exchange` command as an operator meets it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from exchange.api.schema import schema_sdl

MIGRATIONS = Path(__file__).resolve().parents[2] / "exchange" / "migrations"


def run_cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "exchange.cli", *args],
        capture_output=True, text=True, timeout=120, check=False,
        env={**os.environ, **(env or {})},
    )


def test_schema_prints_the_sdl() -> None:
    result = run_cli("schema")
    assert result.returncode == 0
    assert result.stdout == schema_sdl()


def test_a_bad_setting_names_its_variable() -> None:
    result = run_cli("schema", env={"EXCHANGE_DATABASE_URL": "mysql://nope"})
    assert result.returncode == 2
    assert "EXCHANGE_DATABASE_URL" in result.stderr


def test_serve_refuses_several_workers_on_sqlite(tmp_path: Path) -> None:
    env = {"EXCHANGE_DATABASE_URL": f"sqlite://{tmp_path / 'x.db'}"}
    result = run_cli("serve", "--workers", "2", env=env)
    assert result.returncode == 2
    assert "one worker on SQLite" in result.stderr


def test_serve_refuses_an_unmigrated_database(tmp_path: Path) -> None:
    env = {"EXCHANGE_DATABASE_URL": f"sqlite://{tmp_path / 'fresh.db'}"}
    result = run_cli("serve", env=env)
    assert result.returncode == 2
    assert "exchange migrate" in result.stderr


@pytest.mark.parametrize("runs", [2])
def test_migrate_then_sweep(tmp_path: Path, runs: int) -> None:
    env = {"EXCHANGE_DATABASE_URL": f"sqlite://{tmp_path / 'ops.db'}"}
    first = run_cli("migrate", env=env)
    migrations = sorted(p.stem for p in MIGRATIONS.glob("[0-9]*.py"))
    assert first.returncode == 0
    assert f"Applied {len(migrations)} migration(s)" in first.stderr
    again = run_cli("migrate", env=env)
    assert again.returncode == 0 and "up to date" in again.stderr
    for _ in range(runs):
        sweep = run_cli("sweep", "--now", "2027-01-01T00:00:00+00:00", env=env)
        assert sweep.returncode == 0, sweep.stderr
        assert "points matured" in sweep.stderr
        assert "signature nonces forgotten" in sweep.stderr


def test_the_demo_links_the_admin_page_and_says_how_to_get_a_token(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from exchange.cli.main import _print_try_it

    _print_try_it("http://127.0.0.1:8000", "grocer/k1", Path("keys/grocer.pem"),
                  "sqlite://exchange-demo.db")
    printed = capsys.readouterr().err  # the demo's console writes to stderr
    assert "http://127.0.0.1:8000/admin" in printed
    assert "EXCHANGE_DATABASE_URL=sqlite://exchange-demo.db exchange admin token create" in printed
