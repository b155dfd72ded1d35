"""Admin bearer tokens through the real app: a valid token is served as its admin; an unknown,
expired, revoked or malformed one, or a token beside a signature, is refused with 401 before
anything runs; admins and partners cannot call each other's operations."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import pytest

from exchange.api.schema import schema
from exchange.clock import days_to_us, now_us, to_us
from exchange.registry.admin_tokens import create_token, revoke_token
from partners.signing import sign_request
from tests.api.client import (
    PUBLIC_URL,
    TestPartnerKey,
    admin_api_client,
    api_client,
    signed_api_client,
)
from tests.api.operations import enrolled_card, partner_with_rate, recently
from tests.ledger.helpers import rows, snapshot

WHOAMI = "{ adminWhoami { name tokenId tokenExpiresAt } }"
JSON = {"content-type": "application/json"}


@pytest.fixture
def executions(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every query the schema is asked to execute: empty means the app never ran."""
    seen: list[str] = []
    execute = schema.execute

    async def spy(query: str, *args: Any, **kwargs: Any) -> Any:
        seen.append(query)
        return await execute(query, *args, **kwargs)

    monkeypatch.setattr(schema, "execute", spy)
    return seen


async def state() -> dict[str, list[dict[str, Any]]]:
    return {
        **await snapshot(),
        "admin_tokens": await rows("SELECT * FROM admin_tokens ORDER BY id"),
        "signature_nonces": await rows("SELECT * FROM signature_nonces ORDER BY id"),
    }


async def assert_refused(headers: dict[str, str], code: str, executions: list[str],
                         body: bytes | None = None) -> None:
    body = body or json.dumps({"query": WHOAMI}).encode()
    before = await state()
    async with api_client() as client:
        response = await client.post("/graphql", content=body, headers={**JSON, **headers})
    assert response.status_code == 401, response.text
    assert response.headers["content-type"] == "application/json"
    assert set(response.json()) == {"errors"}
    [error] = response.json()["errors"]
    assert error["extensions"] == {"code": code}
    assert error["message"]
    assert executions == []
    assert await state() == before


def bearer(token: str) -> dict[str, str]:
    return {"authorization": f"Bearer {token}"}


# Served


async def test_a_valid_token_is_served_as_its_admin(db: str, executions: list[str]) -> None:
    # given an admin's token
    token, record = await create_token("Ada Ops", 30)
    # when the admin asks who they are
    async with admin_api_client(token) as client:
        response = await client.post("/graphql", json={"query": WHOAMI})
    # then the exchange answers as that admin, with the token's expiry
    assert response.status_code == 200, response.text
    whoami = response.json()["data"]["adminWhoami"]
    assert (whoami["name"], whoami["tokenId"]) == ("Ada Ops", record.id)
    assert to_us(datetime.fromisoformat(whoami["tokenExpiresAt"])) == record.expires_at
    assert executions == [WHOAMI]


async def test_the_scheme_is_case_insensitive(db: str) -> None:
    token, _ = await create_token("ops", 30)
    async with api_client() as client:
        response = await client.post("/graphql", json={"query": WHOAMI},
                                     headers={"authorization": f"bearer {token}"})
    assert response.status_code == 200, response.text
    assert response.json()["data"]["adminWhoami"]["name"] == "ops"


# Refused before anything runs


async def test_an_unknown_token(db: str, executions: list[str]) -> None:
    await create_token("ops", 30)
    await assert_refused(bearer("exa_" + "A" * 43), "TOKEN_INVALID", executions)


async def test_an_expired_token(db: str, executions: list[str]) -> None:
    # given a one-day token made two days ago
    token, _ = await create_token("ops", 1, at_us=now_us() - days_to_us(2))
    await assert_refused(bearer(token), "TOKEN_EXPIRED", executions)


async def test_a_revoked_token(db: str, executions: list[str]) -> None:
    token, record = await create_token("ops", 30)
    await revoke_token(str(record.id))
    await assert_refused(bearer(token), "TOKEN_REVOKED", executions)


@pytest.mark.parametrize("authorization", [
    "Basic b3BzOnNlY3JldA==", "Bearer", "Bearer ", "Token {token}", "{token}",
    "Bearer {token}x", "Bearer x{token}",
])
async def test_a_malformed_authorization(
    db: str, executions: list[str], authorization: str
) -> None:
    token, _ = await create_token("ops", 30)
    headers = {"authorization": authorization.format(token=token)}
    await assert_refused(headers, "TOKEN_INVALID", executions)


async def test_two_authorization_headers(db: str, executions: list[str]) -> None:
    # given two valid tokens sent at once: neither is chosen
    first, _ = await create_token("ops", 30)
    second, _ = await create_token("finance", 30)
    before = await state()
    async with api_client() as client:
        response = await client.post(
            "/graphql", content=json.dumps({"query": WHOAMI}).encode(),
            headers=[("content-type", "application/json"),
                     ("authorization", f"Bearer {first}"), ("authorization", f"Bearer {second}")],
        )
    assert response.status_code == 401
    assert response.json()["errors"][0]["extensions"]["code"] == "TOKEN_INVALID"
    assert executions == [] and await state() == before


async def test_revocation_is_immediate(db: str) -> None:
    # given an admin whose token was just served
    token, record = await create_token("ops", 30)
    async with admin_api_client(token) as client:
        served = await client.post("/graphql", json={"query": WHOAMI})
        # when the token is revoked, then the same client's next request is refused
        await revoke_token(str(record.id))
        refused = await client.post("/graphql", json={"query": WHOAMI})
    assert served.status_code == 200
    assert refused.status_code == 401
    assert refused.json()["errors"][0]["extensions"]["code"] == "TOKEN_REVOKED"


# One credential at a time


async def test_a_token_beside_a_valid_signature_is_refused(
    db: str, partner_key: TestPartnerKey, executions: list[str]
) -> None:
    # given a valid admin token and a valid partner signature on the same request
    token, _ = await create_token("ops", 30)
    body = json.dumps({"query": "{ serviceInfo { name } }"}).encode()
    signed = sign_request("POST", f"{PUBLIC_URL}/graphql", JSON, body,
                          key_id=partner_key.key_id, private_key=partner_key.private_key)
    # then neither is chosen: 401, nothing runs and the nonce is not spent
    await assert_refused({**signed, **bearer(token)}, "AMBIGUOUS_CREDENTIALS", executions, body)


@pytest.mark.parametrize("header", ["signature", "signature-input"])
async def test_a_token_beside_any_signature_header_is_refused(
    db: str, executions: list[str], header: str
) -> None:
    token, _ = await create_token("ops", 30)
    headers = {**bearer(token), header: "sig1=:AAAA:"}
    await assert_refused(headers, "AMBIGUOUS_CREDENTIALS", executions)


# Each caller to its own operations


def forbidden(response: Any) -> None:
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["data"] is None
    assert [error["extensions"] for error in body["errors"]] == [{"code": "FORBIDDEN"}]


async def test_a_partner_cannot_ask_admin_questions(
    db: str, partner_key: TestPartnerKey
) -> None:
    async with signed_api_client(partner_key) as client:
        forbidden(await client.post("/graphql", json={"query": WHOAMI}))


async def test_an_admin_cannot_read_as_a_partner(db: str) -> None:
    await partner_with_rate("grocer")
    token, _ = await create_token("ops", 30)
    async with admin_api_client(token) as client:
        forbidden(await client.post("/graphql", json={"query": "{ partner { code } }"}))


PURCHASE_RECORD = """
mutation($input: PurchaseRecordInput!) {
  purchaseRecord(input: $input) { purchase { points } errors { code } }
}"""


async def test_an_admin_cannot_move_points_as_a_partner(db: str) -> None:
    # given a member enrolled at a grocer, and an admin's token
    grocer = await partner_with_rate("grocer")
    card = await enrolled_card(grocer, customerRef="c-1")
    token, _ = await create_token("ops", 30)
    before = await snapshot()
    # when the admin tries to record a purchase for them
    variables = {"input": {
        "cardNumber": card, "orderId": "till-1", "occurredAt": recently(), "currency": "EUR",
        "total": "20.00", "idempotencyKey": "admin-1",
    }}
    async with admin_api_client(token) as client:
        response = await client.post(
            "/graphql", json={"query": PURCHASE_RECORD, "variables": variables}
        )
    # then it is forbidden and nothing was written
    forbidden(response)
    assert await snapshot() == before

