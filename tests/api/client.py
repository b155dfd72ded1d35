"""An in-process HTTP client for the app, on the test's database."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx

from exchange.api.app import create_app


@asynccontextmanager
async def api_client() -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(manage_database=False)  # the `db` fixture has opened the database
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://exchange.test") as client:
        yield client


async def graphql(client: httpx.AsyncClient, query: str, **variables: object) -> httpx.Response:
    return await client.post("/graphql", json={"query": query, "variables": variables})
