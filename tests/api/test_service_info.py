from __future__ import annotations

from exchange import __version__
from tests.api.client import TestPartnerKey, api_client, graphql, signed_api_client


async def test_service_info_answers_a_signed_partner(partner_key: TestPartnerKey) -> None:
    # given the app on a migrated database, and a partner with a registered key
    async with signed_api_client(partner_key) as client:
        # when the partner asks what the service is
        response = await graphql(client, "{ serviceInfo { name version } }")
    # then it answers with the version, and a request id to quote in support requests
    assert response.status_code == 200
    assert response.json() == {
        "data": {"serviceInfo": {"name": "coalition-exchange", "version": __version__}}
    }
    assert len(response.headers["x-request-id"]) == 32


async def test_a_well_formed_request_id_is_echoed(db: str) -> None:
    async with api_client() as client:
        response = await client.get("/healthz", headers={"x-request-id": "till-42.abc"})
        hostile = await client.get("/healthz", headers={"x-request-id": "bad id\n"})
    assert response.headers["x-request-id"] == "till-42.abc"
    assert hostile.headers["x-request-id"] != "bad id\n"
