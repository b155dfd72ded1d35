"""The signed client against a scripted exchange (httpx.MockTransport)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from partners import (
    AuthenticationError,
    ExchangeClient,
    GraphQLRequestError,
    PayloadError,
    TransportError,
    UnexpectedResponseError,
    payload_or_raise,
)
from partners.keys import generate_private_key
from partners.signing import VerifiedSignature, verify_request

URL = "https://exchange.example"
KEY_ID = "grocer/2026-11"
PRIVATE_KEY = generate_private_key()
MUTATION = (
    "mutation($input: PointsRedeemInput!) { pointsRedeem(input: $input) { errors { code } } }"
)
VARIABLES = {"input": {"cardNumber": "1234", "points": 10, "idempotencyKey": "till-7-42"}}
DATA = {"pointsRedeem": {"errors": []}}

Answer = httpx.Response | Exception


class Exchange:
    """Answers each request with the next scripted answer and keeps what it received."""

    def __init__(self, *answers: Answer) -> None:
        self._answers: Iterator[Answer] = iter(answers)
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        answer = next(self._answers)
        if isinstance(answer, Exception):
            raise answer
        return answer

    def verified(self, index: int) -> VerifiedSignature:
        request = self.requests[index]
        return verify_request(
            request.method, str(request.url), request.headers, request.content,
            algorithm="ed25519", key=PRIVATE_KEY.public_key(),
        )


def ok(data: dict[str, Any] = DATA) -> httpx.Response:
    return httpx.Response(200, json={"data": data})


def client(exchange: Callable[[httpx.Request], httpx.Response], **options: Any) -> ExchangeClient:
    return ExchangeClient(
        URL, KEY_ID, PRIVATE_KEY, transport=httpx.MockTransport(exchange),
        backoff_seconds_base=0, **options,
    )


async def test_a_call_posts_signed_json_to_graphql() -> None:
    exchange = Exchange(ok())
    async with client(exchange) as exchange_client:
        data = await exchange_client.execute(MUTATION, VARIABLES)
    assert data == DATA
    [request] = exchange.requests
    assert (request.method, str(request.url)) == ("POST", f"{URL}/graphql")
    assert request.headers["content-type"] == "application/json"
    assert json.loads(request.content) == {"query": MUTATION, "variables": VARIABLES}
    assert exchange.verified(0).key_id == KEY_ID


async def test_a_503_is_retried_with_a_fresh_signature_and_the_same_body() -> None:
    # given an exchange that is briefly unavailable
    exchange = Exchange(httpx.Response(503), ok())
    # when the partner redeems points
    async with client(exchange) as exchange_client:
        data = await exchange_client.execute(MUTATION, VARIABLES)
    # then the second attempt succeeds: same bytes (same idempotency key), new nonce and signature
    assert data == DATA
    first, second = exchange.requests
    assert first.content == second.content
    assert json.loads(second.content)["variables"]["input"]["idempotencyKey"] == "till-7-42"
    assert exchange.verified(0).nonce != exchange.verified(1).nonce
    assert first.headers["signature"] != second.headers["signature"]


@pytest.mark.parametrize(
    "failure",
    [httpx.ConnectError("refused"), httpx.ReadTimeout("slow"), httpx.Response(502),
     httpx.Response(504)],
)
async def test_transient_failures_are_retried(failure: Answer) -> None:
    exchange = Exchange(failure, ok())
    async with client(exchange) as exchange_client:
        assert await exchange_client.execute(MUTATION, VARIABLES) == DATA
    assert len(exchange.requests) == 2


async def test_attempts_are_bounded() -> None:
    exchange = Exchange(httpx.Response(503), httpx.ConnectError("refused"), httpx.Response(503))
    async with client(exchange, attempts_max=3) as exchange_client:
        with pytest.raises(TransportError, match="3 attempts; last: HTTP 503"):
            await exchange_client.execute(MUTATION, VARIABLES)
    assert len(exchange.requests) == 3


async def test_a_401_raises_authentication_error_without_retry() -> None:
    refusal = {"errors": [{"message": "nonce was already used",
                           "extensions": {"code": "NONCE_REPLAYED"}}]}
    exchange = Exchange(httpx.Response(401, json=refusal), ok())
    async with client(exchange) as exchange_client:
        with pytest.raises(AuthenticationError) as caught:
            await exchange_client.execute(MUTATION, VARIABLES)
    assert caught.value.code == "NONCE_REPLAYED"
    assert len(exchange.requests) == 1


async def test_top_level_graphql_errors_raise() -> None:
    errors = [{"message": "This operation needs a signed partner request.",
               "extensions": {"code": "UNAUTHENTICATED"}}]
    exchange = Exchange(httpx.Response(200, json={"data": None, "errors": errors}))
    async with client(exchange) as exchange_client:
        with pytest.raises(GraphQLRequestError) as caught:
            await exchange_client.execute(MUTATION, VARIABLES)
    assert caught.value.codes == ["UNAUTHENTICATED"]
    assert len(exchange.requests) == 1


async def test_redirects_are_not_followed() -> None:
    moved = httpx.Response(307, headers={"location": "https://elsewhere.example/graphql"})
    exchange = Exchange(moved, ok())
    async with client(exchange) as exchange_client:
        with pytest.raises(UnexpectedResponseError, match=r"elsewhere\.example") as caught:
            await exchange_client.execute(MUTATION, VARIABLES)
    assert caught.value.status_code == 307
    assert len(exchange.requests) == 1


async def test_an_answer_that_is_not_graphql_raises() -> None:
    exchange = Exchange(httpx.Response(500, text="<html>oops</html>"))
    async with client(exchange) as exchange_client:
        with pytest.raises(UnexpectedResponseError):
            await exchange_client.execute(MUTATION, VARIABLES)


def test_payload_errors_raise() -> None:
    payload = {"redemption": None, "errors": [
        {"field": ["points"], "code": "INSUFFICIENT_POINTS", "message": "only 5 available"},
    ]}
    with pytest.raises(PayloadError) as caught:
        payload_or_raise(payload)
    assert caught.value.codes == ["INSUFFICIENT_POINTS"]
    assert payload_or_raise({"redemption": {"id": "1"}, "errors": []}) == {
        "redemption": {"id": "1"}, "errors": [],
    }


def test_attempts_must_be_positive() -> None:
    with pytest.raises(ValueError):
        ExchangeClient(URL, KEY_ID, PRIVATE_KEY, attempts_max=0)
