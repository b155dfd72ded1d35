"""Test databases: migrated once per session into a template, copied fresh for every test.

SQLite by default; PostgreSQL when EXCHANGE_TEST_POSTGRES_URL names a server database to
connect to (the tests create and drop their own databases beside it).
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

from exchange.db import close_database, migrate, open_database

POSTGRES_URL = os.environ.get("EXCHANGE_TEST_POSTGRES_URL")


def _with_database(url: str, name: str) -> str:
    return urlunsplit(urlsplit(url)._replace(path=f"/{name}"))


async def _admin(sql: str) -> None:
    import asyncpg

    assert POSTGRES_URL is not None
    conn = await asyncpg.connect(POSTGRES_URL.replace("postgres://", "postgresql://", 1))
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


@pytest.fixture(scope="session")
async def template_database(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[str]:
    if POSTGRES_URL:
        name = f"exchange_template_{uuid.uuid4().hex[:12]}"
        await _admin(f'CREATE DATABASE "{name}"')
        await migrate(_with_database(POSTGRES_URL, name))
        yield name
        await _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    else:
        path = tmp_path_factory.mktemp("template") / "template.db"
        await migrate(f"sqlite://{path}")
        yield str(path)


@pytest.fixture
async def database_url(template_database: str, tmp_path: Path) -> AsyncIterator[str]:
    """A fresh, migrated, empty database of its own for one test (not opened)."""
    if POSTGRES_URL:
        name = f"exchange_test_{uuid.uuid4().hex[:12]}"
        await _admin(f'CREATE DATABASE "{name}" TEMPLATE "{template_database}"')
        yield _with_database(POSTGRES_URL, name)
        await _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    else:
        path = tmp_path / "exchange.db"
        shutil.copyfile(template_database, path)
        yield f"sqlite://{path}"


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[str]:
    """The test's database, opened as the exchange's default connection."""
    await open_database(database_url)
    yield database_url
    await close_database()


def is_postgres() -> bool:
    return POSTGRES_URL is not None


async def create_database(template: str, directory: Path) -> str:
    """A fresh, migrated, empty database copied from the template (not opened); its URL.

    For tests that manage databases themselves (e.g. one per hypothesis example).
    """
    name = f"exchange_test_{uuid.uuid4().hex[:12]}"
    if POSTGRES_URL:
        await _admin(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
        return _with_database(POSTGRES_URL, name)
    path = directory / f"{name}.db"
    shutil.copyfile(template, path)
    return f"sqlite://{path}"


async def drop_database(url: str) -> None:
    """Remove a database made by `create_database` (closed first)."""
    if POSTGRES_URL:
        name = urlsplit(url).path.lstrip("/")
        await _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        return
    path = Path(url.removeprefix("sqlite://"))
    for suffix in ("", "-wal", "-shm"):
        path.with_name(path.name + suffix).unlink(missing_ok=True)
