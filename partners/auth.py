"""An httpx authentication flow that signs every request it sends, afresh each time."""

from __future__ import annotations

from collections.abc import Generator

import httpx

from partners.signing import SigningKey, sign_request


class RequestSigningAuth(httpx.Auth):
    """Sign each request as it goes out: a retry gets a new created time and nonce."""

    requires_request_body = True  # the signature covers the body's digest

    def __init__(self, key_id: str, private_key: SigningKey, *, algorithm: str = "ed25519"):
        self._key_id = key_id
        self._private_key = private_key
        self._algorithm = algorithm

    def __repr__(self) -> str:
        return f"RequestSigningAuth(key_id={self._key_id!r})"  # never the key itself

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers.update(sign_request(
            request.method, str(request.url), request.headers, request.content,
            key_id=self._key_id, private_key=self._private_key, algorithm=self._algorithm,
        ))
        yield request
