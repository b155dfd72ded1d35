"""purchaseRecord: a linked member earns points by the partner's rate in force."""

from __future__ import annotations

from tests.api.operations import enrolled_card, partner_with_rate, recently
from tests.ledger.helpers import snapshot

RECORD = """
mutation($input: PurchaseRecordInput!) {
  purchaseRecord(input: $input) {
    purchase { points pointsPending pointsAvailable pointsToDebt amount { amount currency }
               pendingUntil expiresAt rulesApplied }
    errors { field code message }
  }
}"""


async def test_a_purchase_earns_pending_points_by_the_rate(db: str) -> None:
    # given a grocer paying 1 point per EUR, double on fresh food, and an enrolled customer
    grocer = await partner_with_rate(multipliers={"fresh": "2"})
    card = await enrolled_card(grocer, customerRef="c-1")
    # when the customer buys 10.50 of fresh food and 4.99 of other goods
    data = await grocer.run(RECORD, input={
        "cardNumber": card, "orderId": "till-1", "occurredAt": recently(), "currency": "EUR",
        "lines": [
            {"sku": "apples", "category": "fresh", "quantity": 3, "unitPrice": "3.50"},
            {"sku": "soap", "quantity": 1, "unitPrice": "4.99"},
        ],
        "idempotencyKey": "k-1",
    })
    # then floor(10.50 * 2 + 4.99) = 25 points, pending for the return window
    purchase = data["purchaseRecord"]["purchase"]
    assert data["purchaseRecord"]["errors"] == []
    assert purchase["points"] == 25
    assert purchase["pointsPending"] == 25
    assert purchase["amount"] == {"amount": "15.49", "currency": "EUR"}
    assert any("x2 on fresh" in rule for rule in purchase["rulesApplied"])


async def test_an_unlinked_card_is_refused_and_nothing_changes(db: str) -> None:
    # given a card enrolled at the grocer, and a fuel station it was never shown to
    grocer = await partner_with_rate()
    fuel = await partner_with_rate("fuel")
    card = await enrolled_card(grocer)
    before = await snapshot()
    # when the fuel station records a purchase for it
    data = await fuel.run(RECORD, input={
        "cardNumber": card, "orderId": "f-1", "occurredAt": recently(), "currency": "EUR",
        "total": "50.00", "idempotencyKey": "k-1",
    })
    # then it is refused as unknown, and nothing was written
    assert data["purchaseRecord"]["purchase"] is None
    assert data["purchaseRecord"]["errors"][0]["code"] == "MEMBER_NOT_FOUND"
    assert await snapshot() == before
