"""partner: the calling partner's own record and the key ids that may sign for it now."""

from __future__ import annotations

import secrets

from exchange.api.context import ExchangeContext
from exchange.api.schema import schema
from exchange.registry.keys import add_key, revoke_key
from tests.api.operations import partner_with_rate

PARTNER = """
{ partner { code name status returnWindowDays settlementCurrency activeKeyIds } }
"""


async def test_a_partner_reads_its_own_record(db: str) -> None:
    # given a grocer with a 14-day return window
    grocer = await partner_with_rate("grocer", window_days=14)
    # when it reads its record
    data = await grocer.run(PARTNER)
    # then it sees itself as the exchange knows it
    assert data["partner"] == {
        "code": "grocer", "name": "Grocer", "status": "active", "returnWindowDays": 14,
        "settlementCurrency": "EUR", "activeKeyIds": [],
    }


async def test_only_its_own_active_keys_are_listed(db: str) -> None:
    # given a grocer that rotated from one key to two, then revoked the first,
    # and a fuel station with a key of its own
    grocer = await partner_with_rate("grocer")
    fuel = await partner_with_rate("fuel")
    for key_id in ("grocer/2025-01", "grocer/2025-02"):
        await add_key(grocer.partner.id, key_id, "ed25519", secrets.token_bytes(32))
    await add_key(fuel.partner.id, "fuel/2025-01", "ed25519", secrets.token_bytes(32))
    assert (await grocer.run(PARTNER))["partner"]["activeKeyIds"] == [
        "grocer/2025-01", "grocer/2025-02",
    ]
    await revoke_key("grocer/2025-01")
    # when the grocer reads its record
    data = await grocer.run(PARTNER)
    # then only its key still active is listed
    assert data["partner"]["activeKeyIds"] == ["grocer/2025-02"]


async def test_an_unsigned_call_is_unauthenticated(db: str) -> None:
    # given a partner exists, but the request was signed by nobody
    await partner_with_rate()
    # when the partner query runs with no verified partner
    unsigned = ExchangeContext(None, None, None)  # type: ignore[arg-type]
    result = await schema.execute(PARTNER, context_value=unsigned)
    # then it is a top-level UNAUTHENTICATED error, and no data
    assert result.data is None
    assert result.errors is not None
    assert [error.extensions for error in result.errors] == [{"code": "UNAUTHENTICATED"}]
