"""Partners' signing keys: add, find, revoke; several active at once while keys rotate."""

from __future__ import annotations

import secrets

import pytest

from exchange.errors import DomainError
from exchange.registry.errors import RegistryErrorCode
from exchange.registry.keys import add_key, default_key_id, find_key, partner_keys, revoke_key
from exchange.registry.partners import create_partner
from tests.ledger.helpers import snapshot

T0 = 1_767_225_600_000_000  # 2026-01-01T00:00:00Z


async def _refused(call: object) -> RegistryErrorCode:
    with pytest.raises(DomainError) as raised:
        await call  # type: ignore[misc]
    return raised.value.code


async def test_an_added_key_is_found_active_with_its_material(db: str) -> None:
    # given a grocer
    grocer = await create_partner("grocer", "Grocer")
    material = secrets.token_bytes(32)
    # when it registers an Ed25519 key
    added = await add_key(grocer.id, "grocer/2026-01", "ed25519", material)
    # then the key is found by its id, active, for that partner, with the exact bytes
    found = await find_key("grocer/2026-01")
    assert found == added
    assert (found.partner_id, found.partner_code, found.algorithm) == (
        grocer.id, "grocer", "ed25519",
    )
    assert found.key_material == material
    assert found.is_active and found.revoked_at is None


async def test_rotation_keeps_the_old_key_and_revocation_is_immediate(db: str) -> None:
    # given a grocer with an old key and a new one
    grocer = await create_partner("grocer", "Grocer")
    await add_key(grocer.id, "grocer/2026-01", "ed25519", secrets.token_bytes(32))
    await add_key(grocer.id, "grocer/2026-02", "ed25519", secrets.token_bytes(32))
    assert [k.is_active for k in await partner_keys(grocer.id)] == [True, True]
    # when the old key is revoked
    revoked = await revoke_key("grocer/2026-01")
    # then it is inactive at once, with its revocation time, and the new one stays active
    assert not revoked.is_active and revoked.revoked_at is not None
    keys = await partner_keys(grocer.id)
    assert [(k.key_id, k.is_active) for k in keys] == [
        ("grocer/2026-01", False), ("grocer/2026-02", True),
    ]


async def test_revoking_twice_or_an_unknown_key_is_refused(db: str) -> None:
    # given a revoked key
    grocer = await create_partner("grocer", "Grocer")
    await add_key(grocer.id, "grocer/2026-01", "ed25519", secrets.token_bytes(32))
    await revoke_key("grocer/2026-01")
    # then revoking it again, or a key never added, is refused
    assert await _refused(revoke_key("grocer/2026-01")) == RegistryErrorCode.KEY_REVOKED
    assert await _refused(revoke_key("grocer/2099-01")) == RegistryErrorCode.KEY_NOT_FOUND


async def test_an_unknown_key_id_is_not_found(db: str) -> None:
    assert await find_key("grocer/2026-01") is None


def test_the_default_key_id_is_the_partner_code_and_month() -> None:
    assert default_key_id("grocer", T0) == "grocer/2026-01"


@pytest.mark.parametrize(("key_id", "algorithm", "length", "code"), [
    ("grocer/2026-01", "ed25519", 31, RegistryErrorCode.INVALID_KEY),
    ("grocer/2026-01", "ed25519", 33, RegistryErrorCode.INVALID_KEY),
    ("grocer/2026-01", "hmac-sha256", 31, RegistryErrorCode.INVALID_KEY),
    ("grocer/2026-01", "rsa-pss-sha512", 32, RegistryErrorCode.INVALID_KEY),
    ("grocer", "ed25519", 32, RegistryErrorCode.INVALID_KEY),
    ("grocer/", "ed25519", 32, RegistryErrorCode.INVALID_KEY),
    ("Grocer/2026-01", "ed25519", 32, RegistryErrorCode.INVALID_KEY),
    ("grocer/2026 01", "ed25519", 32, RegistryErrorCode.INVALID_KEY),
    ("grocer/a/b", "ed25519", 32, RegistryErrorCode.INVALID_KEY),
    ("fuel/2026-01", "ed25519", 32, RegistryErrorCode.INVALID_KEY),  # another partner's code
])
async def test_a_bad_key_is_refused_and_nothing_changes(
    db: str, key_id: str, algorithm: str, length: int, code: RegistryErrorCode
) -> None:
    # given a grocer (and a fuel station)
    grocer = await create_partner("grocer", "Grocer")
    await create_partner("fuel", "Fuel")
    before = await snapshot()
    # when a malformed key is added for the grocer
    call = add_key(grocer.id, key_id, algorithm, secrets.token_bytes(length))
    # then it is refused, and nothing was stored
    assert await _refused(call) == code
    assert await snapshot() == before


async def test_an_hmac_secret_of_32_bytes_or_more_is_accepted(db: str) -> None:
    grocer = await create_partner("grocer", "Grocer")
    key = await add_key(grocer.id, "grocer/hmac-1", "hmac-sha256", secrets.token_bytes(48))
    assert (key.algorithm, len(key.key_material)) == ("hmac-sha256", 48)


async def test_a_duplicate_key_id_is_refused_and_nothing_changes(db: str) -> None:
    # given a key grocer/2026-01
    grocer = await create_partner("grocer", "Grocer")
    await add_key(grocer.id, "grocer/2026-01", "ed25519", secrets.token_bytes(32))
    before = await snapshot()
    # when another key is added under the same id
    call = add_key(grocer.id, "grocer/2026-01", "ed25519", secrets.token_bytes(32))
    # then it is refused, and the first key is kept
    assert await _refused(call) == RegistryErrorCode.KEY_EXISTS
    assert await snapshot() == before


async def test_a_key_for_an_unknown_partner_is_refused_and_nothing_changes(db: str) -> None:
    # given no partner 999
    before = await snapshot()
    # when a key is added for it
    call = add_key(999, "ghost/2026-01", "ed25519", secrets.token_bytes(32))
    # then it is refused, and no orphan key was stored
    assert await _refused(call) == RegistryErrorCode.PARTNER_NOT_FOUND
    assert await snapshot() == before
