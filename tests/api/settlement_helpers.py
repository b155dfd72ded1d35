"""A settled March for the settlement operations' tests: two partners, a burn across them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from exchange.api.context import ExchangeContext, PartnerIdentity
from exchange.api.schema import schema
from exchange.members.service import create_member
from exchange.registry.admin_tokens import AdminIdentity
from exchange.registry.partners import PartnerRecord
from tests.settlement.factories import at, earn, partner, redeem

ADMIN = AdminIdentity(name="ada", token_id=1, expires_at=at(1, 1, year=2030))


@dataclass(frozen=True)
class March:
    grocer: PartnerRecord
    fuel: PartnerRecord


BEGIN = """
mutation($period: String!) {
  settlementBegin(input: {period: $period}) { firstPeriod errors { field code message } }
}"""


async def begin(label: str) -> None:
    """An admin sets the coalition's first settlement month."""
    result = await as_admin(BEGIN, period=label)
    assert result.errors is None
    assert result.data["settlementBegin"] == {"firstPeriod": label, "errors": []}


async def march_activity(first_month: str | None = "2026-03", february: bool = False) -> March:
    """Grocer issues 1000 at 0.010, fuel 200 at 0.020; 300 burn at fuel (0.015); with
    `february`, grocer issued 70 on 20 February too. The coalition settles from `first_month`
    (None: not set yet)."""
    grocer = await partner("grocer", (at(1, 1), "0.010", "0.008"))
    fuel = await partner("fuel", (at(1, 1), "0.020", "0.015"))
    member = await create_member()
    if february:
        await earn(member.id, grocer.id, 70, at(20, 2))
    await earn(member.id, grocer.id, 1000, at(10))
    await earn(member.id, fuel.id, 200, at(5))
    await redeem(member.id, fuel.id, 300, at(25))
    if first_month is not None:
        await begin(first_month)
    return March(grocer, fuel)


async def as_admin(query: str, **variables: Any) -> Any:
    return await schema.execute(query, variable_values=variables,
                                context_value=ExchangeContext(admin=ADMIN))


async def as_partner(record: PartnerRecord, query: str, **variables: Any) -> Any:
    identity = PartnerIdentity(record.id, record.code, f"{record.code}/k1")
    return await schema.execute(query, variable_values=variables,
                                context_value=ExchangeContext(partner=identity))


def error_code(result: Any) -> str:
    assert result.errors, "expected a top-level error"
    return str(result.errors[0].extensions["code"])
