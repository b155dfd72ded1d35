"""earnQuote: what purchaseRecord would earn, computed the same way, with nothing written."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from exchange.clock import to_us
from exchange.registry.rates import Rate, set_rate
from tests.api.operations import enrolled_card, partner_with_rate, recently, refusal
from tests.ledger.helpers import snapshot

QUOTE = """
query($input: EarnQuoteInput!) {
  earnQuote(input: $input) {
    quote { points amount { amount currency } pendingUntil expiresAt rulesApplied }
    errors { field code message }
  }
}"""
RECORD = """
mutation($input: PurchaseRecordInput!) {
  purchaseRecord(input: $input) {
    purchase { points amount { amount currency } pendingUntil expiresAt rulesApplied }
    errors { field code message }
  }
}"""
LINES = [
    {"sku": "apples", "category": "fresh", "quantity": 3, "unitPrice": "3.50"},
    {"sku": "soap", "quantity": 1, "unitPrice": "4.99"},
]


async def test_a_quote_matches_the_recorded_purchase_and_writes_nothing(db: str) -> None:
    # given a grocer paying double on fresh food, and an enrolled customer
    grocer = await partner_with_rate(multipliers={"fresh": "2"})
    card = await enrolled_card(grocer)
    purchase = {"cardNumber": card, "orderId": "till-1", "occurredAt": recently(),
                "currency": "EUR", "lines": LINES}
    before = await snapshot()
    # when the grocer asks for a quote
    data = await grocer.run(QUOTE, input=purchase)
    # then it gets floor(10.50 * 2 + 4.99) = 25 points, and nothing was written
    quote = data["earnQuote"]["quote"]
    assert data["earnQuote"]["errors"] == []
    assert quote["points"] == 25
    assert quote["amount"] == {"amount": "15.49", "currency": "EUR"}
    assert await snapshot() == before
    # and recording the same purchase earns exactly what was quoted
    recorded = await grocer.run(RECORD, input={**purchase, "idempotencyKey": "k-1"})
    assert recorded["purchaseRecord"]["purchase"] == quote


async def test_a_currency_with_no_rate_is_refused(db: str) -> None:
    # given a grocer with a EUR rate only
    grocer = await partner_with_rate()
    card = await enrolled_card(grocer)
    before = await snapshot()
    # when it asks for a quote of a purchase in USD
    data = await grocer.run(QUOTE, input={
        "cardNumber": card, "orderId": "o-1", "occurredAt": recently(), "currency": "USD",
        "total": "10.00",
    })
    # then there is no rate to earn by, and nothing changed
    assert data["earnQuote"]["quote"] is None
    assert refusal(data["earnQuote"]) == ("NO_RATE", ["currency"])
    assert await snapshot() == before


async def test_the_rate_in_force_at_the_purchase_time_applies(db: str) -> None:
    # given a grocer at 1 point per EUR, then 2 from 10 days ago, then 3 from 3 days ago
    grocer = await partner_with_rate()
    now = datetime.now(UTC)
    for days_ago, earn_rate in ((10, 2), (3, 3)):
        await set_rate(Rate(
            partner_id=grocer.partner.id, purchase_currency="EUR",
            valid_from=to_us(now - timedelta(days=days_ago)), earn_rate=Decimal(earn_rate),
            issue_price=Decimal("0.01"), redemption_price=Decimal("0.008"),
        ))
    card = await enrolled_card(grocer)

    async def points_at(days_ago: int) -> int:
        data = await grocer.run(QUOTE, input={
            "cardNumber": card, "orderId": "o-1", "occurredAt": recently(days=days_ago),
            "currency": "EUR", "total": "10.00",
        })
        return data["earnQuote"]["quote"]["points"]

    # when purchases made 20, 5 and 1 days ago are quoted
    # then each earns by the rate in force when it was made
    assert [await points_at(20), await points_at(5), await points_at(1)] == [10, 20, 30]


async def test_a_card_not_linked_to_the_caller_is_refused(db: str) -> None:
    # given a card enrolled at the grocer only
    grocer = await partner_with_rate()
    fuel = await partner_with_rate("fuel")
    card = await enrolled_card(grocer)
    # when the fuel station asks for a quote for it
    data = await fuel.run(QUOTE, input={
        "cardNumber": card, "orderId": "o-1", "occurredAt": recently(), "currency": "EUR",
        "total": "10.00",
    })
    # then the member is unknown to it
    assert refusal(data["earnQuote"]) == ("MEMBER_NOT_FOUND", ["cardNumber"])
