"""Offer budgets and per-member limits under concurrent purchases, on PostgreSQL: never a
point past the budget, never a use past the limit, every awarded point in the ledger."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from exchange.callers import Caller
from exchange.clock import now_us, to_us
from exchange.db import close_database, open_database
from exchange.errors import DomainError
from exchange.members.service import Enrolment, enrol
from exchange.offers.service import create, update
from exchange.offers.spec import OfferChange, OfferSpec
from exchange.operations.purchases import PurchaseOutcome, record_purchase
from exchange.program.purchases import Purchase
from tests.api.operations import partner_with_rate
from tests.conftest import is_postgres
from tests.ledger.helpers import assert_ledger_consistent, row

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(not is_postgres(), reason="races need PostgreSQL: set "
                       "EXCHANGE_TEST_POSTGRES_URL"),
]
RACERS = 40


@pytest.fixture
async def wide_db(database_url: str) -> AsyncIterator[str]:
    await open_database(f"{database_url}{'&' if '?' in database_url else '?'}maxsize=48")
    yield database_url
    await close_database()


async def _setup(budget_points: int, uses_max: int = 1) -> tuple[Caller, int]:
    grocer = (await partner_with_rate()).partner
    now = now_us()
    offer = await create(Caller.admin("test"), OfferSpec(
        title="Race", kind="bonus_points", bonus_points=50, starts_at=now - 3600 * 10**6,
        ends_at=now + 10**12, budget_points=budget_points, per_member_uses_max=uses_max,
    ), grocer.code)
    return Caller.partner(grocer.id, grocer.code), offer.id


async def _card(caller: Caller) -> str:
    return (await enrol(Enrolment(partner_id=caller.partner_id))).member.card_number


def _purchase(card: str, n: int) -> Purchase:
    at = to_us(datetime.now(UTC) - timedelta(minutes=1))
    return Purchase(card, f"o-{n}", at, "EUR", total=Decimal("10.00"))


async def _offer_totals(offer_id: int) -> tuple[int, int, int]:
    offer = await row("SELECT points_awarded, budget_points FROM offers WHERE id = $1", offer_id)
    awards = await row("SELECT COALESCE(SUM(points), 0) AS p FROM offer_awards")
    transfers = await row("SELECT COALESCE(SUM(points), 0) AS p FROM transfers "
                          "WHERE kind IN ('offer', 'offer_debt_payment')")
    assert awards["p"] == transfers["p"] == offer["points_awarded"]
    return int(offer["points_awarded"]), int(offer["budget_points"]), int(awards["p"])


async def test_concurrent_purchases_never_pass_the_budget(wide_db: str) -> None:
    # given a budget of 10 bonuses of 50 points, and 40 members
    caller, offer_id = await _setup(budget_points=500)
    cards = [await _card(caller) for _ in range(RACERS)]
    # when all 40 buy at once
    outcomes: list[PurchaseOutcome] = await asyncio.gather(*(
        record_purchase(caller, _purchase(card, n), f"k-{n}") for n, card in enumerate(cards)))
    # then exactly 10 got the bonus, the budget is spent to the point, and the ledger agrees

    assert sorted(o.quote.offer_points for o in outcomes) == [0] * 30 + [50] * 10
    assert (await _offer_totals(offer_id))[0] == 500
    await assert_ledger_consistent()


async def test_one_members_concurrent_purchases_respect_the_use_limit(wide_db: str) -> None:
    caller, offer_id = await _setup(budget_points=10_000, uses_max=3)
    card = await _card(caller)
    outcomes = await asyncio.gather(*(
        record_purchase(caller, _purchase(card, n), f"k-{n}") for n in range(20)))
    assert sum(o.quote.offer_points for o in outcomes) == 150
    assert (await _offer_totals(offer_id))[0] == 150


async def test_lowering_the_budget_during_purchases_keeps_it_exact(wide_db: str) -> None:
    caller, offer_id = await _setup(budget_points=1000)
    cards = [await _card(caller) for _ in range(RACERS)]

    async def lower() -> None:
        # More than 300 awarded first: BUDGET_BELOW_AWARDED, and nothing changed.
        with contextlib.suppress(DomainError):
            await update(Caller.admin("test"), offer_id, OfferChange(budget_points=300))

    await asyncio.gather(lower(), *(
        record_purchase(caller, _purchase(card, n), f"k-{n}") for n, card in enumerate(cards)))
    awarded, budget, _ = await _offer_totals(offer_id)
    assert awarded <= budget and budget in (300, 1000)
    assert awarded == (300 if budget == 300 else 1000)
