"""Signed requests through the real app: every forgery is refused with 401 and writes nothing.

Each attack runs against two probes: a read (`serviceInfo`) and a points-moving mutation
(`purchaseRecord`), so "nothing was written" is checked where a write would show.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from exchange import limits
from exchange.api.app import create_app
from exchange.clock import seconds_to_us
from exchange.db import connection, execute
from exchange.registry.keys import revoke_key
from partners import ExchangeClient
from partners.signing import sign_request
from tests.api.client import (
    PUBLIC_URL,
    SETTINGS,
    TestPartnerKey,
    api_client,
    register_key,
    register_partner,
    signed_api_client,
)
from tests.api.operations import Caller, enrolled_card, partner_with_rate, recently
from tests.ledger.helpers import rows, snapshot
from tests.partners.forging import forge, sha256_digest

TARGET = f"{PUBLIC_URL}/graphql"
JSON = {"content-type": "application/json"}

SERVICE_INFO = "{ serviceInfo { name } }"
PURCHASE_RECORD = """
mutation($input: PurchaseRecordInput!) {
  purchaseRecord(input: $input) { purchase { points } errors { code } }
}"""


async def service_info_probe(_: Caller) -> dict[str, Any]:
    return {"query": SERVICE_INFO}


async def purchase_record_probe(grocer: Caller) -> dict[str, Any]:
    card = await enrolled_card(grocer, customerRef="c-1")
    return {"query": PURCHASE_RECORD, "variables": {"input": {
        "cardNumber": card, "orderId": "till-1", "occurredAt": recently(), "currency": "EUR",
        "total": "20.00", "idempotencyKey": "probe-1",
    }}}


PROBES: dict[str, Callable[[Caller], Awaitable[dict[str, Any]]]] = {
    "serviceInfo": service_info_probe,
    "purchaseRecord": purchase_record_probe,
}


@dataclass(frozen=True)
class Scene:
    """A grocer with a registered key, and the probe request it is about to send."""

    key: TestPartnerKey
    body: bytes
    moves_points: bool

    def signed(self, **options: Any) -> dict[str, str]:
        headers = {**JSON, **options.pop("headers", {})}
        options = {"key_id": self.key.key_id, "private_key": self.key.private_key, **options}
        body = options.pop("body", self.body)
        url = options.pop("url", TARGET)
        method = options.pop("method", "POST")
        return {**headers, **sign_request(method, url, headers, body, **options)}

    def forged(self, **options: Any) -> dict[str, str]:
        now = int(time.time())
        defaults = {
            "private_key": self.key.private_key, "key_id": self.key.key_id, "url": TARGET,
            "body": self.body, "created": now, "expires": now + 300,
        }
        return forge(**{**defaults, **options})


@pytest.fixture(params=sorted(PROBES))
async def scene(request: pytest.FixtureRequest, db: str) -> Scene:
    grocer = await partner_with_rate("grocer")
    key = await register_key(grocer.partner.id, "grocer", label="2025-01")
    payload = await PROBES[request.param](grocer)
    return Scene(key, json.dumps(payload).encode(), request.param == "purchaseRecord")


NONCES = "signature_nonces"


async def state() -> dict[str, list[dict[str, Any]]]:
    """Every row `snapshot()` covers, and every stored nonce: equal states, nothing written."""
    return {**await snapshot(), NONCES: await rows(f"SELECT * FROM {NONCES} ORDER BY id")}


async def send(body: bytes, headers: dict[str, str], path: str = "/graphql") -> httpx.Response:
    async with api_client() as client:
        return await client.post(path, content=body, headers=headers)


async def assert_refused(
    body: bytes, headers: dict[str, str], code: str, *, status: int = 401, path: str = "/graphql"
) -> None:
    before = await state()
    response = await send(body, headers, path)
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/json"
    [error] = response.json()["errors"]
    assert error["extensions"]["code"] == code
    assert error["message"]
    assert await state() == before


# Forgeries and mistakes, each refused.


async def test_unsigned_request(scene: Scene) -> None:
    await assert_refused(scene.body, JSON, "SIGNATURE_MISSING")


async def test_tampered_body(scene: Scene) -> None:
    await assert_refused(scene.body + b" ", scene.signed(), "DIGEST_MISMATCH")


async def test_tampered_body_with_its_digest_recomputed(scene: Scene) -> None:
    tampered = scene.body.replace(b"20.00", b"99.00").replace(b"name", b"version")
    assert tampered != scene.body
    headers = {**scene.signed(), "content-digest": sha256_digest(tampered)}
    await assert_refused(tampered, headers, "SIGNATURE_INVALID")


async def test_signed_digest_that_does_not_match_the_body(scene: Scene) -> None:
    headers = scene.forged(content_digest=sha256_digest(b"{}"))
    await assert_refused(scene.body, headers, "DIGEST_MISMATCH")


async def test_missing_content_digest(scene: Scene) -> None:
    headers = {k: v for k, v in scene.signed().items() if k != "content-digest"}
    await assert_refused(scene.body, headers, "DIGEST_MISMATCH")


async def test_tampered_path(scene: Scene) -> None:
    headers = scene.signed(url=f"{PUBLIC_URL}/graphql/other")
    await assert_refused(scene.body, headers, "SIGNATURE_INVALID")


async def test_query_string_added_after_signing(scene: Scene) -> None:
    await assert_refused(scene.body, scene.signed(), "SIGNATURE_INVALID", path="/graphql?x=1")


async def test_tampered_method(scene: Scene) -> None:
    await assert_refused(scene.body, scene.signed(method="PUT"), "SIGNATURE_INVALID")


async def test_created_too_old(scene: Scene) -> None:
    headers = scene.signed(now=time.time() - 301)
    await assert_refused(scene.body, headers, "SIGNATURE_EXPIRED")


async def test_created_in_the_future(scene: Scene) -> None:
    headers = scene.signed(now=time.time() + 60)
    await assert_refused(scene.body, headers, "SIGNATURE_INVALID")


async def test_expired(scene: Scene) -> None:
    headers = scene.signed(now=time.time() - 30, ttl_seconds=10)
    await assert_refused(scene.body, headers, "SIGNATURE_EXPIRED")


async def test_expires_more_than_300_s_after_created(scene: Scene) -> None:
    now = int(time.time())
    headers = scene.forged(created=now, expires=now + 301)
    await assert_refused(scene.body, headers, "SIGNATURE_INVALID")


async def test_missing_nonce(scene: Scene) -> None:
    await assert_refused(scene.body, scene.forged(nonce=None), "SIGNATURE_INVALID")


async def test_wrong_tag(scene: Scene) -> None:
    await assert_refused(scene.body, scene.forged(tag="other-app-v1"), "SIGNATURE_INVALID")


async def test_content_type_not_covered(scene: Scene) -> None:
    components = ("@method", "@target-uri", "content-digest")
    await assert_refused(scene.body, scene.forged(components=components), "SIGNATURE_INVALID")


async def test_missing_content_type(scene: Scene) -> None:
    headers = {k: v for k, v in scene.signed().items() if k != "content-type"}
    await assert_refused(scene.body, headers, "SIGNATURE_INVALID")


async def test_unknown_key(scene: Scene) -> None:
    headers = scene.signed(key_id="grocer/never-registered")
    await assert_refused(scene.body, headers, "KEY_UNKNOWN")


async def test_revoked_key(scene: Scene) -> None:
    await revoke_key(scene.key.key_id)
    await assert_refused(scene.body, scene.signed(), "KEY_REVOKED")


async def test_key_of_a_suspended_partner(scene: Scene) -> None:
    await execute(connection(), "UPDATE partners SET status = 'suspended' WHERE id = $1",
                  scene.key.partner_id)
    await assert_refused(scene.body, scene.signed(), "KEY_REVOKED")


async def test_alg_not_matching_the_key(scene: Scene) -> None:
    # an HMAC signature (alg="hmac-sha256") under the grocer's Ed25519 key id
    headers = scene.signed(private_key=b"s" * 32, algorithm="hmac-sha256")
    await assert_refused(scene.body, headers, "SIGNATURE_INVALID")


async def test_ed25519_signature_for_an_hmac_key(scene: Scene) -> None:
    hmac_key = await register_key(scene.key.partner_id, "grocer", algorithm="hmac-sha256")
    headers = scene.signed(key_id=hmac_key.key_id)
    await assert_refused(scene.body, headers, "SIGNATURE_INVALID")


async def test_another_partners_key_id_with_this_partners_signature(scene: Scene) -> None:
    fuel = await register_partner("fuel")
    headers = scene.signed(key_id=fuel.key_id)
    await assert_refused(scene.body, headers, "SIGNATURE_INVALID")


async def test_replayed_nonce(scene: Scene) -> None:
    # given a request the exchange accepted
    headers = scene.signed()
    first = await send(scene.body, headers)
    assert first.status_code == 200, first.text
    # when the same signed request is sent again, then it is refused and changes nothing
    await assert_refused(scene.body, headers, "NONCE_REPLAYED")


async def test_a_replay_racing_the_original_is_refused(scene: Scene) -> None:
    # the database's unique (key id, nonce) decides, so several app processes agree
    headers = scene.signed()
    responses = await asyncio.gather(*(send(scene.body, headers) for _ in range(3)))
    assert sorted(response.status_code for response in responses) == [200, 401, 401]
    assert len(await rows("SELECT id FROM signature_nonces")) == 1


async def test_nonce_reused_in_a_freshly_signed_request(scene: Scene) -> None:
    first = await send(scene.body, scene.signed(nonce="n" * 22))
    assert first.status_code == 200, first.text
    await assert_refused(scene.body, scene.signed(nonce="n" * 22), "NONCE_REPLAYED")


async def test_oversize_body(scene: Scene) -> None:
    body = scene.body + b" " * limits.request_body_bytes_max
    headers = scene.signed(body=body)
    await assert_refused(body, headers, "REQUEST_TOO_LARGE", status=413)


async def test_signature_made_for_a_spoofed_host(scene: Scene) -> None:
    # given a request signed for the attacker's own host, sent with Host and X-Forwarded-*
    # naming that host, so a server trusting them would rebuild the signed URL
    headers = {
        **scene.signed(url="http://mirror.test/graphql"),
        "host": "mirror.test", "x-forwarded-host": "mirror.test",
        "x-forwarded-proto": "http",
    }
    await assert_refused(scene.body, headers, "SIGNATURE_INVALID")


# Requests that are let through.


async def test_a_signed_request_is_served_and_its_nonce_stored(scene: Scene) -> None:
    before = await state()
    headers = scene.signed(nonce="accepted-nonce-0001")
    response = await send(scene.body, headers)
    assert response.status_code == 200, response.text
    assert "errors" not in response.json()
    [stored] = await rows("SELECT key_id, nonce, expires_at FROM signature_nonces")
    created = int(headers["signature-input"].split("created=")[1].split(";")[0])
    assert stored == {
        "key_id": scene.key.key_id, "nonce": "accepted-nonce-0001",
        "expires_at": seconds_to_us(created + 330),
    }
    # a served purchase shows in the snapshot: a refused one that wrote would show too
    rows_before = {table: found for table, found in before.items() if table != NONCES}
    assert (await snapshot() != rows_before) == scene.moves_points


async def test_the_host_header_does_not_change_the_target_uri(scene: Scene) -> None:
    headers = {**scene.signed(), "host": "mirror.test", "x-forwarded-host": "mirror.test"}
    response = await send(scene.body, headers)
    assert response.status_code == 200, response.text


async def test_an_hmac_key_signs_for_its_partner(scene: Scene) -> None:
    hmac_key = await register_key(scene.key.partner_id, "grocer", algorithm="hmac-sha256")
    headers = scene.signed(key_id=hmac_key.key_id, private_key=hmac_key.private_key,
                           algorithm="hmac-sha256")
    response = await send(scene.body, headers)
    assert response.status_code == 200, response.text


PARTNER = "{ partner { code activeKeyIds } }"


async def test_the_partner_is_the_one_the_key_names(db: str) -> None:
    grocer = await register_partner("grocer")
    await register_partner("fuel")
    async with signed_api_client(grocer) as client:
        response = await client.post("/graphql", json={"query": PARTNER})
    assert response.json()["data"]["partner"] == {
        "code": "grocer", "activeKeyIds": [grocer.key_id],
    }


async def test_two_active_keys_both_sign_during_rotation(db: str) -> None:
    # given a partner that added a second key without revoking the first
    old = await register_partner("grocer", label="2025-01")
    new = await register_key(old.partner_id, "grocer", label="2025-02")
    # when it signs with either, then both are served as the same partner
    for key in (old, new):
        async with signed_api_client(key) as client:
            response = await client.post("/graphql", json={"query": PARTNER})
        assert response.status_code == 200, response.text
        assert response.json()["data"]["partner"]["code"] == "grocer"


async def test_revocation_is_immediate(db: str) -> None:
    old = await register_partner("grocer", label="2025-01")
    new = await register_key(old.partner_id, "grocer", label="2025-02")
    async with signed_api_client(old) as client:
        accepted = await client.post("/graphql", json={"query": SERVICE_INFO})
        await revoke_key(old.key_id)
        refused = await client.post("/graphql", json={"query": SERVICE_INFO})
    assert accepted.status_code == 200
    assert refused.status_code == 401
    assert refused.json()["errors"][0]["extensions"]["code"] == "KEY_REVOKED"
    async with signed_api_client(new) as client:
        assert (await client.post("/graphql", json={"query": SERVICE_INFO})).status_code == 200


async def test_open_routes_need_no_signature(db: str) -> None:
    async with api_client() as client:
        assert (await client.get("/healthz")).status_code == 200
        assert (await client.get("/metrics")).status_code == 200


async def test_the_partner_kit_client_talks_to_the_app(db: str) -> None:
    grocer = await register_partner("grocer")
    transport = httpx.ASGITransport(app=create_app(SETTINGS, manage_database=False))
    async with ExchangeClient(PUBLIC_URL, grocer.key_id, grocer.private_key,
                              transport=transport) as client:
        data = await client.execute(PARTNER)
    assert data == {"partner": {"code": "grocer", "activeKeyIds": [grocer.key_id]}}
