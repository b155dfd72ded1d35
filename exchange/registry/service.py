"""Creating and finding partners."""

from __future__ import annotations

import re
from dataclasses import dataclass

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from exchange import limits
from exchange.clock import now_us
from exchange.db import connection, fetch, fetch_one
from exchange.ledger.accounts import open_partner_accounts

_CODE = re.compile(r"^[a-z][a-z0-9-]{1,31}$")
_CURRENCY = re.compile(r"^[A-Z]{3}$")


class RegistryError(ValueError):
    """A partner cannot be created as asked; the message says why."""


@dataclass(frozen=True, slots=True)
class PartnerRecord:
    id: int
    code: str
    name: str
    status: str
    return_window_days: int
    settlement_currency: str


_COLUMNS = "id, code, name, status, return_window_days, settlement_currency"


async def create_partner(
    code: str, name: str, *, return_window_days: int = 14, settlement_currency: str = "EUR"
) -> PartnerRecord:
    if not _CODE.match(code):
        raise RegistryError("code: 2-32 characters, lowercase letters, digits and '-'")
    if not 0 <= return_window_days <= limits.return_window_days_max:
        raise RegistryError(f"return window: 0 to {limits.return_window_days_max} days")
    if not _CURRENCY.match(settlement_currency):
        raise RegistryError("settlement currency: an ISO 4217 code such as EUR")
    created_at = now_us()
    try:
        async with in_transaction("default") as conn:
            row = await fetch_one(
                conn,
                "INSERT INTO partners (code, name, status, return_window_days, "
                "settlement_currency, created_at) VALUES ($1, $2, 'active', $3, $4, $5) "
                "RETURNING id",
                code, name, return_window_days, settlement_currency, created_at,
            )
            assert row is not None
            await open_partner_accounts(conn, int(row["id"]), created_at)
    except IntegrityError:
        raise RegistryError(f"a partner with code {code!r} exists already") from None
    return PartnerRecord(int(row["id"]), code, name, "active", return_window_days,
                         settlement_currency)


async def list_partners() -> list[PartnerRecord]:
    rows = await fetch(connection(), f"SELECT {_COLUMNS} FROM partners ORDER BY code")
    return [PartnerRecord(**row) for row in rows]
