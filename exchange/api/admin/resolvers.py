"""Resolvers of the admin operations; each starts by requiring an admin caller."""

from __future__ import annotations

import strawberry

from exchange.api.admin.types import AdminInfo
from exchange.api.context import require_admin
from exchange.api.scalars import zoned_at


def admin_whoami(info: strawberry.Info) -> AdminInfo:
    admin = require_admin(info)
    return AdminInfo(
        name=admin.name, token_id=admin.token_id, token_expires_at=zoned_at(admin.expires_at)
    )
