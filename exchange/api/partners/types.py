"""GraphQL types of the calling partner's own record."""

from __future__ import annotations

import strawberry


@strawberry.type(description="The calling partner, as the exchange knows it.")
class Partner:
    code: str
    name: str
    status: str
    return_window_days: int
    settlement_currency: str
    active_key_ids: list[str] = strawberry.field(
        description="Key ids that may sign requests now (several while keys rotate)."
    )
