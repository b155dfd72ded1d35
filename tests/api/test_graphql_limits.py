"""The GraphQL endpoint's shape: POST only, no batching, no suggestions, bounded requests."""

from __future__ import annotations

import strawberry

from exchange import limits
from exchange.api.schema import build_schema, schema
from tests.api.client import TestPartnerKey, api_client, graphql, signed_api_client


async def test_get_is_refused(db: str) -> None:
    async with api_client() as client:
        response = await client.get("/graphql", params={"query": "{ serviceInfo { name } }"})
    assert response.status_code == 405


async def test_post_to_graphql_is_not_redirected(partner_key: TestPartnerKey) -> None:
    async with signed_api_client(partner_key) as client:
        response = await graphql(client, "{ serviceInfo { name } }")
    assert response.status_code == 200
    assert not response.history


async def test_batched_operations_are_refused(partner_key: TestPartnerKey) -> None:
    async with signed_api_client(partner_key) as client:
        response = await client.post("/graphql", json=[{"query": "{ serviceInfo { name } }"}] * 2)
    assert response.status_code == 400


async def test_misspelt_field_gets_no_suggestion(partner_key: TestPartnerKey) -> None:
    async with signed_api_client(partner_key) as client:
        response = await graphql(client, "{ serviceInf { name } }")
    message = response.json()["errors"][0]["message"]
    assert "serviceInf" in message
    assert "Did you mean" not in message


async def test_too_many_aliases_are_refused(partner_key: TestPartnerKey) -> None:
    aliased = " ".join(f"a{i}: serviceInfo {{ name }}" for i in range(limits.query_aliases_max + 1))
    async with signed_api_client(partner_key) as client:
        response = await graphql(client, f"{{ {aliased} }}")
    body = response.json()
    assert body.get("data") is None
    assert "aliases" in body["errors"][0]["message"].lower()


@strawberry.type
class Node:
    name: str = "n"

    @strawberry.field
    def child(self) -> Node:
        return Node()


@strawberry.type
class DeepQuery:
    @strawberry.field
    def root(self) -> Node:
        return Node()


def _nested(depth: int) -> str:
    return "{ root { " + "child { " * (depth - 1) + "name" + " }" * depth + " }"


async def test_too_deep_queries_are_refused() -> None:
    # given the exchange's limits on a schema that can nest without end
    deep_schema = build_schema(DeepQuery)
    # when a query goes one level past the limit, and another stays at it
    too_deep = await deep_schema.execute(_nested(limits.query_depth_max + 1))
    at_limit = await deep_schema.execute(_nested(limits.query_depth_max))
    # then only the first is refused
    assert too_deep.data is None
    assert too_deep.errors and "depth" in too_deep.errors[0].message
    assert at_limit.errors is None


async def test_limit_rules_keep_the_validation_cache_working() -> None:
    # Limit rules built per request would make every validation-cache lookup a miss.
    from strawberry.extensions.validation_cache import _get_validate_cache

    cache = _get_validate_cache(1024)
    query = "{ serviceInfo { name } uncached: serviceInfo { version } }"
    await schema.execute(query)
    hits_before = cache.cache_info().hits
    await schema.execute(query)
    assert cache.cache_info().hits == hits_before + 1


async def test_too_many_tokens_are_refused(partner_key: TestPartnerKey) -> None:
    padded = "{ serviceInfo { " + "name " * (limits.query_tokens_max + 1) + "} }"
    async with signed_api_client(partner_key) as client:
        response = await graphql(client, padded)
    body = response.json()
    assert body.get("data") is None
    assert "token" in body["errors"][0]["message"].lower()


async def test_oversize_body_is_refused_before_it_is_read(partner_key: TestPartnerKey) -> None:
    body = b'{"query": "' + b" " * limits.request_body_bytes_max + b'{ serviceInfo { name } }"}'
    async with signed_api_client(partner_key) as client:
        response = await client.post(
            "/graphql", content=body, headers={"content-type": "application/json"}
        )
    assert response.status_code == 413
    assert response.json()["errors"][0]["extensions"]["code"] == "REQUEST_TOO_LARGE"
