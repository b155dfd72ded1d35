"""Members: enrolment by a partner, links between partners and members, lookups.

A partner sees a member only through a link: it enrolled the member, or the customer showed
their card there (an enrolment with the card number). Every partner-facing lookup goes through
`find_linked_member`, so no query can reach a member the caller is not linked to.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import date

from tortoise import BaseDBAsyncClient
from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from exchange import limits
from exchange.clock import now_us
from exchange.db import connection, fetch, fetch_one_as, fetch_value
from exchange.errors import DomainError
from exchange.ledger.accounts import open_member_accounts
from exchange.members.cards import is_valid_card_number, new_card_number
from exchange.members.errors import MemberErrorCode

_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]{1,189}\.[^@\s]{1,63}$")
_CUSTOMER_REF = re.compile(r"^[\x21-\x7e]{1,64}$")
_REFERRAL_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud safely
_REFERRAL_LENGTH = 8
_COLUMNS = "id, card_number, email, birth_date, referral_code, created_at"  # MemberRecord's
_MEMBER_COLUMNS = ", ".join("m." + column for column in _COLUMNS.split(", "))


@dataclass(frozen=True, slots=True)
class MemberRecord:
    id: int
    card_number: str
    created_at: int
    email: str | None = None
    birth_date: str | None = None
    referral_code: str | None = None


@dataclass(frozen=True, slots=True)
class Enrolment:
    partner_id: int
    customer_ref: str | None = None
    card_number: str | None = None  # given: link this existing card; absent: issue a new one
    email: str | None = None
    birth_date: str | None = None
    referral_code: str | None = None


@dataclass(frozen=True, slots=True)
class EnrolResult:
    member: MemberRecord
    is_new_member: bool


def validate_enrolment(enrolment: Enrolment) -> None:
    if enrolment.card_number is not None and not is_valid_card_number(enrolment.card_number):
        raise DomainError(MemberErrorCode.INVALID_CARD_NUMBER, "not a valid card number",
                          "cardNumber")
    if enrolment.customer_ref is not None and not _CUSTOMER_REF.match(enrolment.customer_ref):
        raise DomainError(MemberErrorCode.INVALID_CUSTOMER_REF,
                          "1 to 64 printable ASCII characters", "customerRef")
    if enrolment.email is not None and not _EMAIL.match(enrolment.email):
        raise DomainError(MemberErrorCode.INVALID_EMAIL, "not an email address", "email")
    if enrolment.birth_date is not None:
        _check_birth_date(enrolment.birth_date)


def _check_birth_date(text: str) -> None:
    try:
        born = date.fromisoformat(text)
    except ValueError:
        born = None
    if born is None or len(text) != 10 or not date(1900, 1, 1) <= born <= date.today():
        raise DomainError(MemberErrorCode.INVALID_BIRTH_DATE, "a past date, YYYY-MM-DD",
                          "birthDate")


async def enrol(enrolment: Enrolment) -> EnrolResult:
    """Issue a card (new member) or link an existing card; both link the member to the partner.

    Enrolling the same customer again returns the same member (safe to retry).
    """
    validate_enrolment(enrolment)
    if enrolment.customer_ref is not None:
        known = await _member_by_customer_ref(enrolment.partner_id, enrolment.customer_ref)
        if known is not None:
            if enrolment.card_number not in (None, known.card_number):
                raise DomainError(MemberErrorCode.CUSTOMER_REF_TAKEN,
                                  "this customer ref is linked to another card", "customerRef")
            return EnrolResult(known, is_new_member=False)
    if enrolment.card_number is not None:
        return await _link_existing(enrolment)
    return EnrolResult(await _create(enrolment), is_new_member=True)


async def _link_existing(enrolment: Enrolment) -> EnrolResult:
    assert enrolment.card_number is not None
    member = await find_member(enrolment.card_number)
    if member is None:
        raise DomainError(MemberErrorCode.MEMBER_NOT_FOUND, "no member has this card",
                          "cardNumber")
    async with in_transaction("default") as conn:
        await _link(conn, member.id, enrolment)
    return EnrolResult(member, is_new_member=False)


async def _create(enrolment: Enrolment) -> MemberRecord:
    referrer_id = await _referrer(enrolment.referral_code)
    for _ in range(limits.card_number_attempts_max):
        card_number, created_at = new_card_number(), now_us()
        try:
            async with in_transaction("default") as conn:
                member_id = await fetch_value(
                    conn, int,
                    "INSERT INTO members (card_number, email, birth_date, referral_code, "
                    "referred_by_member_id, created_at) VALUES ($1, $2, $3, $4, $5, $6) "
                    "RETURNING id",
                    card_number, enrolment.email, enrolment.birth_date, _new_referral_code(),
                    referrer_id, created_at,
                )
                assert member_id is not None
                await open_member_accounts(conn, member_id, created_at)
                if enrolment.partner_id:  # 0: no partner enrolled them (create_member)
                    await _link(conn, member_id, enrolment)
        except IntegrityError:
            continue  # a card number or referral code collision: draw again
        found = await find_member(card_number)
        assert found is not None
        return found
    raise RuntimeError("could not issue a unique card number")


async def _link(conn: BaseDBAsyncClient, member_id: int, enrolment: Enrolment) -> None:
    """Link member and partner; an existing link keeps its customer ref unless it had none."""
    try:
        await fetch(
            conn,
            "INSERT INTO member_links (member_id, partner_id, customer_ref, created_at) "
            "VALUES ($1, $2, $3, $4) ON CONFLICT (partner_id, member_id) DO UPDATE SET "
            "customer_ref = COALESCE(member_links.customer_ref, excluded.customer_ref) "
            "RETURNING id",
            member_id, enrolment.partner_id, enrolment.customer_ref, now_us(),
        )
    except IntegrityError:
        raise DomainError(MemberErrorCode.CUSTOMER_REF_TAKEN,
                          "this customer ref is linked to another card", "customerRef") from None


async def _referrer(referral_code: str | None) -> int | None:
    if referral_code is None:
        return None
    referrer_id = await fetch_value(
        connection(), int, "SELECT id FROM members WHERE referral_code = $1",
        referral_code.upper(),
    )
    if referrer_id is None:
        raise DomainError(MemberErrorCode.INVALID_REFERRAL_CODE, "unknown referral code",
                          "referralCode")
    return referrer_id


def _new_referral_code() -> str:
    return "".join(secrets.choice(_REFERRAL_ALPHABET) for _ in range(_REFERRAL_LENGTH))


async def create_member() -> MemberRecord:
    """A member with no partner link (operations, tests and the demo)."""
    return await _create(Enrolment(partner_id=0))


async def find_member(card_number: str) -> MemberRecord | None:
    return await fetch_one_as(
        connection(), MemberRecord, f"SELECT {_COLUMNS} FROM members WHERE card_number = $1",
        card_number,
    )


async def find_linked_member(partner_id: int, card_number: str) -> MemberRecord | None:
    """The member with this card, if and only if the partner is linked to them."""
    return await fetch_one_as(
        connection(), MemberRecord,
        f"SELECT {_MEMBER_COLUMNS} FROM members m JOIN member_links l ON l.member_id = m.id "
        "WHERE m.card_number = $1 AND l.partner_id = $2",
        card_number, partner_id,
    )


async def get_linked_member(partner_id: int, card_number: str) -> MemberRecord:
    found = await find_linked_member(partner_id, card_number)
    if found is None:
        # Same answer for "no such card" and "not linked to you": existence is not leaked.
        raise DomainError(MemberErrorCode.MEMBER_NOT_FOUND,
                          "no member with this card is linked to you", "cardNumber")
    return found


async def _member_by_customer_ref(partner_id: int, customer_ref: str) -> MemberRecord | None:
    return await fetch_one_as(
        connection(), MemberRecord,
        f"SELECT {_MEMBER_COLUMNS} FROM members m JOIN member_links l ON l.member_id = m.id "
        "WHERE l.partner_id = $1 AND l.customer_ref = $2",
        partner_id, customer_ref,
    )

