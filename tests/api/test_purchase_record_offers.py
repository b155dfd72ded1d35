"""purchaseRecord with offers: the bonus each applying offer gives, paid from its budget, billed
to its funder, and taken back in proportion by a refund."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from exchange.config import load_settings
from exchange.offers.store import get_offer
from exchange.settlement.service import begin_settlement, run_settlement
from tests.api.offer_helpers import activated, created_offer
from tests.api.operations import Caller, enrolled_card, partner_with_rate, recently, unique
from tests.ledger.helpers import row, rows

RECORD = """
mutation($input: PurchaseRecordInput!) {
  purchaseRecord(input: $input) {
    purchase { points offerPoints pointsPending rulesApplied }
    errors { field code message }
  }
}"""
REFUND = """
mutation($input: PurchaseRefundInput!) {
  purchaseRefund(input: $input) { pointsReversed errors { field code message } }
}"""


async def _buy(caller: Caller, card: str, lines: list[dict[str, Any]] | None = None,
               **fields: Any) -> dict[str, Any]:
    purchase = {"cardNumber": card, "orderId": unique("order"), "occurredAt": recently(),
                "currency": "EUR", "idempotencyKey": unique("key"), **fields}
    if lines is not None:
        purchase["lines"] = lines
    elif "total" not in purchase:
        purchase["total"] = "20.00"
    data = await caller.run(RECORD, input=purchase)
    assert data["purchaseRecord"]["errors"] == [], data
    return data["purchaseRecord"]["purchase"]


def _coffee(price: str = "10.00") -> list[dict[str, Any]]:
    return [{"sku": "espresso", "category": "coffee", "unitPrice": price},
            {"sku": "bread", "category": "bakery", "unitPrice": "5.00"}]


async def test_a_multiplier_doubles_the_qualifying_lines_billed_to_the_funder(db: str) -> None:
    # given a grocer (1 point per EUR) funding double points on coffee, and a member
    grocer = await partner_with_rate()
    offer = await created_offer(grocer, kind="MULTIPLIER", bonusPoints=None, multiplier="2",
                                targeting={"categories": ["coffee"]})
    card = await enrolled_card(grocer)
    # when the member buys 10 EUR of coffee and 5 EUR of bread
    earned = await _buy(grocer, card, _coffee())
    # then 15 points are earned, plus 10 offer points, and the budget has paid 10
    assert (earned["points"], earned["offerPoints"]) == (15, 10)
    assert any(f"offer {offer['id']}" in rule for rule in earned["rulesApplied"])
    assert (await get_offer(int(offer["id"]))).points_awarded == 10
    transfer = await row("SELECT * FROM transfers WHERE kind = 'offer'")
    issued = await row("SELECT id FROM accounts WHERE kind = 'partner_issued' AND owner_id = $1",
                       grocer.partner.id)
    assert transfer["points"] == 10 and transfer["debit_account_id"] == issued["id"]


async def test_an_offer_funded_elsewhere_is_billed_on_an_offer_line(db: str) -> None:
    # given a fuel chain funding 50 bonus points for purchases at the grocer
    grocer = await partner_with_rate()
    fuel = await partner_with_rate("fuel")
    await created_offer(fuel, targeting={"partners": ["grocer"]})
    card = await enrolled_card(grocer)
    # when the member buys at the grocer, and the month is settled
    earned = await _buy(grocer, card, total="20.00")
    assert (earned["points"], earned["offerPoints"]) == (20, 50)
    zone = load_settings().program_timezone
    label = datetime.now(ZoneInfo(zone)).strftime("%Y-%m")
    await begin_settlement(label, "admin:test", zone)
    done = await run_settlement(label, "admin:test", zone)
    # then fuel's statement bills the 50 offer points at its issue price, the grocer its 20
    lines = {(s.code, line.kind): line for s in done.statements for line in s.lines}
    assert lines[("fuel", "offer")].points == 50
    assert str(lines[("fuel", "offer")].amount) == "-0.50"
    assert lines[("grocer", "issued")].points == 20
    assert ("grocer", "offer") not in lines


async def test_a_refund_takes_offer_points_back_in_proportion(db: str) -> None:
    grocer = await partner_with_rate()
    fuel = await partner_with_rate("fuel")
    await created_offer(fuel, targeting={"partners": ["grocer"]})
    card = await enrolled_card(grocer)
    order = unique("order")
    await _buy(grocer, card, total="20.00", orderId=order)
    data = await grocer.run(REFUND, input={"orderId": order, "currency": "EUR",
                                           "amount": "10.00", "idempotencyKey": unique("k")})
    # half the purchase back: 10 of the grocer's 20 points and 25 of fuel's 50
    assert data["purchaseRefund"]["pointsReversed"] == 35
    reversed_rows = await rows("SELECT kind, points FROM transfers WHERE kind LIKE '%reversal'")
    assert sorted((r["kind"], r["points"]) for r in reversed_rows) == [
        ("offer_reversal", 25), ("reversal", 10)]


async def test_activation_segments_uses_and_budget_decide_who_gets_the_bonus(db: str) -> None:
    grocer = await partner_with_rate()
    clip = await created_offer(grocer, requiresActivation=True, bonusPoints=7)
    await created_offer(grocer, segmentKind="LAPSED", segmentDays=30, bonusPoints=100)
    await created_offer(grocer, bonusPoints=30, budgetPoints=60, perMemberUsesMax=1)
    card, other = await enrolled_card(grocer), await enrolled_card(grocer)
    third = await enrolled_card(grocer)
    # not activated, not lapsed (never bought): only the 30-point offer applies
    assert (await _buy(grocer, card))["offerPoints"] == 30
    # activated now; the 30-point offer is used up for this member
    await activated(grocer, clip["id"], card)
    assert (await _buy(grocer, card))["offerPoints"] == 7
    # a second member takes the last 30 of the budget; a third finds it spent
    assert (await _buy(grocer, other))["offerPoints"] == 30
    assert (await _buy(grocer, third))["offerPoints"] == 0


async def test_even_pacing_releases_the_budget_day_by_day(db: str) -> None:
    # given a 10-day offer that began today, pacing 1,000 points evenly (100 a day)
    grocer = await partner_with_rate()
    await created_offer(grocer, bonusPoints=60, perMemberUsesMax=5, pacing="EVEN",
                        startsAt=recently(), endsAt=_days_later(10))
    card = await enrolled_card(grocer)
    # when the member buys three times today: only the first bonus fits today's 100
    given = [(await _buy(grocer, card))["offerPoints"] for _ in range(3)]
    assert given == [60, 0, 0]


def _days_later(days: int) -> str:
    from datetime import timedelta

    return (datetime.now(UTC) + timedelta(days=days, minutes=-1)).isoformat()


@dataclass(frozen=True)
class FuelDiscount:
    fuel: Caller
    offer: dict[str, Any]
    card: str


async def _fuel_discount(**fields: Any) -> FuelDiscount:
    """A member with 100 points, also known at the fuel chain, and a grocer-funded 20%
    discount on points spent there."""
    grocer = await partner_with_rate(window_days=0)
    fuel = await partner_with_rate("fuel")
    offer = await created_offer(grocer, kind="REWARD_DISCOUNT", bonusPoints=None,
                                discountPercent=20, targeting={"partners": ["fuel"]}, **fields)
    card = await enrolled_card(grocer)
    await fuel.run("""mutation($c: String!) { memberEnroll(input: {cardNumber: $c}) {
        errors { code } } }""", c=card)
    await _buy(grocer, card, total="100.00")
    return FuelDiscount(fuel, offer, card)


REDEEM = """
mutation($input: PointsRedeemInput!) {
  pointsRedeem(input: $input) { redemption { points offerPoints } errors { field code message } }
}"""


async def test_a_reward_discount_pays_part_of_a_redemption(db: str) -> None:
    # given a grocer funding 20% off rewards at the fuel chain, activated for a member
    given = await _fuel_discount(requiresActivation=True)
    fuel, offer, card = given.fuel, given.offer, given.card
    await activated(fuel, offer["id"], card)
    # when the member spends 50 points at the fuel chain
    data = await fuel.run(REDEEM, input={"cardNumber": card, "points": 50,
                                         "idempotencyKey": unique("k")})
    # then 50 are burned at fuel, of which the grocer paid 10: the member has 60 of 100 left
    assert data["pointsRedeem"]["redemption"] == {"points": 50, "offerPoints": 10}
    balance = await row("SELECT balance FROM accounts WHERE kind = 'member_available' "
                        "AND owner_id = (SELECT id FROM members WHERE card_number = $1)", card)
    assert balance["balance"] == 60
    assert (await get_offer(int(offer["id"]))).points_awarded == 10
    # and the award names the redemption it paid part of
    award = await row("SELECT h.points, h.points_discount FROM offer_awards a JOIN holds h "
                      "ON h.id = a.hold_id WHERE a.offer_id = $1", int(offer["id"]))
    assert (award["points"], award["points_discount"]) == (50, 10)
    # and a member who cannot pay the rest is refused with the budget untouched
    refused = await fuel.run(REDEEM, input={"cardNumber": card, "points": 80,
                                            "idempotencyKey": unique("k")})
    assert refused["pointsRedeem"]["errors"][0]["code"] == "INSUFFICIENT_POINTS"
    assert (await get_offer(int(offer["id"]))).points_awarded == 10


async def test_refunding_a_discounted_redemption_gives_back_what_the_member_paid(db: str) -> None:
    # given a member with 100 points who spent 50 at the fuel chain, 10 of them paid by a
    # grocer-funded 20% discount
    from exchange.clock import now_us
    from exchange.operations.sweeps import run_sweeps

    given = await _fuel_discount()
    fuel, card = given.fuel, given.card
    spent = await fuel.run(REDEEM.replace("points offerPoints", "id points offerPoints"),
                           input={"cardNumber": card, "points": 50,
                                  "idempotencyKey": unique("k")})
    redemption_id = spent["pointsRedeem"]["redemption"]["id"]
    # when the fuel chain refunds all 50 points, and the sweeps run
    refunded = await fuel.run(
        """mutation($input: RedemptionRefundInput!) {
             redemptionRefund(input: $input) { errors { code } } }""",
        input={"redemptionId": redemption_id, "points": 50, "idempotencyKey": unique("k")})
    assert refunded["redemptionRefund"]["errors"] == []
    await run_sweeps(now_us())
    # then the member has their 100 again; the 10 the grocer paid went to breakage
    member = await row("SELECT balance FROM accounts WHERE kind = 'member_available' "
                       "AND owner_id = (SELECT id FROM members WHERE card_number = $1)", card)
    breakage = await row("SELECT balance FROM accounts WHERE kind = 'operator_breakage'")
    assert (member["balance"], breakage["balance"]) == (100, 10)


AUTHORIZE = """
mutation($input: RedemptionAuthorizeInput!) {
  redemptionAuthorize(input: $input) { redemption { id } errors { code } }
}"""
CAPTURE = """
mutation($input: RedemptionCaptureInput!) {
  redemptionCapture(input: $input) {
    redemption { points pointsCaptured pointsReleased offerPoints } errors { code }
  }
}"""


async def test_a_reward_discount_applies_at_capture(db: str) -> None:
    # given a member with 100 points, a 20% discount at the fuel chain, and a hold of 60
    given = await _fuel_discount()
    fuel, offer, card = given.fuel, given.offer, given.card
    held = await fuel.run(AUTHORIZE, input={"cardNumber": card, "points": 60,
                                            "idempotencyKey": unique("k")})
    hold_id = held["redemptionAuthorize"]["redemption"]["id"]
    # when the fuel chain captures 50 of the 60
    data = await fuel.run(CAPTURE, input={"redemptionId": hold_id, "points": 50,
                                          "idempotencyKey": unique("k")})
    # then 50 are burned, 10 of them paid by the grocer: the member keeps 100 - 40 = 60
    assert data["redemptionCapture"]["redemption"] == {
        "points": 60, "pointsCaptured": 50, "pointsReleased": 20, "offerPoints": 10}
    balances = await rows(
        "SELECT kind, balance FROM accounts WHERE owner_id = (SELECT id FROM members "
        "WHERE card_number = $1) AND kind IN ('member_available', 'member_held')", card)
    assert {r["kind"]: r["balance"] for r in balances} == {
        "member_available": 60, "member_held": 0}
    assert (await get_offer(int(offer["id"]))).points_awarded == 10
    award = await row("SELECT hold_id, points FROM offer_awards WHERE offer_id = $1",
                      int(offer["id"]))
    assert (award["hold_id"], award["points"]) == (int(hold_id), 10)
