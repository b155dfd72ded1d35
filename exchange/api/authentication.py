"""Who is calling /graphql: a partner by its request signature, or an admin by a bearer token.

A request carries exactly one kind of credential. One with both is refused rather than
resolved by a precedence rule: if two layers ever disagreed on which one counts, a caller could
be authenticated as one identity and act as the other. Signed requests go to SignedRequests
unchanged; a bearer token is checked from the headers alone, before the body is read, so an
unauthenticated caller cannot make the server buffer anything. On any failure the answer is 401
and the app never runs.
"""

from __future__ import annotations

import logging

from starlette.types import ASGIApp, Receive, Scope, Send

from exchange import metrics
from exchange.api.context import ADMIN_SCOPE_KEY
from exchange.api.errors import send_error
from exchange.api.signatures import SignedRequests
from exchange.config import Settings
from exchange.errors import DomainError
from exchange.registry.admin_tokens import AdminIdentity, check_token
from exchange.registry.errors import RegistryErrorCode

logger = logging.getLogger("exchange.authentication")

_SIGNATURE_HEADERS = frozenset({b"signature", b"signature-input"})
_BEARER_SCHEME = "bearer"  # auth schemes are case-insensitive (RFC 9110 section 11.1)
_TOKEN_CODES = frozenset({
    RegistryErrorCode.TOKEN_INVALID, RegistryErrorCode.TOKEN_EXPIRED,
    RegistryErrorCode.TOKEN_REVOKED,
})


class TokenRejected(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class Authenticate:
    """Let a request through only with one valid credential: a signature or an admin token."""

    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.signed = SignedRequests(app, settings)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        authorizations = [value for name, value in scope["headers"] if name == b"authorization"]
        if not authorizations:
            await self.signed(scope, receive, send)
            return
        try:
            admin = await _authenticate_admin(scope, authorizations)
        except TokenRejected as rejection:
            logger.info("admin request refused: %s", rejection.code, extra={"code": rejection.code})
            metrics.ADMIN_TOKEN_REJECTIONS.labels(code=rejection.code).inc()
            await send_error(send, 401, rejection.code, rejection.message)
            return
        logger.info("admin request by %s (token %d)", admin.name, admin.token_id,
                    extra={"admin": admin.name, "token_id": admin.token_id})
        await self.app({**scope, ADMIN_SCOPE_KEY: admin}, receive, send)


async def _authenticate_admin(scope: Scope, authorizations: list[bytes]) -> AdminIdentity:
    if any(name in _SIGNATURE_HEADERS for name, _ in scope["headers"]):
        raise TokenRejected(
            "AMBIGUOUS_CREDENTIALS",
            "Send either a partner signature or an admin bearer token, not both.",
        )
    token = _bearer_token(authorizations)
    try:
        return await check_token(token)
    except DomainError as error:
        assert error.code in _TOKEN_CODES, error.code
        raise TokenRejected(error.code.value, error.message) from None



def _bearer_token(authorizations: list[bytes]) -> str:
    """The token of the one `Authorization: Bearer <token>` header."""
    if len(authorizations) != 1:
        raise TokenRejected("TOKEN_INVALID", "Send one Authorization header.")
    scheme, _, token = authorizations[0].decode("latin-1").partition(" ")
    if scheme.lower() != _BEARER_SCHEME or not token.strip():
        raise TokenRejected("TOKEN_INVALID", "Expected `Authorization: Bearer <admin token>`.")
    return token.strip()
