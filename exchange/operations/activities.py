"""Points for non-purchase actions a partner rewards (reviews, quizzes, shares)."""

from __future__ import annotations

from exchange.callers import Caller
from exchange.config import load_settings
from exchange.errors import DomainError
from exchange.ledger import awards
from exchange.ledger.awards import Award, AwardResult
from exchange.ledger.expiry import lock_settled_member
from exchange.ledger.journal import Journal
from exchange.members.service import get_linked_member
from exchange.operations.pricing import prices_at
from exchange.operations.unit import run_once
from exchange.program import activities
from exchange.program.errors import ProgramErrorCode
from exchange.registry.activities import Activity, find_activity


async def record_activity(
    caller: Caller, card_number: str, kind: str, idempotency_key: str
) -> AwardResult:
    partner_id = caller.partner_id_or_raise()
    member = await get_linked_member(partner_id, card_number)
    activity = await find_activity(partner_id, kind)
    if activity is None:
        raise DomainError(ProgramErrorCode.UNKNOWN_ACTIVITY,
                          f"{caller.name} rewards no activity {kind!r}", "kind")
    request = Award(member_id=member.id, partner_id=partner_id, activity=kind,
                    points=activity.points,
                    lifetime_days=load_settings().points_lifetime_days)
    return await run_once(
        "award_points", request, AwardResult,
        lambda journal: _award(journal, request, activity),
        caller=caller.label, idempotency_key=idempotency_key,
    )


async def _award(journal: Journal, request: Award, activity: Activity) -> AwardResult:
    accounts = await lock_settled_member(journal, request.member_id)
    await activities.check_daily_cap(journal.conn, request.member_id, activity, journal.now_us)
    await activities.record_award(journal.conn, request.member_id, activity, journal.now_us)
    prices = await prices_at(journal.conn, request.partner_id, journal.now_us)
    return await awards.award(journal, accounts, request, prices.issue_price)
