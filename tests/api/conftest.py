from __future__ import annotations

import pytest

from tests.api.client import TestPartnerKey, register_partner


@pytest.fixture
async def partner_key(db: str) -> TestPartnerKey:
    """A registered partner with one active Ed25519 key, on the test's database."""
    return await register_partner("grocer")
