"""GraphQL types of the admin operations."""

from __future__ import annotations

import strawberry

from exchange.api.scalars import ZonedDateTime


@strawberry.type(description="The admin calling, as their bearer token names them.")
class AdminInfo:
    name: str
    token_id: int = strawberry.field(description="The id `exchange admin token list` shows.")
    token_expires_at: ZonedDateTime = strawberry.field(
        description="When the token in use stops working."
    )
