"""In-process HTTP clients for the app on the test's database: plain, signing as a partner, or
carrying an admin's bearer token.

The app is built with the public URL the clients use as their base: the exchange rebuilds the
signed `@target-uri` from its configured public URL, never from the request's Host.
"""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

import httpx

from exchange.api.app import create_app
from exchange.config import Settings
from exchange.registry.keys import add_key
from exchange.registry.partners import create_partner
from partners.auth import RequestSigningAuth
from partners.keys import generate_private_key, public_key_bytes
from partners.signing import SigningKey

PUBLIC_URL = "http://exchange.test"
SETTINGS = Settings(public_url=PUBLIC_URL)


@dataclass(frozen=True, slots=True)
class TestPartnerKey:
    __test__ = False  # a record, not a pytest test class

    partner_id: int
    partner_code: str
    key_id: str
    algorithm: str
    private_key: SigningKey


async def register_partner(
    code: str = "grocer", *, algorithm: str = "ed25519", label: str = "2025-01"
) -> TestPartnerKey:
    """A new partner with one active key (`<code>/<label>`), registered as an operator would."""
    partner = await create_partner(code, code.title())
    return await register_key(partner.id, code, algorithm=algorithm, label=label)


async def register_key(
    partner_id: int, partner_code: str, *, algorithm: str = "ed25519", label: str = "2025-02"
) -> TestPartnerKey:
    private_key: SigningKey
    if algorithm == "ed25519":
        private_key = generate_private_key()
        material = public_key_bytes(private_key.public_key())
    else:
        private_key = material = secrets.token_bytes(32)
    key_id = f"{partner_code}/{label}"
    await add_key(partner_id, key_id, algorithm, material)
    return TestPartnerKey(partner_id, partner_code, key_id, algorithm, private_key)


@asynccontextmanager
async def api_client() -> AsyncIterator[httpx.AsyncClient]:
    """A client that signs nothing: for the open routes and for forged requests."""
    app = create_app(SETTINGS, manage_database=False)  # the `db` fixture opened the database
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url=PUBLIC_URL) as client:
        yield client


@asynccontextmanager
async def signed_api_client(key: TestPartnerKey) -> AsyncIterator[httpx.AsyncClient]:
    """A client that signs every request with the partner's key, as partners.client does."""
    app = create_app(SETTINGS, manage_database=False)
    transport = httpx.ASGITransport(app=app)
    auth = RequestSigningAuth(key.key_id, key.private_key, algorithm=key.algorithm)
    async with httpx.AsyncClient(transport=transport, base_url=PUBLIC_URL, auth=auth) as client:
        yield client


@asynccontextmanager
async def admin_api_client(token: str) -> AsyncIterator[httpx.AsyncClient]:
    """A client that sends `Authorization: Bearer <token>` with every request."""
    app = create_app(SETTINGS, manage_database=False)
    transport = httpx.ASGITransport(app=app)
    headers = {"authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(
        transport=transport, base_url=PUBLIC_URL, headers=headers
    ) as client:
        yield client


async def graphql(client: httpx.AsyncClient, query: str, **variables: object) -> httpx.Response:
    return await client.post("/graphql", json={"query": query, "variables": variables})
