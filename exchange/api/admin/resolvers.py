"""Resolvers of the admin operations; each starts by requiring an admin caller."""

from __future__ import annotations

import strawberry

from exchange.api.admin.types import AdminInfo
from exchange.api.common import moment
from exchange.api.context import require_admin


def admin_whoami(info: strawberry.Info) -> AdminInfo:
    admin = require_admin(info)
    return AdminInfo(
        name=admin.name, token_id=admin.token_id, token_expires_at=moment(admin.expires_at)
    )
