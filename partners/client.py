"""A signed async GraphQL client for the exchange: one POST per call, retried safely.

The request body is built once per call, so every attempt carries the same idempotency key in
its variables; each attempt is signed afresh (new created time and nonce), since the exchange
refuses a nonce it has seen. Redirects are never followed: the signature covers the URL, and a
signed request must not be re-sent to wherever a response points.
"""

from __future__ import annotations

import asyncio
import json
import random
from collections.abc import Mapping
from typing import Any

import httpx

from partners import headers as h
from partners.auth import RequestSigningAuth
from partners.errors import (
    AuthenticationError,
    GraphQLRequestError,
    PayloadError,
    TransportError,
    UnexpectedResponseError,
)
from partners.signing import SigningKey

# Answers from a proxy or a restarting exchange, where a retry can succeed.
_RETRY_STATUSES = frozenset({502, 503, 504})
_RETRY_ERRORS = (httpx.TimeoutException, httpx.NetworkError, httpx.RemoteProtocolError)
_REQUEST_HEADERS = {h.CONTENT_TYPE: h.JSON_CONTENT_TYPE, "accept": h.JSON_CONTENT_TYPE}


class ExchangeClient:
    def __init__(
        self,
        url: str,
        key_id: str,
        private_key: SigningKey,
        *,
        attempts_max: int = 3,
        timeout_seconds: float = 10,
        transport: httpx.AsyncBaseTransport | None = None,
        algorithm: str = "ed25519",
        backoff_seconds_base: float = 0.25,
        backoff_seconds_max: float = 5.0,
    ) -> None:
        if attempts_max < 1:
            raise ValueError("attempts_max must be at least 1")
        self._endpoint = url.rstrip("/") + "/graphql"
        self._attempts_max = attempts_max
        self._backoff_seconds_base = backoff_seconds_base
        self._backoff_seconds_max = backoff_seconds_max
        self._http = httpx.AsyncClient(
            auth=RequestSigningAuth(key_id, private_key, algorithm=algorithm),
            timeout=timeout_seconds, follow_redirects=False, transport=transport,
        )

    async def __aenter__(self) -> ExchangeClient:
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()

    async def execute(
        self, query: str, variables: Mapping[str, Any] | None = None
    ) -> dict[str, Any]:
        """Run one operation and return its `data`; mutation payloads may still carry errors."""
        body = json.dumps(
            {"query": query, "variables": dict(variables or {})}, separators=(",", ":")
        ).encode()
        return _data_or_raise(await self._post(body))

    async def _post(self, body: bytes) -> httpx.Response:
        cause: Exception | None = None
        last_failure = ""
        for attempt in range(self._attempts_max):
            if attempt:
                await asyncio.sleep(self._backoff_seconds(attempt))
            try:
                response = await self._http.post(
                    self._endpoint, content=body, headers=_REQUEST_HEADERS
                )
            except _RETRY_ERRORS as error:
                cause, last_failure = error, f"{type(error).__name__}: {error}"
                continue
            if response.status_code not in _RETRY_STATUSES:
                return response
            cause, last_failure = None, f"HTTP {response.status_code}"
        raise TransportError(
            f"gave up after {self._attempts_max} attempts; last: {last_failure}"
        ) from cause

    def _backoff_seconds(self, retry: int) -> float:
        # Full jitter: clients that failed together do not retry together.
        ceiling = min(self._backoff_seconds_max, self._backoff_seconds_base * 2 ** (retry - 1))
        return random.uniform(0, ceiling)


def payload_or_raise(payload: Mapping[str, Any]) -> dict[str, Any]:
    """Return a mutation payload, or raise PayloadError when its `errors` list is not empty."""
    errors = payload.get("errors") or []
    if errors:
        raise PayloadError(errors)
    return dict(payload)


def _data_or_raise(response: httpx.Response) -> dict[str, Any]:
    if response.is_redirect:
        raise UnexpectedResponseError(
            response.status_code,
            f"redirect to {response.headers.get('location')!r} not followed: check the URL",
        )
    payload = _json_object(response)
    errors = (payload or {}).get("errors") or []
    if response.status_code == 401:
        first = errors[0] if errors and isinstance(errors[0], dict) else {}
        code = (first.get("extensions") or {}).get("code", "UNAUTHENTICATED")
        raise AuthenticationError(code, first.get("message", "authentication failed"))
    if payload is None:
        raise UnexpectedResponseError(response.status_code, "the answer is not a JSON object")
    if errors:
        raise GraphQLRequestError(errors, payload.get("data"))
    data = payload.get("data")
    if response.status_code != 200 or not isinstance(data, dict):
        raise UnexpectedResponseError(response.status_code, "the answer carries no data")
    return data


def _json_object(response: httpx.Response) -> dict[str, Any] | None:
    try:
        payload = response.json()
    except ValueError:
        return None
    return payload if isinstance(payload, dict) else None
