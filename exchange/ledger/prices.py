"""The prices a transfer is charged at, fixed when it is posted.

A partner's rate (registry) gives an issue price and a redemption price in its settlement
currency. The use case that moves points asks for the prices in force and hands them to the
ledger; the ledger keeps them on the transfer. What takes points back (a reversal, a clawback, a
redemption refund, a discount refund) copies the price of the transfer it reverses, read here,
so a rate added later never re-prices a movement already made.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from tortoise import BaseDBAsyncClient

from exchange.db import fetch_one
from exchange.money import parse_decimal


@dataclass(frozen=True, slots=True)
class Price:
    """Issue price (on a transfer from or to a partner's issued account) and redemption price
    (from or to its redeemed account); None where the transfer touches no such account."""

    issue: Decimal | None = None
    redemption: Decimal | None = None

    def texts(self) -> tuple[str | None, str | None]:
        return (None if self.issue is None else str(self.issue),
                None if self.redemption is None else str(self.redemption))


NO_PRICE = Price()


def _decimal(text: object) -> Decimal | None:
    return None if text is None else parse_decimal(str(text))


async def price_of(conn: BaseDBAsyncClient, transfer_id: int) -> Price:
    """The prices a transfer was charged at: what reverses it is charged the same."""
    row = await fetch_one(
        conn, "SELECT issue_price, redemption_price FROM transfers WHERE id = $1", transfer_id)
    assert row is not None, transfer_id
    return Price(_decimal(row["issue_price"]), _decimal(row["redemption_price"]))
