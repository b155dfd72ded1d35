"""What every API domain shares: user errors, money, conversions, the domain-error bridge."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import Enum
from typing import Any

import strawberry

from exchange.api.scalars import StrictDecimal
from exchange.clock import from_us, to_us

# Ledger field names as the API's inputs name them.
_CAMEL = {
    "member": "cardNumber", "partner": "partner", "holdId": "redemptionId", "activity": "kind",
}


def merged_enum(name: str, *sources: type[Enum]) -> Any:
    """One GraphQL error-code enum made of the codes of the domains an operation calls."""
    values = {member.name: member.value for source in sources for member in source}
    return strawberry.enum(Enum(name, values), description=f"Codes of {name[:-9]} errors.")


def user_error_type(name: str, code_enum: Any) -> Any:
    """`UserError { field, code, message }` typed with the operation's own code enum."""
    # Real annotation objects, not strings: the enum exists only in this call's scope.
    annotations = {"field": list[str] | None, "code": code_enum, "message": str}
    cls = type(name, (), {"__annotations__": annotations})
    return strawberry.type(cls, description="An expected failure; nothing was changed.")


def to_user_errors(error: Exception, error_type: Any, code_enum: Any) -> list[Any]:
    field = getattr(error, "field", None)
    path = [_CAMEL.get(field, field)] if field else None
    return [error_type(field=path, code=code_enum[error.code.name], message=error.message)]


@strawberry.type(description="An exact amount of money in an ISO 4217 currency.")
class Money:
    amount: StrictDecimal
    currency: str


def moment(at_us: int) -> datetime:
    return from_us(at_us)


def moment_us(at: datetime) -> int:
    return to_us(at)


def money(amount: Decimal, currency: str) -> Money:
    return Money(amount=amount, currency=currency)
