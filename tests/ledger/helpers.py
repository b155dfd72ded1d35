"""Reading the ledger in tests: snapshots of the exchange's state, errors, and invariants."""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Any

from exchange.db import connection, fetch, fetch_one
from exchange.errors import DomainError

LEDGER_TABLES = (
    "accounts", "transfers", "lots", "lot_allocations", "holds", "earnings", "idempotency_keys",
)
# Members and the registry: an operation refused by a partner must not touch these either.
STATE_TABLES = (
    *LEDGER_TABLES,
    "members", "member_links", "partners", "partner_rates", "partner_keys", "partner_activities",
    "offers", "offer_targets", "offer_activations", "offer_awards", "purchase_items",
)

Snapshot = dict[str, list[dict[str, Any]]]


async def snapshot() -> Snapshot:
    """Every row of every ledger, member and registry table, in id order: equal snapshots mean
    nothing changed."""
    conn = connection()
    return {
        table: await fetch(conn, f"SELECT * FROM {table} ORDER BY id") for table in STATE_TABLES
    }


async def failure(call: Awaitable[object]) -> DomainError:
    """Await a call that must fail with a DomainError, and return the error."""
    try:
        result = await call
    except DomainError as error:
        return error
    raise AssertionError(f"expected a DomainError, got {result!r}")


async def rows(sql: str, *args: Any) -> list[dict[str, Any]]:
    return await fetch(connection(), sql, *args)


async def row(sql: str, *args: Any) -> dict[str, Any]:
    found = await fetch_one(connection(), sql, *args)
    assert found is not None, sql
    return found


async def count(table: str) -> int:
    return int((await row(f"SELECT COUNT(*) AS n FROM {table}"))["n"])


async def _account(kind: str, owner_id: int) -> dict[str, Any]:
    return await row("SELECT * FROM accounts WHERE kind = $1 AND owner_id = $2", kind, owner_id)


async def balance(kind: str, owner_id: int) -> int:
    return int((await _account(kind, owner_id))["balance"])


async def account_id(kind: str, owner_id: int) -> int:
    return int((await _account(kind, owner_id))["id"])


async def lots_of(member_id: int) -> list[dict[str, Any]]:
    return await rows("SELECT * FROM lots WHERE member_id = $1 ORDER BY id", member_id)


async def transfers_of_kind(kind: str) -> list[dict[str, Any]]:
    return await rows("SELECT * FROM transfers WHERE kind = $1 ORDER BY id", kind)


async def allocations(transfer_id: int) -> list[tuple[int, int]]:
    """(lot id, points) drawn or restored by one transfer, in lot id order."""
    found = await rows(
        "SELECT lot_id, points FROM lot_allocations WHERE transfer_id = $1 ORDER BY lot_id",
        transfer_id,
    )
    return [(int(r["lot_id"]), int(r["points"])) for r in found]


async def assert_ledger_consistent() -> None:
    """Balances sum to zero, each replays from the transfers, and wallets match their lots."""
    accounts = await rows("SELECT id, balance FROM accounts")
    assert sum(int(a["balance"]) for a in accounts) == 0
    for account in accounts:
        flows = await row(
            "SELECT COALESCE(SUM(CASE WHEN credit_account_id = $1 THEN points ELSE -points END), 0)"
            " AS net FROM transfers WHERE credit_account_id = $1 OR debit_account_id = $1",
            account["id"],
        )
        assert int(flows["net"]) == int(account["balance"]), account
    wallets = await rows(
        "SELECT owner_id, kind, balance FROM accounts "
        "WHERE kind IN ('member_available', 'member_pending')"
    )
    for wallet in wallets:
        pending = wallet["kind"] == "member_pending"
        lots = await row(
            "SELECT COALESCE(SUM(points_remaining), 0) AS points FROM lots "
            "WHERE member_id = $1 AND is_pending = $2",
            wallet["owner_id"], pending,
        )
        assert int(lots["points"]) == int(wallet["balance"]), wallet
