"""What a partner may see of a member: card, balances, next expiry."""

from __future__ import annotations

from dataclasses import dataclass

from exchange.ledger.balances import MemberBalances, member_balances
from exchange.members.service import Enrolment, MemberRecord, enrol, find_linked_member


@dataclass(frozen=True, slots=True)
class MemberView:
    member: MemberRecord
    balances: MemberBalances
    is_new_member: bool = False


async def member_view(partner_id: int, card_number: str) -> MemberView | None:
    member = await find_linked_member(partner_id, card_number)
    if member is None:
        return None
    return MemberView(member, await member_balances(member.id))


async def enrol_and_view(enrolment: Enrolment) -> MemberView:
    """Enrol (see `members.service.enrol`) and return what the partner now sees."""
    result = await enrol(enrolment)
    balances = await member_balances(result.member.id)
    return MemberView(result.member, balances, is_new_member=result.is_new_member)
