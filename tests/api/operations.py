"""Run GraphQL operations as a verified partner, in process (the signature layer has its own
tests in test_signature_attacks.py): the given/when/then of one operation, nothing else."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from strawberry.types import ExecutionResult

from exchange.api.context import ExchangeContext, PartnerIdentity
from exchange.api.schema import schema
from exchange.registry.partners import PartnerRecord, create_partner
from exchange.registry.rates import Rate, set_rate


@dataclass(frozen=True)
class Caller:
    partner: PartnerRecord

    async def execute(self, query: str, **variables: Any) -> ExecutionResult:
        """The raw result, top-level errors included."""
        identity = PartnerIdentity(self.partner.id, self.partner.code, f"{self.partner.code}/k1")
        return await schema.execute(
            query, variable_values=variables, context_value=ExchangeContext(partner=identity),
        )

    async def run(self, query: str, **variables: Any) -> dict[str, Any]:
        result = await self.execute(query, **variables)
        assert result.errors is None, result.errors
        assert result.data is not None
        return result.data


async def partner_with_rate(
    code: str = "grocer",
    *,
    window_days: int = 14,
    earn_rate: str = "1",
    multipliers: dict[str, str] | None = None,
) -> Caller:
    record = await create_partner(code, code.title(), return_window_days=window_days)
    await set_rate(Rate(
        partner_id=record.id, purchase_currency="EUR", valid_from=0,
        earn_rate=Decimal(earn_rate), issue_price=Decimal("0.01"),
        redemption_price=Decimal("0.008"),
        category_multipliers={k: Decimal(v) for k, v in (multipliers or {}).items()},
    ))
    return Caller(record)


def recently(**delta: float) -> str:
    return (datetime.now(UTC) - timedelta(minutes=1, **delta)).isoformat()


ENROLL = """
mutation($input: MemberEnrollInput!) {
  memberEnroll(input: $input) {
    member { cardNumber balances { available pending held clawbackDebt } }
    isNewMember
    errors { field code message }
  }
}"""


async def enrolled_card(caller: Caller, **fields: Any) -> str:
    data = await caller.run(ENROLL, input=fields)
    assert data["memberEnroll"]["errors"] == []
    return data["memberEnroll"]["member"]["cardNumber"]


_ids = itertools.count(1)


def unique(prefix: str) -> str:
    """A fresh order id or idempotency key."""
    return f"{prefix}-{next(_ids)}"


def refusal(payload: dict[str, Any]) -> tuple[str, list[str] | None]:
    """The one error of a refused call's payload, as (code, field)."""
    assert len(payload["errors"]) == 1, payload
    error = payload["errors"][0]
    return error["code"], error["field"]


RECORD = """
mutation($input: PurchaseRecordInput!) {
  purchaseRecord(input: $input) {
    purchase { points pointsPending pointsAvailable pointsToDebt }
    errors { field code message }
  }
}"""


async def purchased(caller: Caller, card: str, total: str, **fields: Any) -> dict[str, Any]:
    """Record a purchase of `total` EUR (a fresh order id and key unless given)."""
    purchase = {
        "cardNumber": card, "orderId": unique("order"), "occurredAt": recently(),
        "currency": "EUR", "total": total, "idempotencyKey": unique("key"), **fields,
    }
    data = await caller.run(RECORD, input=purchase)
    assert data["purchaseRecord"]["errors"] == [], data
    return data["purchaseRecord"]["purchase"]


MEMBER = """
query($card: String!) {
  member(cardNumber: $card) { balances { available pending held clawbackDebt } }
}"""


async def balances_of(caller: Caller, card: str) -> dict[str, int]:
    data = await caller.run(MEMBER, card=card)
    assert data["member"] is not None
    return data["member"]["balances"]


REDEMPTION = "redemption { id status points pointsCaptured pointsReleased expiresAt }"
AUTHORIZE = f"""
mutation($input: RedemptionAuthorizeInput!) {{
  redemptionAuthorize(input: $input) {{ {REDEMPTION} errors {{ field code message }} }}
}}"""
REDEEM = f"""
mutation($input: PointsRedeemInput!) {{
  pointsRedeem(input: $input) {{ {REDEMPTION} errors {{ field code message }} }}
}}"""


async def authorized(caller: Caller, card: str, points: int) -> dict[str, Any]:
    """A hold of `points` on the card at the caller's till."""
    data = await caller.run(AUTHORIZE, input={
        "cardNumber": card, "points": points, "idempotencyKey": unique("key"),
    })
    assert data["redemptionAuthorize"]["errors"] == [], data
    return data["redemptionAuthorize"]["redemption"]


async def redeemed(caller: Caller, card: str, points: int) -> dict[str, Any]:
    """`points` burned in one step at the caller's till."""
    data = await caller.run(REDEEM, input={
        "cardNumber": card, "points": points, "idempotencyKey": unique("key"),
    })
    assert data["pointsRedeem"]["errors"] == [], data
    return data["pointsRedeem"]["redemption"]


async def member_with_points(caller: Caller, points: int) -> str:
    """A card enrolled at the caller with `points` available (its return window must be 0)."""
    card = await enrolled_card(caller)
    earned = await purchased(caller, card, f"{points}.00")
    assert earned["pointsAvailable"] == points, earned
    return card


async def expire_lots_of_card(card: str) -> None:
    """Given: the card's lots reached their expiry a second ago (lots are dated when earned,
    so a test cannot wait for them), and the sweep that moves expired points ran."""
    from exchange.clock import now_us
    from exchange.db import connection, execute
    from exchange.operations import sweeps

    past = now_us() - 1_000_000
    await execute(connection(), "UPDATE lots SET expires_at = $1 WHERE member_id = "
                                "(SELECT id FROM members WHERE card_number = $2)", past, card)
    await sweeps.expire_lots(now_us())
