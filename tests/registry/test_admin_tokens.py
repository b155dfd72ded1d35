"""Admin bearer tokens: stored hashed, expiring, revocable at once, created within bounds."""

from __future__ import annotations

import hashlib
import json
from dataclasses import fields

import pytest

from exchange import limits
from exchange.clock import days_to_us, now_us
from exchange.errors import DomainError
from exchange.registry.admin_tokens import (
    AdminIdentity,
    AdminTokenRecord,
    check_token,
    create_token,
    find_admin,
    list_tokens,
    revoke_token,
)
from exchange.registry.errors import RegistryErrorCode
from tests.ledger.helpers import rows

T0 = 1_767_225_600_000_000  # 2026-01-01T00:00:00Z


async def _refused(call: object) -> RegistryErrorCode:
    with pytest.raises(DomainError) as raised:
        await call  # type: ignore[misc]
    return raised.value.code


async def test_only_the_hash_of_a_token_is_stored(db: str) -> None:
    # when a token is created
    token, record = await create_token("ops", 30)
    # then the table holds its SHA-256, and the plaintext nowhere
    [stored] = await rows("SELECT * FROM admin_tokens")
    assert stored["token_hash"] == hashlib.sha256(token.encode()).hexdigest()
    assert token not in json.dumps(stored)
    assert token.startswith("exa_") and len(token) == 47
    assert (stored["id"], stored["name"], stored["revoked_at"]) == (record.id, "ops", None)


async def test_a_token_names_its_admin_until_it_expires(db: str) -> None:
    # given a token created at T0 for one day
    token, record = await create_token("ops", 1, at_us=T0)
    expires_at = T0 + days_to_us(1)
    assert record.expires_at == expires_at
    # when it is presented just before, and at, its expiry
    before = await find_admin(token, at_us=expires_at - 1)
    at_expiry = await find_admin(token, at_us=expires_at)
    # then it names the admin before, and nobody from the expiry on
    assert before == AdminIdentity("ops", record.id, expires_at)
    assert at_expiry is None
    assert await _refused(check_token(token, at_us=expires_at)) == RegistryErrorCode.TOKEN_EXPIRED


async def test_tokens_are_random_and_independent(db: str) -> None:
    # given two tokens for the same admin
    first, first_record = await create_token("ops", 30)
    second, second_record = await create_token("ops", 30)
    # then they differ and each names its own record
    assert first != second
    assert (await check_token(first)).token_id == first_record.id
    assert (await check_token(second)).token_id == second_record.id


@pytest.mark.parametrize("presented", [
    "", "exa_", "not-a-token", "exa_" + "A" * 43, "exa_" + "A" * 44, "Bearer exa_x",
])
async def test_an_unknown_or_malformed_token_names_nobody(db: str, presented: str) -> None:
    # given a real token exists
    await create_token("ops", 30)
    # when something else is presented, then it is refused as invalid
    assert await find_admin(presented) is None
    assert await _refused(check_token(presented)) == RegistryErrorCode.TOKEN_INVALID


async def test_revocation_is_immediate_and_leaves_other_tokens_alone(db: str) -> None:
    # given two working tokens
    token, record = await create_token("ops", 30)
    other, _ = await create_token("finance", 30)
    assert await find_admin(token) is not None
    # when one is revoked by its id
    revoked = await revoke_token(str(record.id))
    # then it is refused on its very next use, and the other still works
    assert revoked.revoked_at is not None and revoked.status(now_us()) == "revoked"
    assert await find_admin(token) is None
    assert await _refused(check_token(token)) == RegistryErrorCode.TOKEN_REVOKED
    still = await find_admin(other)
    assert still is not None and still.name == "finance"


async def test_a_leaked_token_can_be_revoked_by_the_token_itself(db: str) -> None:
    # given a token whose id nobody noted
    token, record = await create_token("ops", 30)
    # when it is revoked by its plaintext
    revoked = await revoke_token(token)
    # then the right record is revoked
    assert revoked.id == record.id
    assert await find_admin(token) is None


async def test_revoking_twice_or_an_unknown_token_is_refused(db: str) -> None:
    # given a revoked token
    token, record = await create_token("ops", 30)
    await revoke_token(str(record.id))
    before = await rows("SELECT * FROM admin_tokens")
    # then revoking it again, or a token that never existed, is refused and changes nothing
    assert await _refused(revoke_token(str(record.id))) == RegistryErrorCode.TOKEN_REVOKED
    assert await _refused(revoke_token(token)) == RegistryErrorCode.TOKEN_REVOKED
    for unknown in ("999", "0", "-1", "9" * 30, "exa_" + "B" * 43, "ops"):
        assert await _refused(revoke_token(unknown)) == RegistryErrorCode.TOKEN_NOT_FOUND
    assert await rows("SELECT * FROM admin_tokens") == before


@pytest.mark.parametrize("ttl_days", [
    limits.admin_token_ttl_days_min, limits.admin_token_ttl_days_max,
])
async def test_a_lifetime_at_the_bounds_is_accepted(db: str, ttl_days: int) -> None:
    # when a token is created at a bound, then it lives exactly that long
    _, record = await create_token("ops", ttl_days, at_us=T0)
    assert record.expires_at - record.created_at == days_to_us(ttl_days)


@pytest.mark.parametrize("ttl_days", [
    limits.admin_token_ttl_days_min - 1, -1, limits.admin_token_ttl_days_max + 1,
])
async def test_a_lifetime_out_of_bounds_is_refused(db: str, ttl_days: int) -> None:
    # when a token is asked for with a lifetime out of bounds, then it is refused, none created
    assert await _refused(create_token("ops", ttl_days)) == RegistryErrorCode.INVALID_TOKEN_TTL
    assert await list_tokens() == []


# 58 characters at most: an admin acts as "admin:<name>", which settlement keeps in 64.
@pytest.mark.parametrize("name", ["", " ops", "ops ", "o\nps", "x" * 59])
async def test_a_bad_admin_name_is_refused(db: str, name: str) -> None:
    assert await _refused(create_token(name, 30)) == RegistryErrorCode.INVALID_ADMIN_NAME
    assert await list_tokens() == []


async def test_the_list_shows_every_token_without_secrets(db: str) -> None:
    # given an active, an expired and a revoked token
    active, _ = await create_token("ops", 30)
    expired, _ = await create_token("old", 1, at_us=T0)
    revoked, revoked_record = await create_token("gone", 30)
    await revoke_token(str(revoked_record.id))
    # when they are listed
    listed = await list_tokens()
    # then each shows with its status, and nothing that is or reveals a token
    at = now_us()
    assert [(r.name, r.status(at)) for r in listed] == [
        ("ops", "active"), ("old", "expired"), ("gone", "revoked"),
    ]
    shown = repr(listed)
    for token in (active, expired, revoked):
        assert token not in shown
        assert hashlib.sha256(token.encode()).hexdigest() not in shown
    assert {f.name for f in fields(AdminTokenRecord)} == {
        "id", "name", "created_at", "expires_at", "revoked_at",
    }
