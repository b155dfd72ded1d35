"""activityRecord: points for an action the partner rewards, available at once, capped daily."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from exchange.registry.activities import Activity, set_activity
from tests.api.operations import (
    Caller,
    balances_of,
    enrolled_card,
    member_with_points,
    partner_with_rate,
    redeemed,
    refusal,
)
from tests.ledger.helpers import row, snapshot

ACTIVITY = """
mutation($input: ActivityRecordInput!) {
  activityRecord(input: $input) {
    points pointsAvailable pointsToDebt expiresAt
    errors { field code message }
  }
}"""
REFUND = """
mutation($input: PurchaseRefundInput!) {
  purchaseRefund(input: $input) { pointsToDebt errors { field code message } }
}"""


async def _rewarding(kind: str, points: int, daily_count_max: int) -> Caller:
    partner = await partner_with_rate("shop", window_days=0)
    await set_activity(Activity(partner.partner.id, kind, points, daily_count_max))
    return partner


async def _record(partner: Caller, card: str, key: str, kind: str = "review") -> dict:
    data = await partner.run(ACTIVITY, input={"cardNumber": card, "kind": kind,
                                              "idempotencyKey": key})
    return data["activityRecord"]


async def test_an_activity_earns_points_available_at_once(db: str) -> None:
    # given a shop that rewards a review with 50 points, and an enrolled customer
    shop = await _rewarding("review", 50, 2)
    card = await enrolled_card(shop)
    # when the customer writes a review
    result = await _record(shop, card, "k-1")
    # then the 50 points can be spent now, not after a return window
    assert result["errors"] == []
    assert (result["points"], result["pointsAvailable"], result["pointsToDebt"]) == (50, 50, 0)
    assert result["expiresAt"] is not None
    assert (await balances_of(shop, card))["available"] == 50


async def test_the_daily_cap_is_enforced_and_nothing_changes(db: str) -> None:
    # given a review rewarded at most twice a day, rewarded twice today
    shop = await _rewarding("review", 50, 2)
    card = await enrolled_card(shop)
    await _record(shop, card, "k-1")
    await _record(shop, card, "k-2")
    before = await snapshot()
    # when a third review is recorded the same day
    result = await _record(shop, card, "k-3")
    # then it is refused, and nothing changed
    assert result["points"] is None
    assert refusal(result) == ("LIMIT_EXCEEDED", ["kind"])
    assert await snapshot() == before


async def test_a_retry_with_the_same_key_counts_once(db: str) -> None:
    # given a review rewarded once a day, recorded under key k-1
    shop = await _rewarding("review", 50, 1)
    card = await enrolled_card(shop)
    first = await _record(shop, card, "k-1")
    # when the shop retries with the same key
    again = await _record(shop, card, "k-1")
    # then it gets the same answer and the member earned once
    assert again == first
    assert (await balances_of(shop, card))["available"] == 50


async def test_an_award_that_pays_off_debt_counts_once_towards_the_cap(db: str) -> None:
    # given a member owing 20 points, and a review rewarded at most twice a day
    shop = await _rewarding("review", 50, 2)
    card = await member_with_points(shop, 40)
    await redeemed(shop, card, 40)
    order = await row("SELECT order_id FROM earnings")
    refund = await shop.run(REFUND, input={"orderId": order["order_id"], "amount": "20.00",
                                           "currency": "EUR", "idempotencyKey": "r-1"})
    assert refund["purchaseRefund"]["pointsToDebt"] == 20
    # when two reviews are recorded, the first paying the debt off
    first = await _record(shop, card, "k-1")
    second = await _record(shop, card, "k-2")
    # then both are rewarded: the first split between debt and lot is still one award
    assert (first["pointsToDebt"], first["pointsAvailable"]) == (20, 30)
    assert second["errors"] == []
    assert (await balances_of(shop, card))["available"] == 80


async def test_an_unknown_activity_is_refused_and_nothing_changes(db: str) -> None:
    # given a shop that rewards reviews only
    shop = await _rewarding("review", 50, 2)
    card = await enrolled_card(shop)
    before = await snapshot()
    # when it records a quiz
    result = await _record(shop, card, "k-1", kind="quiz")
    # then the activity is unknown, and nothing changed
    assert refusal(result) == ("UNKNOWN_ACTIVITY", ["kind"])
    assert await snapshot() == before


async def test_another_partners_activity_is_unknown_to_the_caller(db: str) -> None:
    # given a shop rewarding reviews, and a grocer linked to the same card that rewards none
    shop = await _rewarding("review", 50, 2)
    grocer = await partner_with_rate("grocer")
    card = await enrolled_card(grocer)
    await shop.run("mutation($c: String!) { memberEnroll(input: {cardNumber: $c}) "
                   "{ errors { code } } }", c=card)
    before = await snapshot()
    # when the grocer records a review
    result = await _record(grocer, card, "k-1")
    # then the grocer does not reward reviews: refused, nothing changed
    assert refusal(result) == ("UNKNOWN_ACTIVITY", ["kind"])
    assert await snapshot() == before


async def test_awarded_points_live_as_long_as_the_coalition_sets(
    db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given a coalition whose points live 500 days, and a shop rewarding a review
    monkeypatch.setenv("EXCHANGE_POINTS_LIFETIME_DAYS", "500")
    shop = await _rewarding("review", 50, 2)
    card = await enrolled_card(shop)
    # when the customer writes a review
    before = datetime.now(UTC)
    result = await _record(shop, card, "k-1")
    after = datetime.now(UTC)
    # then its points expire 500 days after the award
    assert result["errors"] == []
    expires_at = datetime.fromisoformat(result["expiresAt"])
    assert before + timedelta(days=500) <= expires_at <= after + timedelta(days=500)
