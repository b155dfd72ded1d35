"""Run GraphQL operations as a verified partner, in process (the signature layer has its own
tests in test_signature_attacks.py): the given/when/then of one operation, nothing else."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from exchange.api.context import ExchangeContext, PartnerIdentity
from exchange.api.schema import schema
from exchange.registry.partners import PartnerRecord, create_partner
from exchange.registry.rates import Rate, set_rate


@dataclass(frozen=True)
class Caller:
    partner: PartnerRecord

    async def run(self, query: str, **variables: Any) -> dict[str, Any]:
        identity = PartnerIdentity(self.partner.id, self.partner.code, f"{self.partner.code}/k1")
        result = await schema.execute(
            query, variable_values=variables, context_value=ExchangeContext(None, None, identity),  # type: ignore[arg-type]
        )
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
