"""purchaseRecord: a linked member earns points by the partner's rate in force."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from exchange.registry.rates import Rate, set_rate
from tests.api.operations import (
    balances_of,
    enrolled_card,
    member_with_points,
    partner_with_rate,
    recently,
    redeemed,
    refusal,
)
from tests.ledger.helpers import row, snapshot

RECORD = """
mutation($input: PurchaseRecordInput!) {
  purchaseRecord(input: $input) {
    purchase { points pointsPending pointsAvailable pointsToDebt amount { amount currency }
               pendingUntil expiresAt rulesApplied }
    errors { field code message }
  }
}"""
REFUND = """
mutation($input: PurchaseRefundInput!) {
  purchaseRefund(input: $input) { pointsReversed pointsToDebt errors { field code message } }
}"""
FLOAT_LITERAL = """
mutation($card: String!, $at: DateTime!) {
  purchaseRecord(input: {cardNumber: $card, orderId: "o-1", occurredAt: $at, currency: "EUR",
                         total: 20.99, idempotencyKey: "k-1"}) { errors { code } }
}"""


def _purchase(card: str, **fields: Any) -> dict[str, Any]:
    """Order till-1 of 20.99 EUR under key k-1; a callable field is called (a time, now)."""
    purchase = {"cardNumber": card, "orderId": "till-1", "occurredAt": recently(),
                "currency": "EUR", "total": "20.99", "idempotencyKey": "k-1", **fields}
    return {name: value() if callable(value) else value for name, value in purchase.items()}


def _in_an_hour() -> str:
    return (datetime.now(UTC) + timedelta(hours=1)).isoformat()


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


async def test_a_total_earns_by_the_base_rate_rounded_down(db: str) -> None:
    # given a grocer paying 1 point per EUR (double on fresh, which a total cannot show)
    grocer = await partner_with_rate(multipliers={"fresh": "2"})
    card = await enrolled_card(grocer)
    # when it records a purchase by its total only
    data = await grocer.run(RECORD, input=_purchase(card, total="20.99"))
    # then floor(20.99) = 20 points by the base rate alone
    purchase = data["purchaseRecord"]["purchase"]
    assert purchase["points"] == 20
    assert purchase["amount"] == {"amount": "20.99", "currency": "EUR"}
    assert len(purchase["rulesApplied"]) == 1


@pytest.mark.parametrize(("fields", "code", "field"), [
    ({"lines": [{"sku": "soap", "unitPrice": "4.99"}], "total": "4.99"},
     "INVALID_PURCHASE", "lines"),
    ({"total": None}, "INVALID_PURCHASE", "lines"),
    ({"occurredAt": lambda: recently(days=31)}, "PURCHASE_TOO_OLD", "occurredAt"),
    ({"occurredAt": _in_an_hour}, "PURCHASE_IN_FUTURE", "occurredAt"),
    ({"total": "10.001"}, "INVALID_PURCHASE", "total"),
    ({"total": "10.5", "currency": "JPY"}, "INVALID_PURCHASE", "total"),
    ({"total": None, "lines": [{"sku": "soap", "unitPrice": "4.999"}]},
     "INVALID_PURCHASE", "lines.0.unitPrice"),
    ({"total": "0.00"}, "INVALID_PURCHASE", "total"),
    ({"total": "-5.00"}, "INVALID_PURCHASE", "total"),
    ({"currency": "eur"}, "INVALID_PURCHASE", "currency"),
    ({"orderId": ""}, "INVALID_INPUT", "orderId"),
    ({"idempotencyKey": ""}, "INVALID_IDEMPOTENCY_KEY", "idempotencyKey"),
])
async def test_an_invalid_purchase_is_refused_and_nothing_changes(
    db: str, fields: dict[str, Any], code: str, field: str
) -> None:
    # given a grocer and an enrolled customer
    grocer = await partner_with_rate()
    card = await enrolled_card(grocer)
    before = await snapshot()
    # when it records a purchase with one bad field
    data = await grocer.run(RECORD, input=_purchase(card, **fields))
    # then the purchase is refused on that field, and nothing was written
    assert data["purchaseRecord"]["purchase"] is None
    assert refusal(data["purchaseRecord"]) == (code, [field])
    assert await snapshot() == before


@pytest.mark.parametrize(("name", "value"), [
    ("occurredAt", "2026-01-05T10:00:00"),  # no zone
    ("total", 20.99),  # a JSON number: a float on the way
    ("total", "NaN"),
    ("total", "Infinity"),
    ("total", "2.1e1"),
])
async def test_a_value_the_scalars_refuse_is_a_top_level_error(
    db: str, name: str, value: object
) -> None:
    # given a grocer and an enrolled customer
    grocer = await partner_with_rate()
    card = await enrolled_card(grocer)
    before = await snapshot()
    # when a purchase carries a zoneless time or a non-decimal amount
    result = await grocer.execute(RECORD, input=_purchase(card, **{name: value}))
    # then the request is refused before any resolver runs, and nothing was written
    assert result.data is None
    assert result.errors is not None
    assert f"at .{name}" in result.errors[0].message
    assert await snapshot() == before


async def test_a_float_literal_in_the_query_is_refused_with_a_reason(db: str) -> None:
    # given a grocer and an enrolled customer
    grocer = await partner_with_rate()
    card = await enrolled_card(grocer)
    # when the amount is written into the query as a float literal
    result = await grocer.execute(FLOAT_LITERAL, card=card, at=recently())
    # then it is refused as a bad Decimal, not masked as an unexpected error
    assert result.data is None
    assert result.errors is not None
    assert "Decimal" in result.errors[0].message


async def test_an_order_recorded_under_another_key_is_a_duplicate(db: str) -> None:
    # given a recorded order
    grocer = await partner_with_rate()
    card = await enrolled_card(grocer)
    await grocer.run(RECORD, input=_purchase(card))
    before = await snapshot()
    # when the same order is recorded again under a new idempotency key
    data = await grocer.run(RECORD, input=_purchase(card, idempotencyKey="k-2"))
    # then it is refused as a duplicate, and nothing changed
    assert refusal(data["purchaseRecord"]) == ("DUPLICATE_ORDER", ["orderId"])
    assert await snapshot() == before


async def test_a_retry_with_the_same_key_returns_the_first_result_once(db: str) -> None:
    # given a recorded purchase
    grocer = await partner_with_rate()
    card = await enrolled_card(grocer)
    purchase = _purchase(card)
    first = await grocer.run(RECORD, input=purchase)
    after_first = await snapshot()
    # when the partner retries it with the same key and input
    again = await grocer.run(RECORD, input=purchase)
    # then it gets the same answer, and the member earned only once
    assert again == first
    assert await snapshot() == after_first
    assert (await balances_of(grocer, card))["pending"] == 20


async def test_a_retry_after_a_backdated_rate_still_returns_the_first_result(db: str) -> None:
    # given a recorded purchase, then a rate backdated to before it (an admin's correction)
    grocer = await partner_with_rate()
    card = await enrolled_card(grocer)
    purchase = _purchase(card)
    first = await grocer.run(RECORD, input=purchase)
    await set_rate(Rate(grocer.partner.id, "EUR", 1, Decimal(5), Decimal("0.01"),
                        Decimal("0.008")))
    after_first = await snapshot()
    # when the till's retry of the same request arrives
    again = await grocer.run(RECORD, input=purchase)
    # then it is still the same request: the first answer, no second effect
    assert again == first
    assert await snapshot() == after_first


async def test_a_key_reused_for_another_purchase_is_refused(db: str) -> None:
    # given a purchase recorded under key k-1
    grocer = await partner_with_rate()
    card = await enrolled_card(grocer)
    await grocer.run(RECORD, input=_purchase(card))
    before = await snapshot()
    # when another order is sent under the same key
    data = await grocer.run(RECORD, input=_purchase(card, orderId="till-2"))
    # then the key reuse is refused, and nothing changed
    assert refusal(data["purchaseRecord"]) == ("IDEMPOTENCY_KEY_REUSED", ["idempotencyKey"])
    assert await snapshot() == before


async def test_new_points_pay_the_clawback_debt_first(db: str) -> None:
    # given a member who spent 100 points, then had their 100.00 purchase refunded by half
    grocer = await partner_with_rate(window_days=0)
    card = await member_with_points(grocer, 100)
    await redeemed(grocer, card, 100)
    order = await row("SELECT order_id FROM earnings")
    refund = await grocer.run(REFUND, input={
        "orderId": order["order_id"], "amount": "50.00", "currency": "EUR",
        "idempotencyKey": "refund-1",
    })
    assert refund["purchaseRefund"]["pointsToDebt"] == 50
    # when they earn 80 points
    data = await grocer.run(RECORD, input=_purchase(card, total="80.00"))
    # then 50 pay off the debt and 30 are theirs
    purchase = data["purchaseRecord"]["purchase"]
    assert (purchase["pointsToDebt"], purchase["pointsAvailable"]) == (50, 30)
    assert await balances_of(grocer, card) == {
        "available": 30, "pending": 0, "held": 0, "clawbackDebt": 0,
    }


async def test_the_coalition_sets_how_old_a_purchase_may_be_and_how_long_points_live(
    db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given a coalition accepting purchases up to 10 days old, whose points live 365 days
    monkeypatch.setenv("EXCHANGE_PURCHASE_AGE_DAYS_MAX", "10")
    monkeypatch.setenv("EXCHANGE_POINTS_LIFETIME_DAYS", "365")
    grocer = await partner_with_rate()
    card = await enrolled_card(grocer)
    before = await snapshot()
    # when a purchase 11 days old is recorded
    old = await grocer.run(RECORD, input=_purchase(card, occurredAt=recently(days=11)))
    # then it is refused, saying the limit, and nothing changed
    assert old["purchaseRecord"]["errors"] == [{
        "field": ["occurredAt"], "code": "PURCHASE_TOO_OLD",
        "message": "purchases are accepted up to 10 days old"}]
    assert await snapshot() == before
    # and one 9 days old earns points that expire 365 days after it
    occurred_at = recently(days=9)
    recent = await grocer.run(RECORD, input=_purchase(card, occurredAt=occurred_at,
                                                      orderId="o-2", idempotencyKey="k-2"))
    expires_at = datetime.fromisoformat(recent["purchaseRecord"]["purchase"]["expiresAt"])
    assert expires_at - datetime.fromisoformat(occurred_at) == timedelta(days=365)
