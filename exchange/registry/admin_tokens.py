"""Admin bearer tokens: created by `exchange admin token create`, stored hashed, expiring,
revocable at once.

Only the SHA-256 of a token is stored, so a copy of the database lets nobody in. A token is
looked up by its hash through a unique index: the lookup's timing depends on the hash, which an
attacker cannot steer towards a real token, so no comparison of secrets can leak a prefix.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass, replace

from exchange import limits
from exchange.clock import days_to_us, now_us
from exchange.db import connection, execute, fetch_as, fetch_one_as, fetch_value
from exchange.errors import DomainError
from exchange.registry.errors import RegistryErrorCode

# The prefix lets secret scanners and humans recognise a leaked token; 32 random bytes make it
# unguessable.
TOKEN_PREFIX = "exa_"
_TOKEN_RANDOM_BYTES = 32
_TOKEN = re.compile(r"^exa_[A-Za-z0-9_-]{43}$")
_TOKEN_ID = re.compile(r"^[1-9][0-9]{0,17}$")  # fits a BIGINT


@dataclass(frozen=True, slots=True)
class AdminTokenRecord:
    """A token as operators see it: everything but the secret and its hash."""

    id: int
    name: str
    created_at: int
    expires_at: int
    revoked_at: int | None

    def status(self, at_us: int) -> str:
        if self.revoked_at is not None:
            return "revoked"
        return "expired" if at_us >= self.expires_at else "active"


@dataclass(frozen=True, slots=True)
class AdminIdentity:
    """The admin behind a request, as its token names them."""

    name: str
    token_id: int
    expires_at: int


_COLUMNS = "id, name, created_at, expires_at, revoked_at"  # AdminTokenRecord's fields


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("ascii")).hexdigest()


def _check_request(name: str, ttl_days: int) -> None:
    if not (0 < len(name) <= limits.admin_name_length_max and name.isprintable()
            and name == name.strip()):
        raise DomainError(
            RegistryErrorCode.INVALID_ADMIN_NAME,
            f"name: 1 to {limits.admin_name_length_max} printable characters, "
            "no surrounding spaces", "name",
        )
    if not limits.admin_token_ttl_days_min <= ttl_days <= limits.admin_token_ttl_days_max:
        raise DomainError(
            RegistryErrorCode.INVALID_TOKEN_TTL,
            f"lifetime: {limits.admin_token_ttl_days_min} to "
            f"{limits.admin_token_ttl_days_max} days", "ttlDays",
        )


async def create_token(
    name: str, ttl_days: int, *, at_us: int | None = None
) -> tuple[str, AdminTokenRecord]:
    """A new token for the admin `name`: the plaintext (shown once, never stored) and its record."""
    _check_request(name, ttl_days)
    token = TOKEN_PREFIX + secrets.token_urlsafe(_TOKEN_RANDOM_BYTES)
    assert _TOKEN.match(token), "the token format and its pattern disagree"
    created_at = now_us() if at_us is None else at_us
    expires_at = created_at + days_to_us(ttl_days)
    token_id = await fetch_value(
        connection(), int,
        "INSERT INTO admin_tokens (name, token_hash, created_at, expires_at) "
        "VALUES ($1, $2, $3, $4) RETURNING id",
        name, token_hash(token), created_at, expires_at,
    )
    assert token_id is not None
    return token, AdminTokenRecord(token_id, name, created_at, expires_at, None)


async def check_token(token: str, *, at_us: int | None = None) -> AdminIdentity:
    """The admin a presented token names, or a TOKEN_INVALID / _EXPIRED / _REVOKED error."""
    found = await _find_by_token(token)
    if found is None:
        raise DomainError(RegistryErrorCode.TOKEN_INVALID, "the admin token is not valid")
    status = found.status(now_us() if at_us is None else at_us)
    if status == "revoked":
        raise DomainError(RegistryErrorCode.TOKEN_REVOKED, "the admin token was revoked")
    if status == "expired":
        raise DomainError(RegistryErrorCode.TOKEN_EXPIRED, "the admin token has expired")
    return AdminIdentity(found.name, found.id, found.expires_at)


async def find_admin(token: str, *, at_us: int | None = None) -> AdminIdentity | None:
    """The admin a token names; None when it is unknown, expired or revoked."""
    try:
        return await check_token(token, at_us=at_us)
    except DomainError:
        return None


async def list_tokens() -> list[AdminTokenRecord]:
    return await fetch_as(
        connection(), AdminTokenRecord, f"SELECT {_COLUMNS} FROM admin_tokens ORDER BY id"
    )


async def revoke_token(reference: str) -> AdminTokenRecord:
    """Revoke a token named by its id or by the token itself, at once."""
    found = await _find_by_reference(reference)
    if found is None:
        raise DomainError(RegistryErrorCode.TOKEN_NOT_FOUND, "no such admin token")
    revoked_at = now_us()
    changed = await execute(
        connection(),
        "UPDATE admin_tokens SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL",
        revoked_at, found.id,
    )
    if not changed:
        raise DomainError(
            RegistryErrorCode.TOKEN_REVOKED, f"admin token {found.id} was already revoked"
        )
    return replace(found, revoked_at=revoked_at)


async def _find_by_token(token: str) -> AdminTokenRecord | None:
    if not _TOKEN.match(token):
        return None  # not one of ours: no need to ask the database
    return await fetch_one_as(
        connection(), AdminTokenRecord,
        f"SELECT {_COLUMNS} FROM admin_tokens WHERE token_hash = $1", token_hash(token),
    )


async def _find_by_reference(reference: str) -> AdminTokenRecord | None:
    if reference.startswith(TOKEN_PREFIX):
        return await _find_by_token(reference)
    if not _TOKEN_ID.match(reference):
        return None
    return await fetch_one_as(
        connection(), AdminTokenRecord, f"SELECT {_COLUMNS} FROM admin_tokens WHERE id = $1",
        int(reference),
    )
