"""Members: enrolment issues or links cards; a partner finds only the members linked to it."""

from __future__ import annotations

import pytest

from exchange.errors import DomainError
from exchange.members.cards import is_valid_card_number, luhn_check_digit
from exchange.members.errors import MemberErrorCode
from exchange.members.service import (
    Enrolment,
    create_member,
    enrol,
    find_linked_member,
    find_member,
    get_linked_member,
)
from exchange.registry.partners import PartnerRecord, create_partner
from tests.ledger.helpers import balance, rows, snapshot


async def _partners() -> tuple[PartnerRecord, PartnerRecord]:
    return await create_partner("grocer", "Grocer"), await create_partner("fuel", "Fuel")


async def _refused(enrolment: Enrolment) -> tuple[MemberErrorCode, str | None]:
    with pytest.raises(DomainError) as raised:
        await enrol(enrolment)
    return raised.value.code, raised.value.field


async def test_enrolment_issues_a_card_opens_accounts_and_links_the_partner(db: str) -> None:
    # given a grocer
    grocer, _ = await _partners()
    # when it enrols a customer
    result = await enrol(Enrolment(grocer.id, customer_ref="c-1", email="ann@example.com",
                                   birth_date="1990-02-28"))
    # then a new member has a valid card, their details, empty accounts and a link
    member = result.member
    assert result.is_new_member
    assert is_valid_card_number(member.card_number)
    assert (member.email, member.birth_date) == ("ann@example.com", "1990-02-28")
    assert member.referral_code is not None and len(member.referral_code) == 8
    assert await balance("member_available", member.id) == 0
    links = await rows("SELECT partner_id, customer_ref FROM member_links WHERE member_id = $1",
                       member.id)
    assert [(r["partner_id"], r["customer_ref"]) for r in links] == [(grocer.id, "c-1")]


async def test_the_same_customer_ref_returns_the_same_member(db: str) -> None:
    # given a customer enrolled at the grocer
    grocer, _ = await _partners()
    first = await enrol(Enrolment(grocer.id, customer_ref="c-1"))
    before = await snapshot()
    # when the grocer enrols the same customer ref again
    again = await enrol(Enrolment(grocer.id, customer_ref="c-1"))
    # then it is the same member, and nothing new was written
    assert (again.member, again.is_new_member) == (first.member, False)
    assert await snapshot() == before


async def test_a_shown_card_links_the_member_to_another_partner(db: str) -> None:
    # given a member of the grocer, unknown to the fuel station
    grocer, fuel = await _partners()
    member = (await enrol(Enrolment(grocer.id))).member
    assert await find_linked_member(fuel.id, member.card_number) is None
    # when the customer shows the card at the fuel station
    result = await enrol(Enrolment(fuel.id, customer_ref="f-1", card_number=member.card_number))
    # then the fuel station finds the same member, who is not new
    assert (result.member, result.is_new_member) == (member, False)
    assert await find_linked_member(fuel.id, member.card_number) == member


async def test_relinking_keeps_the_first_customer_ref(db: str) -> None:
    # given a card linked to the grocer under customer ref c-1
    grocer, _ = await _partners()
    member = (await enrol(Enrolment(grocer.id, customer_ref="c-1"))).member
    # when the grocer links the card again under another ref
    await enrol(Enrolment(grocer.id, customer_ref="c-2", card_number=member.card_number))
    # then the link keeps its first ref
    links = await rows("SELECT customer_ref FROM member_links WHERE member_id = $1", member.id)
    assert [r["customer_ref"] for r in links] == ["c-1"]


async def test_a_customer_ref_linked_to_another_card_is_refused(db: str) -> None:
    # given the grocer's customer c-1, and another card issued at the fuel station
    grocer, fuel = await _partners()
    await enrol(Enrolment(grocer.id, customer_ref="c-1"))
    other = (await enrol(Enrolment(fuel.id))).member
    before = await snapshot()
    # when the grocer enrols the other card as c-1
    refused = await _refused(Enrolment(grocer.id, customer_ref="c-1",
                                       card_number=other.card_number))
    # then it is refused, and nothing changed
    assert refused == (MemberErrorCode.CUSTOMER_REF_TAKEN, "customerRef")
    assert await snapshot() == before


@pytest.mark.parametrize(("card", "code"), [
    ("6299000000000000", MemberErrorCode.INVALID_CARD_NUMBER),  # a wrong check digit
    ("629900000000000" + luhn_check_digit("629900000000000"), MemberErrorCode.MEMBER_NOT_FOUND),
])
async def test_a_bad_or_unknown_card_cannot_be_linked(
    db: str, card: str, code: MemberErrorCode
) -> None:
    grocer, _ = await _partners()
    before = await snapshot()
    assert await _refused(Enrolment(grocer.id, card_number=card)) == (code, "cardNumber")
    assert await snapshot() == before


async def test_a_referral_code_links_the_referrer(db: str) -> None:
    # given a member with a referral code
    grocer, _ = await _partners()
    referrer = (await enrol(Enrolment(grocer.id))).member
    assert referrer.referral_code is not None
    # when a customer enrols with it
    referred = (await enrol(Enrolment(grocer.id, referral_code=referrer.referral_code))).member
    # then the new member records who referred them
    found = await rows("SELECT referred_by_member_id FROM members WHERE id = $1", referred.id)
    assert found[0]["referred_by_member_id"] == referrer.id


async def test_a_member_created_by_operations_is_linked_to_no_partner(db: str) -> None:
    # given a member created with no partner
    grocer, _ = await _partners()
    member = await create_member()
    # then it exists, but no partner can reach it
    assert await find_member(member.card_number) == member
    assert await find_linked_member(grocer.id, member.card_number) is None


async def test_get_linked_member_hides_whether_a_card_exists(db: str) -> None:
    # given a member of the grocer
    grocer, fuel = await _partners()
    member = (await enrol(Enrolment(grocer.id))).member
    # when the fuel station asks for it, and for a card that does not exist
    errors = []
    for card in (member.card_number, "0000000000000000"):
        with pytest.raises(DomainError) as raised:
            await get_linked_member(fuel.id, card)
        errors.append((raised.value.code, raised.value.message))
    # then both answers are the same
    assert errors[0] == errors[1]
    assert errors[0][0] == MemberErrorCode.MEMBER_NOT_FOUND
    assert await get_linked_member(grocer.id, member.card_number) == member
