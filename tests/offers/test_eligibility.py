"""Eligibility: segments, uses, even pacing, what a purchase earns; and the catalogue's
vectorised mask agrees with the rule offer by offer."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from exchange.clock import days_to_us
from exchange.offers.catalogue import build_catalogue, eligible_mask
from exchange.offers.eligibility import (
    EarnLine,
    MemberFacts,
    can_show,
    in_segment,
    paced_cap,
    purchase_points,
)
from exchange.offers.spec import OfferSpec, Segment, Targeting
from exchange.offers.store import OfferRecord

DAY = days_to_us(1)
NOW = 1_000 * DAY


def offer(offer_id: int = 1, points_awarded: int = 0, status: str = "active",
          **spec: object) -> OfferRecord:
    fields = {"title": "t", "kind": "bonus_points", "bonus_points": 10, "starts_at": NOW - DAY,
              "ends_at": NOW + 9 * DAY, "budget_points": 1000, **spec}
    return OfferRecord(offer_id, 7, "grocer", OfferSpec(**fields), points_awarded, status, 0, 0)


def facts(**changes: object) -> MemberFacts:
    return replace(MemberFacts(member_id=1, enrolled_at=NOW - 400 * DAY,
                               last_purchase_at=NOW - 5 * DAY), **changes)


def test_segments() -> None:
    new = offer(segment=Segment("new_member", 30)).spec
    assert in_segment(new, facts(enrolled_at=NOW - 29 * DAY), NOW)
    assert not in_segment(new, facts(), NOW)
    lapsed = offer(segment=Segment("lapsed", 60)).spec
    assert in_segment(lapsed, facts(last_purchase_at=NOW - 60 * DAY), NOW)
    assert not in_segment(lapsed, facts(), NOW)
    assert not in_segment(lapsed, facts(last_purchase_at=None), NOW)  # never bought: new
    band = offer(segment=Segment("spend_band", 0, "EUR", 10_000, 50_000)).spec
    assert in_segment(band, facts(spend_minor={"EUR": 10_000}), NOW)
    assert not in_segment(band, facts(spend_minor={"EUR": 50_001}), NOW)
    assert not in_segment(band, facts(spend_minor={"USD": 20_000}), NOW)


def test_even_pacing_releases_a_share_a_day() -> None:
    spec = offer(pacing="even", starts_at=NOW, ends_at=NOW + 10 * DAY).spec
    assert [paced_cap(spec, NOW + d * DAY) for d in (0, 1, 9, 12)] == [100, 200, 1000, 1000]
    assert paced_cap(replace(spec, pacing="none"), NOW) == 1000


def test_what_a_purchase_earns() -> None:
    lines = (EarnLine("grocer/espresso", "coffee", Decimal("7.9")),
             EarnLine("grocer/bread", "bakery", Decimal("3")))
    double_coffee = offer(kind="multiplier", percent=100,
                          targeting=Targeting(categories=("coffee",)))
    assert purchase_points(double_coffee, "grocer", lines) == 7  # floor(7.9)
    assert purchase_points(double_coffee, "fuel", lines) == 0  # the funder's tills only
    bread = offer(targeting=Targeting(("grocer", "fuel"), items=("grocer/bread",)))
    assert purchase_points(bread, "grocer", lines) == 10
    assert purchase_points(bread, "grocer", lines[:1]) == 0


segment_st = st.sampled_from([Segment(), Segment("new_member", 30), Segment("lapsed", 10),
                              Segment("spend_band", 0, "EUR", 100, 5_000),
                              Segment("spend_band", 0, "EUR", 0, None)])
offer_st = st.builds(
    lambda i, seg, start, length, awarded, uses, pacing: offer(
        i, points_awarded=awarded, segment=seg, starts_at=NOW + start * DAY,
        ends_at=NOW + (start + length) * DAY, per_member_uses_max=uses, pacing=pacing),
    st.integers(1, 10**6), segment_st, st.integers(-20, 3), st.integers(1, 40),
    st.integers(0, 1000), st.integers(1, 3), st.sampled_from(["none", "even"]))
facts_st = st.builds(
    lambda enrolled, last, spend, uses: facts(
        enrolled_at=NOW - enrolled * DAY, last_purchase_at=None if last is None
        else NOW - last * DAY, spend_minor={"EUR": spend}, uses=uses),
    st.integers(0, 100), st.none() | st.integers(0, 100), st.integers(0, 10_000),
    st.dictionaries(st.integers(1, 10**6), st.integers(0, 4), max_size=3))


@settings(max_examples=200, deadline=None)
@given(offers=st.lists(offer_st, max_size=12, unique_by=lambda o: o.id), member=facts_st)
def test_the_catalogue_mask_is_the_rule_for_every_offer(
    offers: list[OfferRecord], member: MemberFacts
) -> None:
    uses = dict(member.uses)
    if offers:  # make some of the member's uses hit the drawn offers
        uses[offers[0].id] = member.uses.get(offers[0].id, 2)
    member = replace(member, uses=uses)
    catalogue = build_catalogue(offers, None, NOW, None)
    assert eligible_mask(catalogue, member, NOW).tolist() == [
        can_show(o, member, NOW) for o in offers]
