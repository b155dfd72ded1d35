"""Strict scalars: money never travels as a float, times always carry a zone."""

from __future__ import annotations

import re
from datetime import datetime
from decimal import Decimal
from typing import NewType

import strawberry
from graphql import GraphQLError
from strawberry.types.scalar import ScalarDefinition

from exchange.clock import from_us

_DECIMAL = re.compile(r"^-?(0|[1-9][0-9]{0,17})(\.[0-9]{1,12})?$")


# Refusals are GraphQLErrors, not ValueErrors: graphql-core keeps a ValueError raised while
# validating a literal (`total: 12.5` in the query) as the original error, and MaskErrors would
# then hide the client's mistake as "Unexpected error." and log it as a server fault.


def _parse_decimal(value: object) -> Decimal:
    # Only a JSON string: a JSON number has already been through a float somewhere.
    if not isinstance(value, str) or not _DECIMAL.match(value):
        raise GraphQLError(
            "a Decimal is a string such as \"12.34\" (no exponent, NaN or Infinity)"
        )
    return Decimal(value)


def _parse_datetime(value: object) -> datetime:
    if not isinstance(value, str):
        raise GraphQLError("a DateTime is an ISO 8601 string")
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise GraphQLError(
            "a DateTime is an ISO 8601 string such as 2026-11-23T10:00:00Z"
        ) from None
    if moment.tzinfo is None:
        raise GraphQLError("a DateTime must carry a time zone (Z or +hh:mm)")
    return moment


StrictDecimal = NewType("StrictDecimal", Decimal)
ZonedDateTime = NewType("ZonedDateTime", datetime)


def zoned_at(at_us: int) -> ZonedDateTime:
    """A stored moment (microseconds since the epoch) as the API shows it: in UTC."""
    return ZonedDateTime(from_us(at_us))


# Given to StrawberryConfig(scalar_map=...): the NewTypes above are the annotations.
SCALAR_MAP: dict[object, ScalarDefinition] = {
    StrictDecimal: strawberry.scalar(
        name="Decimal",
        description="An exact decimal number as a string, e.g. \"12.34\"; never a float.",
        serialize=str,
        parse_value=_parse_decimal,
    ),
    ZonedDateTime: strawberry.scalar(
        name="DateTime",
        description="An ISO 8601 date and time with a zone, e.g. \"2026-11-23T10:00:00Z\".",
        serialize=lambda moment: moment.isoformat(),
        parse_value=_parse_datetime,
    ),
}
