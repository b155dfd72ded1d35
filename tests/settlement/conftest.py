"""The coalition in these tests settles from March 2026: its first settlement month, which
takes everything dated before it as late items. Tests about the first month itself move it
(it can move while no period is closed)."""

from __future__ import annotations

import pytest

from tests.settlement.factories import begin


@pytest.fixture(autouse=True)
async def first_month_march(db: str) -> None:
    await begin("2026-03")
