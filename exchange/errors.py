"""The one expected-failure type of every domain package.

A `DomainError` says that a request cannot be carried out as asked (insufficient points, an
unknown card, a closed period). Each package owns an enum of its codes; the transaction that
raised the error is rolled back, so nothing changed, and the API turns it into a payload error
whose code the operation's GraphQL enum lists.
"""

from __future__ import annotations

from enum import Enum


class DomainError(Exception):
    def __init__(self, code: Enum, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.field = field

    def __repr__(self) -> str:
        return f"DomainError({self.code.value}, {self.message!r})"
