"""Creating and finding members."""

from __future__ import annotations

from dataclasses import dataclass

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from exchange.clock import now_us
from exchange.db import connection, fetch_one
from exchange.ledger.accounts import open_member_accounts
from exchange.members.cards import new_card_number

_CARD_ATTEMPTS_MAX = 5


@dataclass(frozen=True, slots=True)
class MemberRecord:
    id: int
    card_number: str
    created_at: int


async def create_member() -> MemberRecord:
    """Issue a new card and open the member's ledger accounts, atomically."""
    for _ in range(_CARD_ATTEMPTS_MAX):
        card_number = new_card_number()
        created_at = now_us()
        try:
            async with in_transaction("default") as conn:
                row = await fetch_one(
                    conn,
                    "INSERT INTO members (card_number, created_at) VALUES ($1, $2) RETURNING id",
                    card_number, created_at,
                )
                assert row is not None
                await open_member_accounts(conn, int(row["id"]), created_at)
            return MemberRecord(int(row["id"]), card_number, created_at)
        except IntegrityError:
            continue  # a card number collision: draw another
    raise RuntimeError("could not issue a unique card number")


async def find_member(card_number: str) -> MemberRecord | None:
    row = await fetch_one(
        connection(), "SELECT id, card_number, created_at FROM members WHERE card_number = $1",
        card_number,
    )
    return MemberRecord(int(row["id"]), row["card_number"], int(row["created_at"])) if row else None
