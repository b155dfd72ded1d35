"""The verified caller behind a request, as the use cases take it."""

from __future__ import annotations

import strawberry

from exchange.api.context import ExchangeContext, require_admin, require_partner
from exchange.callers import Caller


def caller_of(info: strawberry.Info) -> Caller:
    """The calling partner; FORBIDDEN for an admin, UNAUTHENTICATED for nobody."""
    identity = require_partner(info)
    return Caller.partner(identity.partner_id, identity.partner_code)


def admin_of(info: strawberry.Info) -> Caller:
    """The calling admin; FORBIDDEN for a partner, UNAUTHENTICATED for nobody."""
    return Caller.admin(require_admin(info).name)


def partner_or_admin(info: strawberry.Info) -> Caller:
    """The calling admin, or else the calling partner (UNAUTHENTICATED for nobody)."""
    context: ExchangeContext = info.context
    if context.admin is not None:
        return Caller.admin(context.admin.name)
    return caller_of(info)
