from __future__ import annotations

from exchange.db import connection
from tests.api.client import api_client


async def test_healthz_and_readyz_on_a_migrated_database(db: str) -> None:
    async with api_client() as client:
        health = await client.get("/healthz")
        ready = await client.get("/readyz")
    assert health.json() == {"status": "ok"}
    assert ready.status_code == 200
    assert ready.json() == {"status": "ready"}


async def test_readyz_is_unavailable_when_a_migration_is_missing(db: str) -> None:
    # given a database that lost the record of its latest migration
    await connection().execute_query(
        "DELETE FROM tortoise_migrations WHERE name = "
        "(SELECT name FROM (SELECT MAX(name) AS name FROM tortoise_migrations) AS latest)"
    )
    async with api_client() as client:
        ready = await client.get("/readyz")
    assert ready.status_code == 503
    assert ready.json()["reason"] == "migrations pending"


async def test_metrics_count_requests_and_ledger_transfers(db: str) -> None:
    async with api_client() as client:
        await client.get("/healthz")
        metrics = (await client.get("/metrics")).text
    assert 'exchange_http_requests_total{method="GET",route="/healthz",status="200"}' in metrics
    assert "exchange_http_request_duration_seconds_bucket" in metrics
    assert "exchange_ledger_transfers_total" in metrics
