"""settlementStatements and the admin views: who may see what."""

from __future__ import annotations

from exchange.settlement.service import run_settlement
from tests.api.settlement_helpers import as_admin, as_partner, error_code, march_activity

STATEMENTS = """query($period: String!) {
  settlementStatements(period: $period) { partnerCode net { amount } } }"""
ADMIN_VIEWS = """query($period: String!) {
  settlementMatrix(period: $period) { issuer burnedAt points }
  settlementRuns(period: $period) { outcome checksum }
  settlementOperatorResults(period: $period) { result { amount currency } } }"""


async def test_a_partner_sees_only_its_own_statement(db: str) -> None:
    # given a settled March with statements for grocer and fuel
    march = await march_activity()
    await run_settlement("2026-03", "admin:test", "UTC")
    # when each asks for March's statements
    grocer = await as_partner(march.grocer, STATEMENTS, period="2026-03")
    admin = await as_admin(STATEMENTS, period="2026-03")
    # then the grocer gets its own, the admin gets both
    assert grocer.data["settlementStatements"] == [
        {"partnerCode": "grocer", "net": {"amount": "-10.00"}}]
    assert [s["partnerCode"] for s in admin.data["settlementStatements"]] == ["fuel", "grocer"]


async def test_admins_see_matrix_runs_and_operator_result(db: str) -> None:
    await march_activity()
    await run_settlement("2026-03", "admin:test", "UTC")
    data = (await as_admin(ADMIN_VIEWS, period="2026-03")).data
    assert len(data["settlementMatrix"]) == 2
    assert [r["outcome"] for r in data["settlementRuns"]] == ["succeeded"]
    assert data["settlementOperatorResults"] == [{"result": {"amount": "9.50",
                                                             "currency": "EUR"}}]


async def test_a_partner_cannot_see_the_matrix(db: str) -> None:
    march = await march_activity()
    query = "query { settlementMatrix(period: \"2026-03\") { issuer } }"
    assert error_code(await as_partner(march.fuel, query)) == "FORBIDDEN"


async def test_a_malformed_period_is_a_coded_error(db: str) -> None:
    assert error_code(await as_admin(STATEMENTS, period="March")) == "INVALID_PERIOD"
