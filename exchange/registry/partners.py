"""Partners: creating, finding and listing them."""

from __future__ import annotations

import re
from dataclasses import dataclass

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from exchange import limits
from exchange.clock import now_us
from exchange.db import connection, fetch_as, fetch_one_as, fetch_value
from exchange.errors import DomainError
from exchange.ledger.accounts import open_partner_accounts
from exchange.registry.errors import RegistryErrorCode

_CODE = re.compile(r"^[a-z][a-z0-9-]{1,31}$")
_CURRENCY = re.compile(r"^[A-Z]{3}$")


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
        raise DomainError(
            RegistryErrorCode.INVALID_PARTNER,
            "code: 2-32 characters, lowercase letters, digits and '-'", "code",
        )
    if not 0 <= return_window_days <= limits.return_window_days_max:
        raise DomainError(
            RegistryErrorCode.INVALID_PARTNER,
            f"return window: 0 to {limits.return_window_days_max} days", "returnWindowDays",
        )
    if not _CURRENCY.match(settlement_currency):
        raise DomainError(
            RegistryErrorCode.INVALID_PARTNER,
            "settlement currency: an ISO 4217 code such as EUR", "settlementCurrency",
        )
    created_at = now_us()
    try:
        async with in_transaction("default") as conn:
            partner_id = await fetch_value(
                conn, int,
                "INSERT INTO partners (code, name, status, return_window_days, "
                "settlement_currency, created_at) VALUES ($1, $2, 'active', $3, $4, $5) "
                "RETURNING id",
                code, name, return_window_days, settlement_currency, created_at,
            )
            assert partner_id is not None
            await open_partner_accounts(conn, partner_id, created_at)
    except IntegrityError:
        raise DomainError(
            RegistryErrorCode.PARTNER_EXISTS, f"a partner with code {code!r} exists already", "code"
        ) from None
    return PartnerRecord(partner_id, code, name, "active", return_window_days, settlement_currency)


async def list_partners() -> list[PartnerRecord]:
    return await fetch_as(
        connection(), PartnerRecord, f"SELECT {_COLUMNS} FROM partners ORDER BY code"
    )


async def find_partner(code: str) -> PartnerRecord | None:
    return await fetch_one_as(
        connection(), PartnerRecord, f"SELECT {_COLUMNS} FROM partners WHERE code = $1", code
    )


async def get_partner(code: str) -> PartnerRecord:
    found = await find_partner(code)
    if found is None:
        raise DomainError(RegistryErrorCode.PARTNER_NOT_FOUND, f"no partner {code!r}", "code")
    return found


async def get_partner_by_id(partner_id: int) -> PartnerRecord:
    found = await fetch_one_as(
        connection(), PartnerRecord, f"SELECT {_COLUMNS} FROM partners WHERE id = $1", partner_id
    )
    if found is None:
        raise DomainError(RegistryErrorCode.PARTNER_NOT_FOUND, f"no partner {partner_id}")
    return found
