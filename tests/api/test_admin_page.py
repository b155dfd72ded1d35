"""GET /admin: the settlement charts page. It holds no data; its GraphQL query is checked here
against the schema and run as an admin, so the page cannot drift from the API it draws."""

from __future__ import annotations

import re
from pathlib import Path

from graphql import parse, validate

from exchange.api.schema import schema
from exchange.settlement.service import run_settlement
from tests.api.client import api_client
from tests.api.settlement_helpers import as_admin, march_activity

PAGE = Path(__file__).resolve().parents[2] / "exchange" / "web" / "admin.html"


def page_query(name: str = "PERIOD") -> str:
    found = re.search(rf"const {name}_QUERY = `(.*?)`;", PAGE.read_text(), re.S)
    assert found, f"the page's {name} query is not where the test expects it"
    return found.group(1)


def test_the_pages_queries_are_valid_against_the_schema() -> None:
    names = re.findall(r"const (\w+)_QUERY = `", PAGE.read_text())
    assert sorted(names) == ["OVERVIEW", "PERIOD"]
    for name in names:
        assert validate(schema._schema, parse(page_query(name))) == [], name


async def test_the_page_is_served_without_data_and_with_a_strict_policy(db: str) -> None:
    async with api_client() as client:
        response = await client.get("/admin")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert "default-src 'self'" in response.headers["content-security-policy"]
    assert "settlementStatements" in response.text and "liabilityByMonth" in response.text


async def test_the_pages_query_gives_what_the_charts_draw(db: str) -> None:
    # given a settled March
    await march_activity()
    await run_settlement("2026-03", "admin:test", "UTC")
    # when the page's own query runs as an admin
    result = await as_admin(page_query(), period="2026-03")
    # then it has a net per partner, the operator's result and the flows
    assert result.errors is None
    nets = {s["partnerCode"]: s["net"]["amount"] for s in result.data["settlementStatements"]}
    assert nets == {"fuel": "0.50", "grocer": "-10.00"}
    assert result.data["settlementOperatorResults"][0]["result"] == {
        "amount": "9.50", "currency": "EUR"}
    assert {(c["issuer"], c["burnedAt"]) for c in result.data["settlementMatrix"]} == {
        ("fuel", "fuel"), ("grocer", "fuel")}
    # and every amount carries its currency
    lines = [ln for s in result.data["settlementStatements"] for ln in s["lines"]]
    assert lines and all(ln["amount"]["currency"] == "EUR" for ln in lines)


async def test_the_pages_overview_query_gives_periods_and_the_monthly_charts(db: str) -> None:
    # given a settled March
    await march_activity()
    await run_settlement("2026-03", "admin:test", "UTC")
    # when the page's overview query runs as an admin
    result = await as_admin(page_query("OVERVIEW"), months=2)
    # then it has March run, two months of liability and breakage, and no offers
    assert result.errors is None
    assert ("2026-03", "OPEN") in {(p["period"], p["status"])
                                   for p in result.data["settlementPeriods"]}
    assert len(result.data["liabilityByMonth"]) == len(result.data["breakageByMonth"]) == 2
    assert result.data["offersFunded"] == []  # no offers in March's story
