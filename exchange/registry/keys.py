"""Partners' request-signing keys: several active at once (rotation), revocation immediate.

Key ids look like `<partner-code>/<yyyy-mm>` (a suffix makes them unique when a partner adds
two in one month). Key *material* parsing (PEM, JWK) is the partners kit's job; the registry
stores the raw key as base64 and the algorithm the key was registered with.
"""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass
from datetime import UTC, datetime

from tortoise.exceptions import IntegrityError

from exchange.clock import from_us, now_us
from exchange.db import connection, execute, fetch_as, fetch_one_as
from exchange.errors import DomainError
from exchange.registry.errors import RegistryErrorCode
from exchange.registry.partners import get_partner_by_id

ALGORITHMS = ("ed25519", "hmac-sha256")
_KEY_ID = re.compile(r"^[a-z][a-z0-9-]{1,31}/[A-Za-z0-9._-]{1,31}$")
_ED25519_PUBLIC_KEY_BYTES = 32
_HMAC_SECRET_BYTES_MIN = 32


@dataclass(frozen=True, slots=True)
class PartnerKey:
    key_id: str
    partner_id: int
    partner_code: str
    algorithm: str
    key_material: bytes
    is_active: bool  # the key is active and its partner is not suspended
    created_at: int
    revoked_at: int | None


_SELECT = (
    "SELECT k.key_id, k.partner_id, p.code AS partner_code, k.algorithm, k.key_material, "
    "k.status, p.status AS partner_status, k.created_at, k.revoked_at "
    "FROM partner_keys k JOIN partners p ON p.id = k.partner_id"
)


def _key(
    *, key_id: str, partner_id: int, partner_code: str, algorithm: str, key_material: str,
    status: str, partner_status: str, created_at: int, revoked_at: int | None,
) -> PartnerKey:
    """A row of `_SELECT`: the material is stored as base64."""
    return PartnerKey(
        key_id=key_id, partner_id=partner_id, partner_code=partner_code, algorithm=algorithm,
        key_material=base64.b64decode(key_material),
        is_active=status == "active" and partner_status == "active",
        created_at=created_at, revoked_at=revoked_at,
    )


async def find_key(key_id: str) -> PartnerKey | None:
    return await fetch_one_as(connection(), _key, f"{_SELECT} WHERE k.key_id = $1", key_id)


async def partner_keys(partner_id: int) -> list[PartnerKey]:
    return await fetch_as(
        connection(), _key, f"{_SELECT} WHERE k.partner_id = $1 ORDER BY k.created_at",
        partner_id,
    )


def default_key_id(partner_code: str, at_us: int | None = None) -> str:
    moment = from_us(at_us) if at_us is not None else datetime.now(UTC)
    return f"{partner_code}/{moment:%Y-%m}"


def _check_material(algorithm: str, material: bytes) -> None:
    if algorithm not in ALGORITHMS:
        raise DomainError(RegistryErrorCode.INVALID_KEY, f"algorithm must be one of {ALGORITHMS}")
    if algorithm == "ed25519" and len(material) != _ED25519_PUBLIC_KEY_BYTES:
        raise DomainError(RegistryErrorCode.INVALID_KEY, "an Ed25519 public key is 32 bytes")
    if algorithm == "hmac-sha256" and len(material) < _HMAC_SECRET_BYTES_MIN:
        raise DomainError(RegistryErrorCode.INVALID_KEY, "an HMAC secret is at least 32 bytes")


async def add_key(partner_id: int, key_id: str, algorithm: str, material: bytes) -> PartnerKey:
    """Register a key; older keys stay valid (rotation never invalidates them)."""
    if not _KEY_ID.match(key_id):
        raise DomainError(RegistryErrorCode.INVALID_KEY, "key id: <partner-code>/<label>")
    _check_material(algorithm, material)
    partner = await get_partner_by_id(partner_id)  # no orphan keys
    if key_id.partition("/")[0] != partner.code:
        # The key id names its partner: a key id naming another partner would mislead.
        raise DomainError(RegistryErrorCode.INVALID_KEY, f"key id: {partner.code}/<label>")
    try:
        await execute(
            connection(),
            "INSERT INTO partner_keys (key_id, partner_id, algorithm, key_material, status, "
            "created_at) VALUES ($1, $2, $3, $4, 'active', $5)",
            key_id, partner_id, algorithm, base64.b64encode(material).decode(), now_us(),
        )
    except IntegrityError:
        raise DomainError(RegistryErrorCode.KEY_EXISTS, f"key {key_id} exists") from None
    found = await find_key(key_id)
    assert found is not None
    return found


async def revoke_key(key_id: str) -> PartnerKey:
    """Revoke at once: the next request signed with it is refused."""
    changed = await execute(
        connection(),
        "UPDATE partner_keys SET status = 'revoked', revoked_at = $1 "
        "WHERE key_id = $2 AND status = 'active'",
        now_us(), key_id,
    )
    found = await find_key(key_id)
    if found is None:
        raise DomainError(RegistryErrorCode.KEY_NOT_FOUND, f"no key {key_id}")
    if not changed:
        raise DomainError(RegistryErrorCode.KEY_REVOKED, f"key {key_id} was already revoked")
    return found
