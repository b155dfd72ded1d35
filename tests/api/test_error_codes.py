"""Each operation's error enum lists exactly the codes its operation can raise, and each of those
codes is answered as itself. The schema is walked, so a new mutation is covered without a line
here; the codes an operation can raise are read from its code (tests/api/reachable_codes.py).

That reading over-approximates. Some listed codes no API call can provoke, so no API test shows
them: PARTNER_NOT_FOUND of earnQuote and purchaseRecord (the caller's own partner row, found by
its verified key; partners are never deleted), ACCOUNT_NOT_FOUND (accounts are opened with
their partner or member), OFFER_NOT_FOUND of offerCreate (the offer it has just inserted, read
back). Listing them costs clients nothing; missing one would turn it into "Unexpected error."
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from enum import Enum
from typing import Any

import pytest
from strawberry.types.base import get_object_definition
from strawberry.types.field import StrawberryField

from exchange.api.common import to_user_errors
from exchange.api.schema import Mutation, Query, schema
from exchange.errors import DomainError
from exchange.ledger.errors import LedgerErrorCode
from exchange.offers.errors import OfferErrorCode
from exchange.operations import purchases
from exchange.program.errors import ProgramErrorCode
from exchange.registry.partners import PartnerRecord
from exchange.settlement.errors import SettlementErrorCode
from tests.api.operations import Caller, recently
from tests.api.reachable_codes import error_codes, error_members

QUOTE = """
query($input: EarnQuoteInput!) {
  earnQuote(input: $input) { quote { points } errors { field code message } }
}"""


@dataclass(frozen=True)
class Operation:
    """A field of the schema that answers refusals in its payload's `errors`."""

    name: str
    resolver: Any
    payload: type
    error_type: Any  # a strawberry type made at run time
    code_enum: Any  # strawberry's definition of the GraphQL enum

    @property
    def type_prefix(self) -> str:
        return self.name[0].upper() + self.name[1:]


def _field(definition_of: type, python_name: str) -> StrawberryField | None:
    definition = get_object_definition(definition_of)
    if definition is None:
        return None
    return next((f for f in definition.fields if f.python_name == python_name), None)


def _operation(field: StrawberryField) -> Operation | None:
    errors = _field(field.type, "errors")  # type: ignore[arg-type]
    if errors is None or field.base_resolver is None:
        return None
    error_type = errors.type.of_type  # type: ignore[union-attr]
    code = _field(error_type, "code")
    assert code is not None, error_type
    return Operation(
        name=schema.config.name_converter.get_graphql_name(field),
        resolver=field.base_resolver.wrapped_func, payload=field.type,  # type: ignore[arg-type]
        error_type=error_type, code_enum=code.type,
    )


def _fields(root: type) -> list[StrawberryField]:
    definition = get_object_definition(root, strict=True)
    return list(definition.fields)


MUTATIONS = _fields(Mutation)
OPERATIONS = [op for f in (*MUTATIONS, *_fields(Query)) if (op := _operation(f)) is not None]
CODES = [(op, code) for op in OPERATIONS
         for code in sorted(error_members(op.resolver), key=lambda c: (c.name, repr(c)))]


def _name(value: Any) -> str:
    if isinstance(value, Operation):
        return value.name
    return f"{type(value).__name__}.{value.name}"


def test_every_mutation_answers_in_a_payload_of_its_own() -> None:
    # given every mutation of the schema, and earnQuote (a query with a payload)
    names = {op.name for op in OPERATIONS}
    assert {schema.config.name_converter.get_graphql_name(f) for f in MUTATIONS} <= names
    assert "earnQuote" in names
    # then each has its own payload, error type and error enum, named after it
    for op in OPERATIONS:
        assert op.payload.__name__ == f"{op.type_prefix}Payload"
        assert op.error_type.__name__ == f"{op.type_prefix}Error"
        assert op.code_enum.name == f"{op.type_prefix}ErrorCode"


@pytest.mark.parametrize("op", OPERATIONS, ids=_name)
def test_the_error_enum_lists_exactly_the_codes_the_operation_can_raise(op: Operation) -> None:
    listed = {value.name for value in op.code_enum.values}
    assert listed == error_codes(op.resolver)


@pytest.mark.parametrize(("op", "code"), CODES, ids=_name)
def test_every_code_an_operation_can_raise_is_answered_as_itself(
    op: Operation, code: Enum
) -> None:
    # given a refusal with this code
    error = DomainError(code, "refused", "member")
    # when the operation's mapping turns it into payload errors
    [answer] = to_user_errors(error, op.error_type)
    # then the answer carries the same code, in the operation's own enum, and the message
    assert isinstance(answer, op.error_type)
    assert answer.code is op.code_enum.wrapped_cls[code.name]
    assert (answer.field, answer.message) == (["cardNumber"], "refused")


def test_codes_of_one_name_from_two_domains_are_one_graphql_code() -> None:
    # given activityRecord, which can hit the ledger's and the program's LIMIT_EXCEEDED
    [op] = [op for op in OPERATIONS if op.name == "activityRecord"]
    ledger = DomainError(LedgerErrorCode.LIMIT_EXCEEDED, "too many points")
    program = DomainError(ProgramErrorCode.LIMIT_EXCEEDED, "daily cap reached")
    # then both are answered with its one LIMIT_EXCEEDED
    [first] = to_user_errors(ledger, op.error_type)
    [second] = to_user_errors(program, op.error_type)
    assert first.code is second.code is op.code_enum.wrapped_cls["LIMIT_EXCEEDED"]


@pytest.mark.parametrize("code", [
    SettlementErrorCode.PERIOD_CLOSED,  # another domain's code
    OfferErrorCode.PARTNER_NOT_FOUND,  # a listed name, but of a domain purchases never call
])
def test_a_code_the_enum_does_not_list_is_a_bug_not_an_answer(code: Enum) -> None:
    [op] = [op for op in OPERATIONS if op.name == "purchaseRecord"]
    with pytest.raises(AssertionError, match="PurchaseRecordErrorCode lacks"):
        to_user_errors(DomainError(code, "refused"), op.error_type)


async def test_an_unlisted_code_reaching_the_api_is_masked_and_logged(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    # given a quote that fails with a code earnQuote does not list (a bug, by construction)
    async def refuse(*_: object) -> None:
        raise DomainError(SettlementErrorCode.PERIOD_CLOSED, "no such refusal here")

    monkeypatch.setattr(purchases, "quote_purchase", refuse)
    grocer = Caller(PartnerRecord(1, "grocer", "Grocer", "active", 14, "EUR"))
    # when a partner asks for a quote
    with caplog.at_level(logging.ERROR, logger="exchange.api"):
        result = await grocer.execute(QUOTE, input={
            "cardNumber": "any", "orderId": "o-1", "occurredAt": recently(),
            "currency": "EUR", "total": "10.00",
        })
    # then it gets "Unexpected error.", and the server logs the missing code
    assert result.errors is not None
    assert [e.message for e in result.errors] == ["Unexpected error."]
    assert "EarnQuoteErrorCode lacks" in caplog.text
