"""Signed partner requests: the ASGI adapter of the signing profile in partners/signing.py.

It wraps the /graphql route only. It reads the whole body (capped), rebuilds `@target-uri` from
the configured public URL - never from Host or X-Forwarded-*, which the caller controls -, looks
the key up, verifies with partners.signing and only then records the nonce, so a forged request
cannot burn a partner's nonces. On any failure it answers 401 and the app never runs.
"""

from __future__ import annotations

import logging

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from exchange import limits, metrics
from exchange.api.context import PARTNER_SCOPE_KEY, PartnerIdentity
from exchange.api.errors import send_error
from exchange.api.middleware import BodyTooLarge
from exchange.clock import seconds_to_us
from exchange.config import Settings
from exchange.registry.keys import PartnerKey, find_key
from exchange.registry.nonces import remember_nonce
from partners.headers import CREATED_FUTURE_SECONDS_MAX, SIGNATURE_AGE_SECONDS_MAX
from partners.keys import public_key_from_bytes
from partners.signing import (
    SignatureErrorCode,
    SignatureRejected,
    signature_key_id,
    verify_request,
)

logger = logging.getLogger("exchange.signatures")

# A nonce is kept while any signature carrying it could still be accepted: until created + 300 s,
# plus the 30 s a signer's clock may run ahead of this host's.
_NONCE_RETENTION_SECONDS = SIGNATURE_AGE_SECONDS_MAX + CREATED_FUTURE_SECONDS_MAX


class _Disconnected(Exception):
    pass


class SignedRequests:
    """Let a request through only when a registered, active partner key signed it."""

    def __init__(
        self, app: ASGIApp, settings: Settings, body_bytes_max: int = limits.request_body_bytes_max
    ) -> None:
        self.app = app
        self.public_url = settings.public_url
        self.body_bytes_max = body_bytes_max

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        try:
            body = await _read_body(receive, self.body_bytes_max)
        except BodyTooLarge:
            await send_error(send, 413, "REQUEST_TOO_LARGE",
                             f"The request body is over {self.body_bytes_max} bytes.")
            return
        except _Disconnected:
            return  # nobody is left to answer
        try:
            partner = await self._authenticate(scope, body)
        except SignatureRejected as rejection:
            logger.info("signed request refused: %s %s", rejection.code, rejection.message,
                        extra={"code": str(rejection.code)})
            metrics.SIGNATURE_REJECTIONS.labels(code=str(rejection.code)).inc()
            await send_error(send, 401, str(rejection.code), rejection.message)
            return
        await self.app({**scope, PARTNER_SCOPE_KEY: partner}, _replay(body, receive), send)

    async def _authenticate(self, scope: Scope, body: bytes) -> PartnerIdentity:
        headers = _header_lines(scope)
        key = await _active_key(signature_key_id(headers))
        verified = verify_request(
            scope["method"], self._target_uri(scope), headers, body,
            algorithm=key.algorithm, key=_verifying_key(key),
        )
        assert verified.key_id == key.key_id
        expires_at = seconds_to_us(verified.created + _NONCE_RETENTION_SECONDS)
        if not await remember_nonce(key.key_id, verified.nonce, expires_at):
            raise SignatureRejected(
                SignatureErrorCode.NONCE_REPLAYED,
                f"nonce {verified.nonce!r} was already used with key {key.key_id}",
            )
        return PartnerIdentity(key.partner_id, key.partner_code, key.key_id)

    def _target_uri(self, scope: Scope) -> str:
        # The path as received (still percent-encoded), after the configured public URL.
        raw_path: bytes = scope.get("raw_path") or scope["path"].encode()
        target = self.public_url + raw_path.split(b"?", 1)[0].decode("latin-1")
        query: bytes = scope.get("query_string", b"")
        return f"{target}?{query.decode('latin-1')}" if query else target


async def _active_key(key_id: str) -> PartnerKey:
    key = await find_key(key_id)
    if key is None:
        raise SignatureRejected(SignatureErrorCode.KEY_UNKNOWN, f"no key {key_id!r} is registered")
    if not key.is_active:
        raise SignatureRejected(
            SignatureErrorCode.KEY_REVOKED,
            f"key {key_id!r} is revoked, or its partner is suspended",
        )
    return key


def _verifying_key(key: PartnerKey) -> Ed25519PublicKey | bytes:
    if key.algorithm == "ed25519":
        return public_key_from_bytes(key.key_material)
    return key.key_material  # the HMAC secret itself


def _header_lines(scope: Scope) -> list[tuple[str, str]]:
    # Latin-1 keeps every byte as one character; non-ASCII then fails verification, as it must.
    return [(name.decode("latin-1"), value.decode("latin-1")) for name, value in scope["headers"]]


async def _read_body(receive: Receive, body_bytes_max: int) -> bytes:
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise _Disconnected
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > body_bytes_max:
            raise BodyTooLarge
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)


def _replay(body: bytes, receive: Receive) -> Receive:
    """A `receive` that hands the app the body already read, then the client's later events."""
    is_sent = False

    async def replay() -> Message:
        nonlocal is_sent
        if is_sent:
            return await receive()
        is_sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return replay
