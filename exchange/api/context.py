"""What a resolver knows about its caller: `info.context` for every GraphQL operation."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from exchange.api.errors import CodedError

PARTNER_SCOPE_KEY = "exchange.partner"  # where SignedRequests leaves the verified identity


@dataclass(frozen=True, slots=True)
class PartnerIdentity:
    """A partner as its verified key names it; never taken from the request body."""

    partner_id: int
    partner_code: str
    key_id: str


@dataclass(frozen=True, slots=True)
class ExchangeContext:
    request: Request | None = None
    response: Response | None = None
    partner: PartnerIdentity | None = None


def require_partner(info: Any) -> PartnerIdentity:
    """The calling partner, or a top-level UNAUTHENTICATED error when no partner signed."""
    partner = info.context.partner
    if partner is None:
        raise CodedError("UNAUTHENTICATED", "This operation needs a signed partner request.")
    return partner
