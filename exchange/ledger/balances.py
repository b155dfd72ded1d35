"""Reading a member's balances: what a wallet shows."""

from __future__ import annotations

from dataclasses import dataclass

from exchange.db import connection, fetch, fetch_one
from exchange.ledger.kinds import MEMBER_KINDS, AccountKind, sql_list


@dataclass(frozen=True, slots=True)
class MemberBalances:
    member_id: int
    available: int
    pending: int
    held: int
    clawback_debt: int
    next_expiry_points: int
    next_expiry_at: int | None


_BALANCES = (  # built once: every balance read runs it
    f"SELECT kind, balance FROM accounts WHERE owner_id = $1 AND kind IN ({sql_list(MEMBER_KINDS)})"
)


async def member_balances(member_id: int) -> MemberBalances:
    conn = connection()
    rows = await fetch(conn, _BALANCES, member_id)
    balance = {row["kind"]: int(row["balance"]) for row in rows}
    expiry = await fetch_one(
        conn,
        "SELECT expires_at, SUM(points_remaining) AS points FROM lots "
        "WHERE member_id = $1 AND is_pending = $2 AND points_remaining > 0 "
        "GROUP BY expires_at ORDER BY expires_at LIMIT 1",
        member_id, False,
    )
    return MemberBalances(
        member_id=member_id,
        available=balance.get(AccountKind.MEMBER_AVAILABLE, 0),
        pending=balance.get(AccountKind.MEMBER_PENDING, 0),
        held=balance.get(AccountKind.MEMBER_HELD, 0),
        clawback_debt=-balance.get(AccountKind.MEMBER_CLAWBACK, 0),
        next_expiry_points=int(expiry["points"]) if expiry else 0,
        next_expiry_at=int(expiry["expires_at"]) if expiry else None,
    )
