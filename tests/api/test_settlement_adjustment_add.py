"""settlementAdjustmentAdd: a fee or credit with its reason, on an open period."""

from __future__ import annotations

from tests.api.settlement_helpers import as_admin, as_partner, error_code, march_activity
from tests.ledger.helpers import rows

ADD = """
mutation($input: SettlementAdjustmentAddInput!) {
  settlementAdjustmentAdd(input: $input) { amount { amount currency } errors { field code } }
}"""
RUN = """
mutation { settlementRun(input: {period: "2026-03"}) {
  settlement { statements { partnerCode net { amount } lines { kind amount { amount } } } }
} }"""


def _fee(**changes: str) -> dict[str, str]:
    return {"period": "2026-03", "partnerCode": "fuel", "amount": "-2.50",
            "reason": "terminal fee", "idempotencyKey": "fee-1", **changes}


async def test_a_fee_lands_on_the_partners_statement(db: str) -> None:
    # given March's activity and a 2.50 terminal fee for fuel
    await march_activity()
    added = await as_admin(ADD, input=_fee())
    assert added.data["settlementAdjustmentAdd"] == {
        "amount": {"amount": "-2.50", "currency": "EUR"}, "errors": []}
    # when March runs
    statements = (await as_admin(RUN)).data["settlementRun"]["settlement"]["statements"]
    # then fuel's net is 0.50 - 2.50 = -2.00, with the fee as its own line
    fuel = next(s for s in statements if s["partnerCode"] == "fuel")
    assert fuel["net"] == {"amount": "-2.00"}
    assert {"kind": "ADJUSTMENT", "amount": {"amount": "-2.50"}} in fuel["lines"]


async def test_an_unknown_partner_is_refused_and_nothing_is_added(db: str) -> None:
    await march_activity()
    result = await as_admin(ADD, input=_fee(partnerCode="nobody"))
    assert result.data["settlementAdjustmentAdd"]["errors"] == [
        {"field": ["partnerCode"], "code": "PARTNER_NOT_FOUND"}]
    assert await rows("SELECT * FROM settlement_adjustments") == []


async def test_a_partner_cannot_adjust_its_own_statement(db: str) -> None:
    march = await march_activity()
    assert error_code(await as_partner(march.fuel, ADD, input=_fee())) == "FORBIDDEN"
