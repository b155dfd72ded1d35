"""Lots: each credit to a member, with its issuer, pending window and expiry.

A member's available balance always equals the remaining points of their matured, unexpired
lots; a burn draws lots by earliest expiry (then oldest), and records what it drew in
`lot_allocations` so that settlement can say who issued the points burned where.
"""

from __future__ import annotations

from dataclasses import dataclass

from exchange.db import execute, execute_many, fetch_as, fetch_value
from exchange.ledger.journal import Journal


@dataclass(frozen=True, slots=True)
class Draw:
    lot_id: int
    points: int
    expires_at: int


@dataclass(frozen=True, slots=True)
class NewLot:
    member_id: int
    issuer_account_id: int
    earn_transfer_id: int
    earning_id: int | None
    points: int
    is_pending: bool
    earned_at: int
    available_at: int
    expires_at: int


async def create_lot(journal: Journal, lot: NewLot) -> int:
    lot_id = await fetch_value(
        journal.conn, int,
        "INSERT INTO lots (member_id, issuer_account_id, earn_transfer_id, earning_id, points, "
        "points_remaining, is_pending, earned_at, available_at, expires_at) "
        "VALUES ($1, $2, $3, $4, $5, $5, $6, $7, $8, $9) RETURNING id",
        lot.member_id, lot.issuer_account_id, lot.earn_transfer_id, lot.earning_id, lot.points,
        lot.is_pending, lot.earned_at, lot.available_at, lot.expires_at,
    )
    assert lot_id is not None
    return lot_id


async def draw_lots(journal: Journal, member_id: int, points: int, transfer_id: int) -> list[Draw]:
    """Take `points` from the member's spendable lots, earliest expiry first.

    The caller holds the member lock and has checked the available balance, which by the
    lot invariant equals what these lots hold.
    """
    spendable = await fetch_as(
        journal.conn, Draw,
        "SELECT id AS lot_id, points_remaining AS points, expires_at FROM lots "
        "WHERE member_id = $1 AND is_pending = $2 AND points_remaining > 0 "
        "ORDER BY expires_at, id",
        member_id, False,
    )
    draws: list[Draw] = []
    still_needed = points
    for lot in spendable:
        if still_needed == 0:
            break
        take = min(still_needed, lot.points)
        draws.append(Draw(lot.lot_id, take, lot.expires_at))
        still_needed -= take
    assert still_needed == 0, f"lots of member {member_id} hold less than the balance"
    await _shift_lots(journal, draws, -1)
    await record_allocations(journal, transfer_id, draws)
    return draws


async def restore_lots(journal: Journal, draws: list[Draw], transfer_id: int) -> None:
    """Give points back to the lots they were drawn from."""
    await _shift_lots(journal, draws, +1)
    await record_allocations(journal, transfer_id, draws)


async def take_from_lot(journal: Journal, draw: Draw, transfer_id: int) -> None:
    await _shift_lots(journal, [draw], -1)
    await record_allocations(journal, transfer_id, [draw])


async def _shift_lots(journal: Journal, draws: list[Draw], sign: int) -> None:
    for draw in draws:
        changed = await execute(
            journal.conn,
            "UPDATE lots SET points_remaining = points_remaining + $1 WHERE id = $2",
            sign * draw.points, draw.lot_id,
        )
        assert changed == 1


async def record_allocations(journal: Journal, transfer_id: int, draws: list[Draw]) -> None:
    await execute_many(
        journal.conn,
        "INSERT INTO lot_allocations (transfer_id, lot_id, points) VALUES ($1, $2, $3)",
        [(transfer_id, draw.lot_id, draw.points) for draw in draws],
    )


async def allocations_of(journal: Journal, transfer_id: int) -> list[Draw]:
    """What a transfer drew, earliest expiry first."""
    return await fetch_as(
        journal.conn, Draw,
        "SELECT a.lot_id, a.points, l.expires_at FROM lot_allocations a "
        "JOIN lots l ON l.id = a.lot_id WHERE a.transfer_id = $1 ORDER BY l.expires_at, l.id",
        transfer_id,
    )


def split_draws(draws: list[Draw], points: int) -> tuple[list[Draw], list[Draw]]:
    """Split draws (earliest expiry first) into the first `points` and the rest."""
    first: list[Draw] = []
    rest: list[Draw] = []
    still = points
    for draw in draws:
        take = min(still, draw.points)
        if take:
            first.append(Draw(draw.lot_id, take, draw.expires_at))
        if draw.points - take:
            rest.append(Draw(draw.lot_id, draw.points - take, draw.expires_at))
        still -= take
    assert still == 0, "split beyond what was drawn"
    return first, rest
