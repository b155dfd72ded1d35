"""Signatures that break the profile on purpose, made with the library's own signer.

`partners.signing.sign_request` only makes conforming signatures; the tests need requests that
are cryptographically sound but break one profile rule, to see that rule alone refuse them.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from http_message_signatures import HTTPMessageSigner, MappingKeyResolver, algorithms

from partners.headers import COVERED_COMPONENTS, LABEL, TAG

_ALGORITHMS = {"ed25519": algorithms.ED25519, "hmac-sha256": algorithms.HMAC_SHA256}


@dataclass
class _Request:
    method: str
    url: str
    headers: dict[str, str]


def sha256_digest(body: bytes) -> str:
    return f"sha-256=:{base64.b64encode(hashlib.sha256(body).digest()).decode()}:"


def forge(
    *,
    private_key: Any,
    key_id: str,
    url: str,
    body: bytes,
    created: int,
    expires: int | None,
    nonce: str | None = "forged-nonce-0123456789",
    tag: str | None = TAG,
    algorithm: str = "ed25519",
    include_alg: bool = True,
    components: tuple[str, ...] = COVERED_COMPONENTS,
    label: str = LABEL,
    content_digest: str | None = None,
    method: str = "POST",
    content_type: str = "application/json",
) -> dict[str, str]:
    """Every header of a signed request: Content-Type, Content-Digest and the signature."""
    headers = {
        "content-type": content_type,
        "content-digest": content_digest or sha256_digest(body),
    }
    resolver = MappingKeyResolver(public_keys={}, private_keys={key_id: private_key})
    signer = HTTPMessageSigner(signature_algorithm=_ALGORITHMS[algorithm], key_resolver=resolver)
    signer.sign(
        _Request(method, url, headers), key_id=key_id, created=_at(created),
        expires=None if expires is None else _at(expires), nonce=nonce, label=label, tag=tag,
        include_alg=include_alg, covered_component_ids=components, use_existing_digest=True,
    )
    return {name.lower(): value for name, value in headers.items()}


def _at(unix_seconds: int) -> datetime:
    return datetime.fromtimestamp(unix_seconds, UTC)
