"""What every API domain shares: user errors, money, conversions, the domain-error bridge."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from enum import Enum
from typing import Any, TypeVar

import strawberry

from exchange.api.scalars import StrictDecimal
from exchange.clock import to_us
from exchange.errors import DomainError
from exchange.ledger.errors import LedgerErrorCode

# Ledger field names as the API's inputs name them.
_CAMEL = {
    "member": "cardNumber", "partner": "partner", "holdId": "redemptionId", "activity": "kind",
}
_SUFFIX = "ErrorCode"
T = TypeVar("T")

# For each operation's code enum, the domain codes it answers and the GraphQL code of each.
_ANSWERS: dict[type[Enum], dict[Enum, Enum]] = {}


# What every idempotent ledger write can answer, whatever the operation: a malformed or reused
# key, and a partner or operator account that is missing (only when the data is broken).
LEDGER_WRITE_CODES = (
    LedgerErrorCode.INVALID_IDEMPOTENCY_KEY, LedgerErrorCode.IDEMPOTENCY_KEY_REUSED,
    LedgerErrorCode.ACCOUNT_NOT_FOUND,
)


def _error_enum(name: str, codes: tuple[Enum, ...]) -> Any:
    """The GraphQL error-code enum of one operation: exactly the domain codes it can raise.
    Codes of different domains with one name (the ledger's and the program's LIMIT_EXCEEDED)
    are one GraphQL value."""
    assert len(set(codes)) == len(codes), name
    # Values are the names: equal values would make Python enum aliases and drop codes.
    names = sorted({code.name for code in codes})  # the schema lists them in name order
    enum = Enum(name, {each: each for each in names})  # type: ignore[misc]
    _ANSWERS[enum] = {code: enum[code.name] for code in codes}
    operation = name[0].lower() + name[1:-len(_SUFFIX)]
    return strawberry.enum(
        enum, description=f"Codes of {operation} errors: exactly those it can answer."
    )


def user_error(*codes: Enum) -> Callable[[type[T]], type[T]]:
    """Make the decorated (empty) class `<Op>Error` the GraphQL `UserError { field, code,
    message }` of one operation, its code an `<Op>ErrorCode` enum of exactly these domain codes.

    Declared once, next to the operation's types; tests/api/test_error_codes.py checks the list
    against the codes its resolver can reach. A class, not a call's result, so type checkers
    see a type.
    """

    def build(cls: type[T]) -> type[T]:
        code_enum = _error_enum(f"{cls.__name__}Code", codes)
        # Real annotation objects, not strings: the enum exists only in this call's scope.
        annotations = {"field": list[str] | None, "code": code_enum, "message": str}
        made = type(cls.__name__, (), {"__annotations__": annotations, "__doc__": cls.__doc__})
        typed: type[T] = strawberry.type(
            made, description="An expected failure; nothing was changed.")
        return typed

    return build


def to_user_errors(error: DomainError, error_type: Any) -> list[Any]:
    """The payload errors of a refused operation, coded with the operation's own enum.

    Total by construction: each enum lists every code its operation can raise. A code it lacks
    is a bug, so it is raised (masked as "Unexpected error." and logged) rather than answered
    with some other code.
    """
    code_enum = error_type.__annotations__["code"]
    code = _ANSWERS[code_enum].get(error.code)
    if code is None:
        raise AssertionError(f"{code_enum.__name__} lacks {error.code!r}: {error.message}")
    field = error.field
    path = [_CAMEL.get(field, field)] if field else None
    return [error_type(field=path, code=code, message=error.message)]


@strawberry.type(description="An exact amount of money in an ISO 4217 currency.")
class Money:
    amount: StrictDecimal
    currency: str


def moment_us(at: datetime) -> int:
    return to_us(at)


def money(amount: Decimal, currency: str) -> Money:
    return Money(amount=StrictDecimal(amount), currency=currency)
