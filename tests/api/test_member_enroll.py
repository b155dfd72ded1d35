"""memberEnroll: a new card is issued, or a card the customer showed is linked to the caller."""

from __future__ import annotations

import pytest

from exchange.members.cards import is_valid_card_number, luhn_check_digit
from tests.api.operations import ENROLL, MEMBER, enrolled_card, partner_with_rate, refusal
from tests.ledger.helpers import row, snapshot

ENROLL_WITH_CODE = """
mutation($input: MemberEnrollInput!) {
  memberEnroll(input: $input) {
    member { cardNumber referralCode }
    isNewMember
    errors { field code message }
  }
}"""
NEVER_ISSUED = "629900000000000" + luhn_check_digit("629900000000000")


async def test_a_new_customer_gets_a_new_card_with_empty_balances(db: str) -> None:
    # given a grocer
    grocer = await partner_with_rate()
    # when it enrols a customer with no card
    data = await grocer.run(ENROLL, input={"customerRef": "c-1", "email": "ann@example.com",
                                           "birthDate": "1990-02-28"})
    # then a valid card is issued to a new member with nothing on it
    enrolment = data["memberEnroll"]
    assert enrolment["errors"] == []
    assert enrolment["isNewMember"] is True
    assert is_valid_card_number(enrolment["member"]["cardNumber"])
    assert enrolment["member"]["balances"] == {
        "available": 0, "pending": 0, "held": 0, "clawbackDebt": 0,
    }


async def test_enrolling_the_same_customer_again_returns_the_same_member(db: str) -> None:
    # given a customer the grocer enrolled
    grocer = await partner_with_rate()
    card = await enrolled_card(grocer, customerRef="c-1")
    before = await snapshot()
    # when the grocer enrols the same customer ref again (a retry)
    data = await grocer.run(ENROLL, input={"customerRef": "c-1"})
    # then it gets the same member back, and nothing new is created
    assert data["memberEnroll"]["member"]["cardNumber"] == card
    assert data["memberEnroll"]["isNewMember"] is False
    assert await snapshot() == before


async def test_a_card_shown_at_a_second_partner_is_linked_to_it(db: str) -> None:
    # given a card issued at the grocer, and a fuel station that cannot see it yet
    grocer = await partner_with_rate()
    fuel = await partner_with_rate("fuel")
    card = await enrolled_card(grocer, customerRef="c-1")
    assert (await fuel.run(MEMBER, card=card))["member"] is None
    # when the customer shows the card at the fuel station
    data = await fuel.run(ENROLL, input={"cardNumber": card, "customerRef": "f-7"})
    # then the fuel station is linked to the same member
    assert data["memberEnroll"]["errors"] == []
    assert data["memberEnroll"]["isNewMember"] is False
    assert data["memberEnroll"]["member"]["cardNumber"] == card
    assert (await fuel.run(MEMBER, card=card))["member"] is not None


async def test_a_referral_code_records_the_referrer(db: str) -> None:
    # given a member with a referral code
    grocer = await partner_with_rate()
    first = await grocer.run(ENROLL_WITH_CODE, input={"customerRef": "c-1"})
    referrer = first["memberEnroll"]["member"]
    # when a new customer enrols with that code, typed in lower case
    data = await grocer.run(ENROLL_WITH_CODE, input={
        "customerRef": "c-2", "referralCode": referrer["referralCode"].lower(),
    })
    # then the new member is recorded as referred by the first one
    card = data["memberEnroll"]["member"]["cardNumber"]
    referred = await row("SELECT referred_by_member_id FROM members WHERE card_number = $1", card)
    origin = await row("SELECT id FROM members WHERE card_number = $1", referrer["cardNumber"])
    assert referred["referred_by_member_id"] == origin["id"]


@pytest.mark.parametrize(("fields", "code", "field"), [
    ({"cardNumber": "6299000000000001"}, "INVALID_CARD_NUMBER", "cardNumber"),
    ({"cardNumber": "62990000abc"}, "INVALID_CARD_NUMBER", "cardNumber"),
    ({"cardNumber": NEVER_ISSUED}, "MEMBER_NOT_FOUND", "cardNumber"),
    ({"customerRef": "has space"}, "INVALID_CUSTOMER_REF", "customerRef"),
    ({"customerRef": "x" * 65}, "INVALID_CUSTOMER_REF", "customerRef"),
    ({"email": "not-an-email"}, "INVALID_EMAIL", "email"),
    ({"email": "ann@example"}, "INVALID_EMAIL", "email"),
    ({"birthDate": "1990-02-30"}, "INVALID_BIRTH_DATE", "birthDate"),
    ({"birthDate": "19900228"}, "INVALID_BIRTH_DATE", "birthDate"),
    ({"birthDate": "2999-01-01"}, "INVALID_BIRTH_DATE", "birthDate"),
    ({"birthDate": "1850-01-01"}, "INVALID_BIRTH_DATE", "birthDate"),
    ({"referralCode": "NOPE2345"}, "INVALID_REFERRAL_CODE", "referralCode"),
])
async def test_invalid_input_is_refused_and_nothing_changes(
    db: str, fields: dict[str, str], code: str, field: str
) -> None:
    # given a grocer
    grocer = await partner_with_rate()
    before = await snapshot()
    # when it enrols a customer with one bad field
    data = await grocer.run(ENROLL, input=fields)
    # then the enrolment is refused on that field, and nothing was written
    assert data["memberEnroll"]["member"] is None
    assert refusal(data["memberEnroll"]) == (code, [field])
    assert await snapshot() == before


async def test_a_customer_ref_linked_to_another_card_is_refused(db: str) -> None:
    # given the grocer's customer c-1 on one card, and another card issued at the fuel station
    grocer = await partner_with_rate()
    fuel = await partner_with_rate("fuel")
    await enrolled_card(grocer, customerRef="c-1")
    other = await enrolled_card(fuel, customerRef="f-1")
    before = await snapshot()
    # when the grocer links the other card under the same customer ref
    data = await grocer.run(ENROLL, input={"customerRef": "c-1", "cardNumber": other})
    # then it is refused, and the other card stays unlinked to the grocer
    assert refusal(data["memberEnroll"]) == ("CUSTOMER_REF_TAKEN", ["customerRef"])
    assert await snapshot() == before
    assert (await grocer.run(MEMBER, card=other))["member"] is None
