"""adminWhoami: the calling admin's name and token expiry; for admins only."""

from __future__ import annotations

from exchange.api.context import ExchangeContext, PartnerIdentity
from exchange.api.schema import schema
from exchange.registry.admin_tokens import AdminIdentity

WHOAMI = "{ adminWhoami { name tokenId tokenExpiresAt } }"
T0 = 1_767_225_600_000_000  # 2026-01-01T00:00:00Z


async def test_an_admin_sees_their_name_and_token_expiry() -> None:
    # given an admin whose token expires at T0
    admin = AdminIdentity("Ada Ops", 7, T0)
    # when they ask who they are
    result = await schema.execute(WHOAMI, context_value=ExchangeContext(admin=admin))
    # then they see their name, token id and its expiry with a zone
    assert result.errors is None
    assert result.data == {"adminWhoami": {
        "name": "Ada Ops", "tokenId": 7, "tokenExpiresAt": "2026-01-01T00:00:00+00:00",
    }}


async def test_nobody_is_unauthenticated() -> None:
    result = await schema.execute(WHOAMI, context_value=ExchangeContext())
    assert result.data is None and result.errors is not None
    assert [error.extensions for error in result.errors] == [{"code": "UNAUTHENTICATED"}]


async def test_a_partner_is_forbidden() -> None:
    partner = PartnerIdentity(1, "grocer", "grocer/2025-01")
    result = await schema.execute(WHOAMI, context_value=ExchangeContext(partner=partner))
    assert result.data is None and result.errors is not None
    assert [error.extensions for error in result.errors] == [{"code": "FORBIDDEN"}]
