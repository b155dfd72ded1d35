"""Points for non-purchase actions a partner rewards (reviews, quizzes, shares)."""

from __future__ import annotations

from exchange.errors import DomainError
from exchange.ledger import service as ledger
from exchange.ledger.awards import Award, AwardResult
from exchange.members.service import get_linked_member
from exchange.program.errors import ProgramErrorCode
from exchange.program.partner_caller import PartnerCaller
from exchange.program.purchases import POINTS_LIFETIME_DAYS
from exchange.registry.activities import find_activity


async def record_activity(
    caller: PartnerCaller, card_number: str, kind: str, idempotency_key: str
) -> AwardResult:
    member = await get_linked_member(caller.partner_id, card_number)
    activity = await find_activity(caller.partner_id, kind)
    if activity is None:
        raise DomainError(ProgramErrorCode.UNKNOWN_ACTIVITY,
                           f"{caller.code} rewards no activity {kind!r}", "kind")
    return await ledger.award_points(
        Award(
            member_id=member.id, partner_id=caller.partner_id, activity=kind,
            points=activity.points, daily_count_max=activity.daily_count_max,
            lifetime_days=POINTS_LIFETIME_DAYS,
        ),
        caller=caller.ledger_caller, idempotency_key=idempotency_key,
    )
