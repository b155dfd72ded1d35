"""Databases the migration tests build from nothing."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.conftest import POSTGRES_URL, _admin, _with_database


@pytest.fixture
async def empty_database_url(tmp_path: Path) -> AsyncIterator[str]:
    """A database with no tables at all (not opened)."""
    if POSTGRES_URL:
        name = f"exchange_empty_{uuid.uuid4().hex[:12]}"
        await _admin(f'CREATE DATABASE "{name}"')
        yield _with_database(POSTGRES_URL, name)
        await _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    else:
        yield f"sqlite://{tmp_path / 'empty.db'}"
