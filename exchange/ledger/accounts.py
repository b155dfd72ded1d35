"""Accounts: every member's four, every partner's two, and the operator's three."""

from __future__ import annotations

from dataclasses import dataclass

from tortoise import BaseDBAsyncClient

from exchange import limits
from exchange.db import execute_many, fetch, fetch_one, opened_database
from exchange.errors import DomainError
from exchange.ledger.errors import LedgerErrorCode
from exchange.ledger.journal import Journal
from exchange.ledger.kinds import (
    MEMBER_KINDS,
    OPERATOR_OWNER_ID,
    PARTNER_KINDS,
    AccountKind,
    sql_list,
)


@dataclass(slots=True)
class MemberAccounts:
    """A member's accounts as locked by this transaction; balances are as of the lock."""

    member_id: int
    available_id: int
    pending_id: int
    held_id: int
    clawback_id: int
    available: int
    pending: int
    held: int
    clawback: int  # zero or negative: minus the points the member owes


async def open_member_accounts(conn: BaseDBAsyncClient, member_id: int, now_us: int) -> None:
    await _open(conn, member_id, MEMBER_KINDS, now_us)


async def open_partner_accounts(conn: BaseDBAsyncClient, partner_id: int, now_us: int) -> None:
    await _open(conn, partner_id, PARTNER_KINDS, now_us)


async def _open(
    conn: BaseDBAsyncClient, owner_id: int, kinds: tuple[AccountKind, ...], at: int
) -> None:
    await execute_many(
        conn,
        "INSERT INTO accounts (kind, owner_id, balance, created_at) VALUES ($1, $2, 0, $3)",
        [(kind, owner_id, at) for kind in kinds],
    )


_LOCK_MEMBER = (  # built once: every earn and burn runs it
    f"SELECT id, kind, balance FROM accounts WHERE owner_id = $1 AND kind IN "
    f"({sql_list(MEMBER_KINDS)}) ORDER BY id FOR UPDATE"
)


async def lock_member(journal: Journal, member_id: int) -> MemberAccounts:
    """Lock the member's accounts (ascending id, the journal's lock order) and read them."""
    rows = await fetch(journal.conn, _LOCK_MEMBER, member_id)
    if len(rows) != len(MEMBER_KINDS):
        raise DomainError(
            LedgerErrorCode.ACCOUNT_NOT_FOUND, f"member {member_id} has no accounts", "member"
        )
    by_kind = {row["kind"]: row for row in rows}
    journal.note_member_accounts([int(row["id"]) for row in rows])
    return MemberAccounts(
        member_id=member_id,
        available_id=int(by_kind[AccountKind.MEMBER_AVAILABLE]["id"]),
        pending_id=int(by_kind[AccountKind.MEMBER_PENDING]["id"]),
        held_id=int(by_kind[AccountKind.MEMBER_HELD]["id"]),
        clawback_id=int(by_kind[AccountKind.MEMBER_CLAWBACK]["id"]),
        available=int(by_kind[AccountKind.MEMBER_AVAILABLE]["balance"]),
        pending=int(by_kind[AccountKind.MEMBER_PENDING]["balance"]),
        held=int(by_kind[AccountKind.MEMBER_HELD]["balance"]),
        clawback=int(by_kind[AccountKind.MEMBER_CLAWBACK]["balance"]),
    )


# Account ids never change once created, so the hot path need not look them up each time.
# Keyed by the database too: tests and tools open several databases in one process.
_system_account_ids: dict[tuple[str, str, int], int] = {}


async def system_account_id(conn: BaseDBAsyncClient, kind: AccountKind, owner_id: int) -> int:
    """Id of a partner or operator account, read without a lock (see journal.py)."""
    cache_key = (opened_database(), kind, owner_id)
    if (cached := _system_account_ids.get(cache_key)) is not None:
        return cached
    row = await fetch_one(
        conn, "SELECT id FROM accounts WHERE kind = $1 AND owner_id = $2", kind, owner_id
    )
    if row is None:
        raise DomainError(
            LedgerErrorCode.ACCOUNT_NOT_FOUND, f"no {kind} account for {owner_id}", "partner"
        )
    if len(_system_account_ids) >= limits.account_ids_cached_max:
        _system_account_ids.clear()
    _system_account_ids[cache_key] = int(row["id"])
    return int(row["id"])


async def partner_issued_account_id(conn: BaseDBAsyncClient, partner_id: int) -> int:
    return await system_account_id(conn, AccountKind.PARTNER_ISSUED, partner_id)


async def partner_redeemed_account_id(conn: BaseDBAsyncClient, partner_id: int) -> int:
    return await system_account_id(conn, AccountKind.PARTNER_REDEEMED, partner_id)


async def operator_account_id(conn: BaseDBAsyncClient, kind: AccountKind) -> int:
    return await system_account_id(conn, kind, OPERATOR_OWNER_ID)
