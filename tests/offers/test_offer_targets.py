"""Offer targets in offer_targets: written with the offer, read back in order, and the one place
a purchase's candidate offers are found by partner."""

from __future__ import annotations

import pytest
from tortoise.exceptions import IntegrityError

from exchange import limits
from exchange.clock import days_to_us, now_us
from exchange.db import connection, execute, fetch
from exchange.offers.at_purchase import candidate_offers
from exchange.offers.spec import OfferSpec, Targeting
from exchange.offers.store import OfferRecord, create_offer, get_offer, list_offers
from exchange.registry.partners import PartnerRecord, create_partner

KINDS = ("bonus_points", "multiplier")


async def _offer(funder: PartnerRecord, targeting: Targeting) -> OfferRecord:
    now = now_us()
    return await create_offer(funder.id, OfferSpec(
        title="Ten", kind="bonus_points", bonus_points=10, starts_at=now - days_to_us(1),
        ends_at=now + days_to_us(30), budget_points=1000, targeting=targeting,
    ), "admin:test")


async def _found_at(partner: PartnerRecord) -> list[int]:
    now = now_us()
    offers = await candidate_offers(connection(), KINDS, now, now, partner.id, partner.code)
    return [offer.id for offer in offers]


async def test_targets_are_read_back_as_given(db: str) -> None:
    # given
    funder = await create_partner("grocer", "Grocer")
    await create_partner("fuel", "Fuel")
    targeting = Targeting(("grocer", "fuel"), ("tea", "coffee"), ("grocer/9", "grocer/1"))
    # when
    created = await _offer(funder, targeting)
    # then
    assert created.spec.targeting == targeting
    assert (await get_offer(created.id)).spec.targeting == targeting
    rows = await fetch(connection(), "SELECT kind, value FROM offer_targets "
                                     "WHERE offer_id = $1 ORDER BY id", created.id)
    assert [(r["kind"], r["value"]) for r in rows] == [
        ("partner", "grocer"), ("partner", "fuel"), ("category", "tea"),
        ("category", "coffee"), ("item", "grocer/9"), ("item", "grocer/1"),
    ]


async def test_a_partner_target_matches_that_code_only(db: str) -> None:
    # given partners whose codes contain one another, and an offer targeting "fuel" only
    grocer = await create_partner("grocer", "Grocer")
    fuel, fu, fuels = [await create_partner(code, code) for code in ("fuel", "fu", "fuels")]
    offer = await _offer(grocer, Targeting(partners=("fuel",)))
    # when
    found = {partner.code: await _found_at(partner) for partner in (fuel, fu, fuels, grocer)}
    # then: not at the funder either, whose own tills a partner target replaces
    assert found == {"fuel": [offer.id], "fu": [], "fuels": [], "grocer": []}


async def test_an_offer_without_partner_targets_is_the_funders_only(db: str) -> None:
    # given
    grocer = await create_partner("grocer", "Grocer")
    other = await create_partner("bakery", "Bakery")
    offer = await _offer(grocer, Targeting(categories=("bakery",)))
    # when
    found = (await _found_at(grocer), await _found_at(other))
    # then
    assert found == ([offer.id], [])


async def test_the_table_alone_decides_where_an_offer_applies(db: str) -> None:
    # given an offer of the grocer's targeting the fuel station
    grocer = await create_partner("grocer", "Grocer")
    fuel = await create_partner("fuel", "Fuel")
    offer = await _offer(grocer, Targeting(partners=("fuel",)))
    assert (await _found_at(fuel), await _found_at(grocer)) == ([offer.id], [])
    # when its partner target row is removed
    await execute(connection(), "DELETE FROM offer_targets WHERE offer_id = $1", offer.id)
    # then it is the grocer's own, everywhere it is read
    assert (await _found_at(fuel), await _found_at(grocer)) == ([], [offer.id])
    assert (await get_offer(offer.id)).spec.targeting == Targeting()


async def test_candidates_come_in_id_order_whichever_way_they_match(db: str) -> None:
    # given offers at the fuel station: its own, then the grocer's targeting it, then its own
    grocer = await create_partner("grocer", "Grocer")
    fuel = await create_partner("fuel", "Fuel")
    first = await _offer(fuel, Targeting())
    second = await _offer(grocer, Targeting(partners=("grocer", "fuel")))
    third = await _offer(fuel, Targeting(items=("fuel/1",)))
    # when
    found = await _found_at(fuel)
    # then
    assert found == [first.id, second.id, third.id]


async def test_a_target_needs_an_offer(db: str) -> None:
    # when
    with pytest.raises(IntegrityError) as error:
        await execute(connection(), "INSERT INTO offer_targets (offer_id, kind, value) "
                                    "VALUES (999, 'partner', 'fuel')")
    # then
    assert "foreign key" in str(error.value).lower()
    assert await fetch(connection(), "SELECT id FROM offer_targets") == []


async def test_an_offer_with_targets_cannot_be_deleted(db: str) -> None:
    # given
    grocer = await create_partner("grocer", "Grocer")
    offer = await _offer(grocer, Targeting(categories=("tea",)))
    # when
    with pytest.raises(IntegrityError) as error:
        await execute(connection(), "DELETE FROM offers WHERE id = $1", offer.id)
    # then
    assert "foreign key" in str(error.value).lower()
    assert (await get_offer(offer.id)).spec.targeting == Targeting(categories=("tea",))


async def test_many_offers_keep_their_own_targets_across_reads(
    db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given offers read back two at a time (SQLite binds offer ids in chunks)
    monkeypatch.setattr(limits, "offer_targets_ids_per_read_max", 2)
    grocer = await create_partner("grocer", "Grocer")
    targetings = [Targeting(categories=(f"c{n}",), items=(f"grocer/{n}",)) if n % 2 else
                  Targeting() for n in range(5)]
    created = [await _offer(grocer, targeting) for targeting in targetings]
    # when
    listed = await list_offers(None, 10)
    # then
    assert [o.id for o in listed] == [o.id for o in created]
    assert [o.spec.targeting for o in listed] == targetings
