"""Offers against an independent reckoning of random histories.

Hypothesis draws purchases (at two partners, coffee or not), partial refunds, one-step
redemptions and holds captured in part, by three members, under three offers: a grocer's
bonus with a small budget and a use limit, a fuel chain's coffee multiplier at both partners,
and a grocer-funded discount on rewards at the fuel chain. A plain-Python model applies the
offer rules in the same order and says what every call must give. After each history:

- every bonus and discount is what the model says, no budget is passed and no member passes a
  use limit, the budgets' counters equal their awards;
- every offer point given is an `offer` (bonus) or `discount` transfer from its funder, and
  refunds took back exactly the model's proportion of the bonuses (half-even), each to its
  funder;
- the ledger is consistent, and the month settles (zero sum, ledger agreement), billing each
  funder on `offer` lines for exactly its offer points given less those taken back.

Every example gets a fresh database and its own event loop.
"""

from __future__ import annotations

import asyncio
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_EVEN, Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from exchange.callers import Caller
from exchange.clock import now_us, to_us
from exchange.config import load_settings
from exchange.db import close_database, open_database
from exchange.errors import DomainError
from exchange.ledger.errors import LedgerErrorCode
from exchange.members.service import Enrolment, enrol
from exchange.offers.spec import OfferSpec, Targeting
from exchange.offers.store import create_offer
from exchange.operations import purchases, redemptions
from exchange.program.purchases import Purchase
from exchange.program.rules import PurchaseLine
from exchange.registry.partners import create_partner
from exchange.registry.rates import Rate, set_rate
from exchange.settlement.service import begin_settlement, run_settlement
from tests.conftest import create_database, drop_database, is_postgres
from tests.ledger.helpers import assert_ledger_consistent, rows

MEMBERS = 3
BONUS, MULTIPLIER, DISCOUNT = "bonus", "multiplier", "discount"
COVERED: Counter[str] = Counter()
SETTINGS = settings(
    max_examples=15 if is_postgres() else 40, deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)

buy_st = st.tuples(st.just("buy"), st.integers(0, MEMBERS - 1), st.sampled_from([0, 1]),
                   st.integers(1, 400), st.booleans())
refund_st = st.tuples(st.just("refund"), st.integers(0, 30), st.integers(1, 100))
redeem_st = st.tuples(st.just("redeem"), st.integers(0, MEMBERS - 1), st.integers(1, 300))
hold_st = st.tuples(st.just("hold"), st.integers(0, MEMBERS - 1), st.integers(1, 300),
                    st.integers(1, 100))  # percent of the hold captured
history_st = st.lists(st.one_of(buy_st, buy_st, refund_st, redeem_st, hold_st), min_size=1,
                      max_size=25)


@dataclass
class Offer:
    name: str
    funder: int  # partner index
    budget: int
    uses_max: int
    awarded: int = 0
    uses: Counter[int] = field(default_factory=Counter)

    def fits(self, member: int, points: int) -> bool:
        return points > 0 and self.uses[member] < self.uses_max and (
            self.awarded + points <= self.budget)

    def spend(self, member: int, points: int) -> None:
        self.awarded += points
        self.uses[member] += 1


@dataclass
class Bought:
    member: int
    partner: int
    order_id: str
    amount: int
    offer_points: dict[int, int]  # funder: points given
    refunded: int = 0


@dataclass
class Model:
    offers: dict[str, Offer]
    purchases: list[Bought] = field(default_factory=list)
    given: Counter[int] = field(default_factory=Counter)  # funder: offer points given
    taken: Counter[int] = field(default_factory=Counter)  # funder: offer points taken back

    def bonuses(self, member: int, partner: int, amount: int, coffee: bool) -> dict[str, int]:
        """What each offer gives on this purchase, in offer id order (bonus, then multiplier)."""
        found = {}
        bonus = self.offers[BONUS]
        if partner == 0 and bonus.fits(member, 30):
            bonus.spend(member, 30)
            found[BONUS] = 30
        multiplier = self.offers[MULTIPLIER]
        if coffee and multiplier.fits(member, amount):  # x2 on coffee: the line's points again
            multiplier.spend(member, amount)
            found[MULTIPLIER] = amount
        return found


async def _setup() -> tuple[list[Caller], list[str]]:
    callers = []
    for code in ("grocer", "fuel"):
        partner = await create_partner(code, code.title(), return_window_days=0)
        await set_rate(Rate(partner.id, "EUR", 0, Decimal(1), Decimal("0.01"), Decimal("0.008")))
        callers.append(Caller.partner(partner.id, code))
    cards = []
    for _ in range(MEMBERS):
        card = (await enrol(Enrolment(callers[0].partner_id))).member.card_number
        await enrol(Enrolment(callers[1].partner_id, card_number=card))
        cards.append(card)
    now = now_us()
    window = {"starts_at": now - 3_600_000_000, "ends_at": now + 86_400_000_000}
    grocer, fuel = (c.partner_id for c in callers)
    await create_offer(grocer, OfferSpec("bonus", "bonus_points", bonus_points=30,
                                         budget_points=150, per_member_uses_max=2, **window),
                       "admin:property")
    await create_offer(fuel, OfferSpec("coffee", "multiplier", percent=100, budget_points=900,
                                       per_member_uses_max=3, targeting=Targeting(
                                           ("grocer", "fuel"), ("coffee",)), **window),
                       "admin:property")
    await create_offer(grocer, OfferSpec("rewards", "reward_discount", percent=20,
                                         budget_points=120, per_member_uses_max=5,
                                         targeting=Targeting(("fuel",)), **window),
                       "admin:property")
    return callers, cards


async def _play(history: list[tuple], callers: list[Caller], cards: list[str],
                model: Model) -> None:
    at = to_us(datetime.now(UTC) - timedelta(minutes=1))
    for step, action in enumerate(history):
        if action[0] == "buy":
            await _buy(action, step, at, callers, cards, model)
        elif action[0] == "refund" and model.purchases:
            await _refund(action, step, callers, model)
        elif action[0] == "redeem":
            await _redeem(action, step, callers, cards, model)
        elif action[0] == "hold":
            await _hold_and_capture(action, step, callers, cards, model)


async def _buy(action: tuple, step: int, at: int, callers: list[Caller],
               cards: list[str], model: Model) -> None:
    _, member, partner, amount, coffee = action
    line = PurchaseLine("cup" if coffee else "bag", "coffee" if coffee else "other", 1,
                        Decimal(amount))
    order_id = f"o-{step}"
    outcome = await purchases.record_purchase(
        callers[partner], Purchase(cards[member], order_id, at, "EUR", (line,)),
        f"k-{step}")
    expected = model.bonuses(member, partner, amount, coffee)
    assert outcome.quote.points == amount
    assert outcome.quote.offer_points == sum(expected.values())
    given = Counter({model.offers[name].funder: points for name, points in expected.items()})
    model.given.update(given)
    model.purchases.append(Bought(member, partner, order_id, amount, dict(given)))
    COVERED.update(expected)


async def _refund(action: tuple, step: int, callers: list[Caller], model: Model) -> None:
    _, index, percent = action
    bought = model.purchases[index % len(model.purchases)]
    amount = min(bought.amount - bought.refunded, max(1, bought.amount * percent // 100))
    if amount <= 0:
        return
    await purchases.refund_purchase(callers[bought.partner], bought.order_id, "EUR",
                                    Decimal(amount), f"k-{step}")
    before, bought.refunded = bought.refunded, bought.refunded + amount
    for funder, points in bought.offer_points.items():
        model.taken[funder] += _share(points, bought.refunded, bought.amount) - _share(
            points, before, bought.amount)
    COVERED["refund"] += 1


def _share(points: int, refunded: int, amount: int) -> int:
    exact = Decimal(points) * refunded / amount
    return int(exact.to_integral_value(rounding=ROUND_HALF_EVEN))


async def _redeem(action: tuple, step: int, callers: list[Caller], cards: list[str],
                  model: Model) -> None:
    _, member, points = action
    try:
        result = await redemptions.redeem(callers[1], cards[member], points, f"k-{step}")
    except DomainError as error:
        assert error.code == LedgerErrorCode.INSUFFICIENT_POINTS, error
        COVERED["refused"] += 1
        return  # not enough points: nothing happened, the budget included
    assert result.offer_points == _discounted(model, member, points)


async def _hold_and_capture(action: tuple, step: int, callers: list[Caller],
                            cards: list[str], model: Model) -> None:
    _, member, points, percent = action
    try:
        hold = await redemptions.authorize(callers[1], cards[member], points, f"k-{step}")
    except DomainError as error:
        assert error.code == LedgerErrorCode.INSUFFICIENT_POINTS, error
        COVERED["refused"] += 1
        return
    captured = max(1, points * percent // 100)
    result = await redemptions.capture(callers[1], hold.hold_id, captured, f"k-{step}-c")
    expected = _discounted(model, member, captured)
    assert (result.offer_points, result.points_released) == (expected,
                                                             points - captured + expected)
    COVERED["capture"] += 1


def _discounted(model: Model, member: int, points: int) -> int:
    """The discount the model gives on `points` spent at the fuel chain, spent from its budget."""
    discount = model.offers[DISCOUNT]
    off = points * 20 // 100
    expected = off if discount.fits(member, off) else 0
    if expected:
        discount.spend(member, expected)
        model.given[discount.funder] += expected
        COVERED[DISCOUNT] += 1
    return expected


async def _check(model: Model, callers: list[Caller]) -> None:
    offers = {r["title"]: r for r in await rows("SELECT * FROM offers")}
    names = {"bonus": BONUS, "coffee": MULTIPLIER, "rewards": DISCOUNT}
    for title, name in names.items():
        stored, reckoned = offers[title], model.offers[name]
        assert stored["points_awarded"] == reckoned.awarded <= stored["budget_points"]
        uses = await rows("SELECT member_id, COUNT(*) AS n FROM offer_awards WHERE offer_id = $1 "
                          "GROUP BY member_id", stored["id"])
        assert all(u["n"] <= stored["per_member_uses_max"] for u in uses)
        awards = await rows("SELECT COALESCE(SUM(points), 0) AS p FROM offer_awards "
                            "WHERE offer_id = $1", stored["id"])
        assert awards[0]["p"] == reckoned.awarded
    await _check_transfers(model, callers)
    await assert_ledger_consistent()


async def _check_transfers(model: Model, callers: list[Caller]) -> None:
    issued = {r["owner_id"]: r["id"] for r in await rows(
        "SELECT id, owner_id FROM accounts WHERE kind = 'partner_issued'")}
    for index, caller in enumerate(callers):
        account = issued[caller.partner_id]
        given = await rows("SELECT COALESCE(SUM(points), 0) AS p FROM transfers WHERE kind IN "
                           "('offer', 'offer_debt_payment', 'discount') "
                           "AND debit_account_id = $1", account)
        taken = await rows("SELECT COALESCE(SUM(points), 0) AS p FROM transfers WHERE kind IN "
                           "('offer_reversal', 'offer_clawback') AND credit_account_id = $1",
                           account)
        assert (given[0]["p"], taken[0]["p"]) == (model.given[index], model.taken[index])
    zone = load_settings().program_timezone
    label = datetime.now(ZoneInfo(zone)).strftime("%Y-%m")
    await begin_settlement(label, "admin:property", zone)
    done = await run_settlement(label, "admin:property", zone)
    billed: defaultdict[str, int] = defaultdict(int)
    for statement in done.statements:
        for line in statement.lines:
            if line.kind == "offer":
                billed[statement.code] += line.points
    for index, caller in enumerate(callers):
        assert billed[caller.name] == model.given[index] - model.taken[index]


async def _example(history: list[tuple], template: str, directory: Path) -> None:
    url = await create_database(template, directory)
    await open_database(url)
    try:
        callers, cards = await _setup()
        model = Model({BONUS: Offer(BONUS, 0, 150, 2), MULTIPLIER: Offer(MULTIPLIER, 1, 900, 3),
                       DISCOUNT: Offer(DISCOUNT, 0, 120, 5)})
        await _play(history, callers, cards, model)
        await _check(model, callers)
    finally:
        await close_database()
        await drop_database(url)


def test_offers_match_an_independent_reckoning(template_database: str, tmp_path: Path) -> None:
    @SETTINGS
    @given(history=history_st)
    # One history that uses every rule, so the coverage check below never rests on luck.
    @example(history=[("buy", 0, 0, 200, True), ("redeem", 0, 100), ("redeem", 1, 300),
                      ("hold", 0, 100, 50), ("refund", 0, 50)])
    def check(history: list[tuple]) -> None:
        asyncio.run(_example(history, template_database, tmp_path))

    check()
    # The histories really exercised every rule, and the limits.
    for what in (BONUS, MULTIPLIER, DISCOUNT, "refund", "refused", "capture"):
        assert COVERED[what] > 0, (what, COVERED)
