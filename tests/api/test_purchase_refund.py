"""purchaseRefund: a refund reverses the purchase's points in proportion, never more."""

from __future__ import annotations

from typing import Any

import pytest

from exchange.ledger.kinds import OPERATOR_OWNER_ID, AccountKind
from tests.api.operations import (
    balances_of,
    enrolled_card,
    expire_lots_of_card,
    member_with_points,
    partner_with_rate,
    purchased,
    redeemed,
    refusal,
)
from tests.ledger.helpers import balance, row, snapshot

REFUND = """
mutation($input: PurchaseRefundInput!) {
  purchaseRefund(input: $input) { pointsReversed pointsToDebt errors { field code message } }
}"""


def _refund(amount: str, key: str = "r-1", **fields: Any) -> dict[str, Any]:
    return {"orderId": "till-1", "amount": amount, "currency": "EUR", "idempotencyKey": key,
            **fields}


async def _member_with_purchase(window_days: int = 14) -> tuple[Any, str]:
    """A grocer and a card whose order till-1 of 100.00 EUR earned 100 points."""
    grocer = await partner_with_rate(window_days=window_days)
    card = await enrolled_card(grocer)
    await purchased(grocer, card, "100.00", orderId="till-1")
    return grocer, card


async def test_a_partial_refund_reverses_points_in_proportion(db: str) -> None:
    # given a 100.00 purchase whose 100 points are pending
    grocer, card = await _member_with_purchase()
    # when a quarter of it is refunded
    data = await grocer.run(REFUND, input=_refund("25.00"))
    # then a quarter of the points are reversed from the pending balance
    assert data["purchaseRefund"] == {"pointsReversed": 25, "pointsToDebt": 0, "errors": []}
    assert (await balances_of(grocer, card))["pending"] == 75


async def test_partial_refunds_never_reverse_more_than_was_earned(db: str) -> None:
    # given a 100.00 purchase that earned 100 points
    grocer, card = await _member_with_purchase()
    # when it is refunded in three thirds and a last cent
    reversed_points = []
    for index, amount in enumerate(["33.33", "33.33", "33.33", "0.01"]):
        data = await grocer.run(REFUND, input=_refund(amount, f"r-{index}"))
        reversed_points.append(data["purchaseRefund"]["pointsReversed"])
    # then each reversal follows the cumulative refund, and they add up to exactly 100
    assert reversed_points == [33, 34, 33, 0]
    assert (await balances_of(grocer, card))["pending"] == 0


async def test_refunding_spent_points_leaves_a_clawback_debt(db: str) -> None:
    # given a member who spent all 100 points their purchase earned
    grocer = await partner_with_rate(window_days=0)
    card = await member_with_points(grocer, 100)
    await redeemed(grocer, card, 100)
    order = (await snapshot())["earnings"][0]["order_id"]
    # when the purchase is refunded in full
    data = await grocer.run(REFUND, input=_refund("100.00", orderId=order))
    # then the points are owed, and the available balance stays at zero
    assert data["purchaseRefund"]["pointsToDebt"] == 100
    assert await balances_of(grocer, card) == {
        "available": 0, "pending": 0, "held": 0, "clawbackDebt": 100,
    }


async def test_a_retry_with_the_same_key_reverses_once(db: str) -> None:
    # given a refund made under key r-1
    grocer, _ = await _member_with_purchase()
    first = await grocer.run(REFUND, input=_refund("25.00"))
    after_first = await snapshot()
    # when the grocer retries it
    again = await grocer.run(REFUND, input=_refund("25.00"))
    # then it gets the same answer, with no second effect
    assert again == first
    assert await snapshot() == after_first


@pytest.mark.parametrize(("fields", "code", "field"), [
    ({"amount": "100.01"}, "REFUND_EXCEEDS_PURCHASE", "amount"),
    ({"currency": "USD"}, "CURRENCY_MISMATCH", "currency"),
    ({"orderId": "till-9"}, "PURCHASE_NOT_FOUND", "orderId"),
    ({"amount": "1.001"}, "INVALID_PURCHASE", "amount"),
    ({"amount": "0.00"}, "INVALID_PURCHASE", "amount"),
    ({"amount": "-1.00"}, "INVALID_PURCHASE", "amount"),
    ({"currency": "euro"}, "INVALID_PURCHASE", "currency"),
])
async def test_an_invalid_refund_is_refused_and_nothing_changes(
    db: str, fields: dict[str, str], code: str, field: str
) -> None:
    # given a 100.00 EUR purchase
    grocer, _ = await _member_with_purchase()
    before = await snapshot()
    # when a refund with one bad field is asked for
    data = await grocer.run(REFUND, input={**_refund("10.00"), **fields})
    # then it is refused on that field, and nothing changed
    assert data["purchaseRefund"]["pointsReversed"] is None
    assert refusal(data["purchaseRefund"]) == (code, [field])
    assert await snapshot() == before


async def test_refunds_beyond_the_purchase_in_total_are_refused(db: str) -> None:
    # given a 100.00 purchase of which 60.00 were refunded
    grocer, _ = await _member_with_purchase()
    await grocer.run(REFUND, input=_refund("60.00"))
    before = await snapshot()
    # when 40.01 more are refunded
    data = await grocer.run(REFUND, input=_refund("40.01", "r-2"))
    # then the refunds would exceed the purchase: refused, nothing changed
    assert refusal(data["purchaseRefund"]) == ("REFUND_EXCEEDS_PURCHASE", ["amount"])
    assert await snapshot() == before


async def test_another_partners_order_is_not_found(db: str) -> None:
    # given the grocer's order till-1, and a fuel station
    grocer, _ = await _member_with_purchase()
    fuel = await partner_with_rate("fuel")
    assert grocer.partner.code == "grocer"
    before = await snapshot()
    # when the fuel station refunds an order of that id
    data = await fuel.run(REFUND, input=_refund("10.00"))
    # then it has no such purchase, and nothing changed
    assert refusal(data["purchaseRefund"]) == ("PURCHASE_NOT_FOUND", ["orderId"])
    assert await snapshot() == before


async def test_a_refund_of_expired_points_comes_back_out_of_breakage(db: str) -> None:
    # given a 100.00 purchase whose 100 points expired unspent, to breakage
    grocer = await partner_with_rate(window_days=0)
    card = await member_with_points(grocer, 100)
    await expire_lots_of_card(card)
    assert await balance(AccountKind.OPERATOR_BREAKAGE, OPERATOR_OWNER_ID) == 100
    # when the purchase is refunded in full
    data = await grocer.run(REFUND, input={"orderId": (await _order_of(card)), "amount": "100.00",
                                           "currency": "EUR", "idempotencyKey": "r-exp"})
    # then the 100 points go back to the grocer out of breakage: the member owes nothing
    assert data["purchaseRefund"] == {"pointsReversed": 100, "pointsToDebt": 0, "errors": []}
    assert await balances_of(grocer, card) == {
        "available": 0, "pending": 0, "held": 0, "clawbackDebt": 0}
    assert await balance(AccountKind.OPERATOR_BREAKAGE, OPERATOR_OWNER_ID) == 0
    assert await balance(AccountKind.PARTNER_ISSUED, grocer.partner.id) == 0


async def _order_of(card: str) -> str:
    found = await row("SELECT e.order_id FROM earnings e JOIN members m ON m.id = e.member_id "
                      "WHERE m.card_number = $1", card)
    return str(found["order_id"])
