"""The verified partner behind a request, as the domain's operations take it."""

from __future__ import annotations

import strawberry

from exchange.api.context import require_partner
from exchange.program.partner_caller import PartnerCaller


def caller_of(info: strawberry.Info) -> PartnerCaller:
    identity = require_partner(info)
    return PartnerCaller(partner_id=identity.partner_id, code=identity.partner_code)
