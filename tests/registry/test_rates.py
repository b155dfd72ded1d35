"""Dated rates: the rate in force at a moment, validation, and rates never edited."""

from __future__ import annotations

from decimal import Decimal

import pytest

from exchange.errors import DomainError
from exchange.registry.errors import RegistryErrorCode
from exchange.registry.partners import create_partner
from exchange.registry.rates import Rate, rate_in_force, set_rate
from tests.ledger.helpers import snapshot

DAY = 86_400_000_000


def _rate(partner_id: int, valid_from: int, earn_rate: str = "1", **changes: object) -> Rate:
    fields: dict[str, object] = {
        "partner_id": partner_id, "purchase_currency": "EUR", "valid_from": valid_from,
        "earn_rate": Decimal(earn_rate), "issue_price": Decimal("0.01"),
        "redemption_price": Decimal("0.008"), "category_multipliers": {}, **changes,
    }
    return Rate(**fields)  # type: ignore[arg-type]


async def test_the_rate_in_force_is_the_latest_one_started(db: str) -> None:
    # given rates from day 10 and day 20
    grocer = await create_partner("grocer", "Grocer")
    await set_rate(_rate(grocer.id, 10 * DAY, "1"))
    await set_rate(_rate(grocer.id, 20 * DAY, "2", category_multipliers={"fresh": Decimal(3)}))
    # when the rate is read at several moments
    before, first, last, later = [
        await rate_in_force(grocer.id, "EUR", at)
        for at in (10 * DAY - 1, 10 * DAY, 20 * DAY - 1, 30 * DAY)
    ]
    # then each moment gets the rate started last before it, and none before the first
    assert before is None
    assert first is not None and first.earn_rate == Decimal(1)
    assert last is not None and last.earn_rate == Decimal(1)
    assert later is not None and later.earn_rate == Decimal(2)
    assert later.multiplier("fresh") == Decimal(3)
    assert later.multiplier(None) == Decimal(1)


async def test_rates_are_per_partner_and_currency(db: str) -> None:
    # given a grocer with a EUR rate, and a fuel station with none
    grocer = await create_partner("grocer", "Grocer")
    fuel = await create_partner("fuel", "Fuel")
    await set_rate(_rate(grocer.id, 0))
    # then neither another currency nor another partner has a rate
    assert await rate_in_force(grocer.id, "USD", DAY) is None
    assert await rate_in_force(fuel.id, "EUR", DAY) is None


async def test_decimals_come_back_exactly(db: str) -> None:
    # given a rate with six decimals
    grocer = await create_partner("grocer", "Grocer")
    await set_rate(_rate(grocer.id, 0, "0.123456", issue_price=Decimal("0.010000")))
    # when it is read back
    rate = await rate_in_force(grocer.id, "EUR", 0)
    # then its decimals are exactly as set
    assert rate is not None
    assert str(rate.earn_rate) == "0.123456"
    assert str(rate.issue_price) == "0.010000"


async def test_a_rate_is_never_edited_only_superseded(db: str) -> None:
    # given a rate from day 10
    grocer = await create_partner("grocer", "Grocer")
    await set_rate(_rate(grocer.id, 10 * DAY, "1"))
    before = await snapshot()
    # when another rate from the same moment is set
    with pytest.raises(DomainError) as raised:
        await set_rate(_rate(grocer.id, 10 * DAY, "5"))
    # then it is refused, and the first rate still holds
    assert (raised.value.code, raised.value.field) == (RegistryErrorCode.INVALID_RATE, "validFrom")
    assert await snapshot() == before


@pytest.mark.parametrize(("changes", "field"), [
    ({"earn_rate": Decimal(-1)}, "earnRate"),
    ({"earn_rate": Decimal(1001)}, "earnRate"),
    ({"earn_rate": Decimal("0.0000001")}, "earnRate"),
    ({"earn_rate": Decimal("NaN")}, "earnRate"),
    ({"earn_rate": Decimal("Infinity")}, "earnRate"),
    ({"issue_price": Decimal(-1)}, "issuePrice"),
    ({"issue_price": Decimal("sNaN")}, "issuePrice"),
    ({"redemption_price": Decimal(1001)}, "redemptionPrice"),
    ({"purchase_currency": "eur"}, "currency"),
    ({"category_multipliers": {"fresh": Decimal(0)}}, "multiplier for fresh"),
    ({"category_multipliers": {"fresh": Decimal(101)}}, "multiplier for fresh"),
    ({"category_multipliers": {"fresh": Decimal("NaN")}}, "multiplier for fresh"),
    ({"category_multipliers": {"": Decimal(2)}}, None),
])
async def test_an_invalid_rate_is_refused_and_nothing_changes(
    db: str, changes: dict[str, object], field: str | None
) -> None:
    # given a partner
    grocer = await create_partner("grocer", "Grocer")
    before = await snapshot()
    # when a rate with one bad value is set
    with pytest.raises(DomainError) as raised:
        await set_rate(_rate(grocer.id, 0, **changes))
    # then it is refused as an invalid rate, and nothing was stored
    assert (raised.value.code, raised.value.field) == (RegistryErrorCode.INVALID_RATE, field)
    assert await snapshot() == before
