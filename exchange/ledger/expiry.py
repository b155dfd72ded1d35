"""Maturity (pending to available) and expiry (available to breakage) of lots."""

from __future__ import annotations

from dataclasses import dataclass

from exchange.db import execute, fetch, fetch_as
from exchange.ledger.accounts import MemberAccounts, lock_member, operator_account_id
from exchange.ledger.journal import Journal
from exchange.ledger.kinds import AccountKind, TransferKind
from exchange.ledger.lots import Draw, take_from_lot


@dataclass(frozen=True, slots=True)
class _DueLot:
    id: int
    points_remaining: int
    expires_at: int
    earn_transfer_id: int


_DUE_LOT_COLUMNS = "SELECT id, points_remaining, expires_at, earn_transfer_id FROM lots "


async def mature_member_lots(journal: Journal, accounts: MemberAccounts) -> int:
    """Make the member's due pending lots available; return the points moved."""
    due = await fetch_as(
        journal.conn, _DueLot,
        _DUE_LOT_COLUMNS + "WHERE member_id = $1 AND is_pending = $2 AND available_at <= $3 "
        "ORDER BY id",
        accounts.member_id, True, journal.now_us,
    )
    moved = 0
    for lot in due:
        if lot.points_remaining:
            await journal.post(
                TransferKind.MATURITY, accounts.pending_id, accounts.available_id,
                lot.points_remaining, linked_transfer_id=lot.earn_transfer_id,
            )
            moved += lot.points_remaining
        await execute(
            journal.conn, "UPDATE lots SET is_pending = $1 WHERE id = $2", False, lot.id
        )
    accounts.pending -= moved
    accounts.available += moved
    return moved


async def expire_member_lots(journal: Journal, accounts: MemberAccounts) -> int:
    """Move the remainders of the member's expired lots to breakage; return the points."""
    due = await fetch_as(
        journal.conn, _DueLot,
        _DUE_LOT_COLUMNS + "WHERE member_id = $1 AND is_pending = $2 AND points_remaining > 0 "
        "AND expires_at <= $3 ORDER BY expires_at, id",
        accounts.member_id, False, journal.now_us,
    )
    if not due:
        return 0
    breakage_id = await operator_account_id(journal.conn, AccountKind.OPERATOR_BREAKAGE)
    expired = 0
    for lot in due:
        draw = Draw(lot.id, lot.points_remaining, lot.expires_at)
        transfer_id = await journal.post(
            TransferKind.EXPIRY, accounts.available_id, breakage_id, draw.points,
            linked_transfer_id=lot.earn_transfer_id,
        )
        await take_from_lot(journal, draw, transfer_id)
        expired += draw.points
    accounts.available -= expired
    return expired


async def settle_member_lots(journal: Journal, accounts: MemberAccounts) -> None:
    """Bring the member's lots up to the journal's time before their balance is used."""
    # One indexed probe first: on the hot path there is usually nothing to mature or expire.
    due = await fetch(
        journal.conn,
        "SELECT id FROM lots WHERE member_id = $1 AND ((is_pending = $2 AND available_at <= $3) "
        "OR (is_pending = $4 AND points_remaining > 0 AND expires_at <= $3)) LIMIT 1",
        accounts.member_id, True, journal.now_us, False,
    )
    if due:
        await mature_member_lots(journal, accounts)
        await expire_member_lots(journal, accounts)


async def lock_settled_member(journal: Journal, member_id: int) -> MemberAccounts:
    """Lock the member's accounts and bring their lots up to the journal's time: what every
    write that moves a member's points starts with."""
    accounts = await lock_member(journal, member_id)
    await settle_member_lots(journal, accounts)
    return accounts
