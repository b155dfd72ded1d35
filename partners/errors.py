"""What the signed client raises: one type per way a call can fail, each safe to match on."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any


class ExchangeError(Exception):
    """Base of every error the exchange client raises."""


class AuthenticationError(ExchangeError):
    """The exchange refused the signature or key (HTTP 401); retrying the same would not help."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


class GraphQLRequestError(ExchangeError):
    """Top-level GraphQL errors: the operation was refused or failed as a whole."""

    def __init__(self, errors: Sequence[Mapping[str, Any]], data: Any = None) -> None:
        super().__init__("; ".join(_describe(error) for error in errors))
        self.errors = list(errors)
        self.data = data

    @property
    def codes(self) -> list[str]:
        return [error.get("extensions", {}).get("code", "") for error in self.errors]


class PayloadError(ExchangeError):
    """A mutation's payload carried `errors`: an expected refusal, nothing was changed."""

    def __init__(self, errors: Sequence[Mapping[str, Any]]) -> None:
        super().__init__("; ".join(f"{e.get('code')}: {e.get('message')}" for e in errors))
        self.errors = list(errors)

    @property
    def codes(self) -> list[str]:
        return [error.get("code", "") for error in self.errors]


class UnexpectedResponseError(ExchangeError):
    """An answer that is not GraphQL: a redirect, a proxy's error page, a wrong URL."""

    def __init__(self, status_code: int, detail: str) -> None:
        super().__init__(f"HTTP {status_code}: {detail}")
        self.status_code = status_code


class TransportError(ExchangeError):
    """Every attempt failed in transit or with 502/503/504; the last cause is chained."""


def _describe(error: Mapping[str, Any]) -> str:
    code = error.get("extensions", {}).get("code")
    message = str(error.get("message", ""))
    return f"{code}: {message}" if code else message
