"""What a resolver knows about its caller: `info.context` for every GraphQL operation."""

from __future__ import annotations

from dataclasses import dataclass

import strawberry
from starlette.requests import Request
from starlette.responses import Response

from exchange.api.errors import CodedError
from exchange.registry.admin_tokens import AdminIdentity

PARTNER_SCOPE_KEY = "exchange.partner"  # where SignedRequests leaves the verified identity
ADMIN_SCOPE_KEY = "exchange.admin"  # where Authenticate leaves the admin a bearer token names


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
    admin: AdminIdentity | None = None


def require_partner(info: strawberry.Info) -> PartnerIdentity:
    """The calling partner; FORBIDDEN for an admin, UNAUTHENTICATED for nobody."""
    context: ExchangeContext = info.context
    if context.partner is not None:
        return context.partner
    if context.admin is not None:
        raise CodedError("FORBIDDEN", "This operation is for partners; admins cannot call it.")
    raise CodedError("UNAUTHENTICATED", "This operation needs a signed partner request.")


def require_admin(info: strawberry.Info) -> AdminIdentity:
    """The calling admin; FORBIDDEN for a partner, UNAUTHENTICATED for nobody."""
    context: ExchangeContext = info.context
    if context.admin is not None:
        return context.admin
    if context.partner is not None:
        raise CodedError("FORBIDDEN", "This operation is for admins; partners cannot call it.")
    raise CodedError("UNAUTHENTICATED", "This operation needs an admin bearer token.")
