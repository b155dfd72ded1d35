"""The partner integration kit: keys, the request-signing profile and a signed async client.

Importable without the exchange. The client and its httpx auth flow load on first use, so a
process that only signs or verifies (the exchange itself) does not need httpx installed.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from partners.keys import (
    KeyFormatError,
    generate_private_key,
    private_key_from_jwk,
    private_key_from_pem,
    private_key_to_jwk,
    private_key_to_pem,
    public_key_bytes,
    public_key_from_bytes,
    public_key_from_jwk,
    public_key_from_pem,
    public_key_to_jwk,
    public_key_to_pem,
)
from partners.signing import (
    SignatureErrorCode,
    SignatureRejected,
    VerifiedSignature,
    sign_request,
    signature_key_id,
    verify_request,
)

if TYPE_CHECKING:
    from partners.auth import RequestSigningAuth
    from partners.client import ExchangeClient, payload_or_raise
    from partners.errors import (
        AuthenticationError,
        ExchangeError,
        GraphQLRequestError,
        PayloadError,
        TransportError,
        UnexpectedResponseError,
    )

_LAZY = {
    "RequestSigningAuth": "partners.auth",
    "ExchangeClient": "partners.client",
    "payload_or_raise": "partners.client",
    "AuthenticationError": "partners.errors",
    "ExchangeError": "partners.errors",
    "GraphQLRequestError": "partners.errors",
    "PayloadError": "partners.errors",
    "TransportError": "partners.errors",
    "UnexpectedResponseError": "partners.errors",
}

__all__ = [
    "AuthenticationError",
    "ExchangeClient",
    "ExchangeError",
    "GraphQLRequestError",
    "KeyFormatError",
    "PayloadError",
    "RequestSigningAuth",
    "SignatureErrorCode",
    "SignatureRejected",
    "TransportError",
    "UnexpectedResponseError",
    "VerifiedSignature",
    "generate_private_key",
    "payload_or_raise",
    "private_key_from_jwk",
    "private_key_from_pem",
    "private_key_to_jwk",
    "private_key_to_pem",
    "public_key_bytes",
    "public_key_from_bytes",
    "public_key_from_jwk",
    "public_key_from_pem",
    "public_key_to_jwk",
    "public_key_to_pem",
    "sign_request",
    "signature_key_id",
    "verify_request",
]


def __getattr__(name: str) -> Any:
    if name not in _LAZY:
        raise AttributeError(f"module 'partners' has no attribute {name!r}")
    return getattr(importlib.import_module(_LAZY[name]), name)
