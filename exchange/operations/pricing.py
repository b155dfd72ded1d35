"""The prices a use case hands the ledger with the points it moves: the partner's issue and
redemption prices in its settlement currency, in force at the movement's date.

Points a partner cannot be charged for are never moved: without a rate in its settlement
currency in force, the purchase, award or burn is refused (NO_RATE) rather than posted at no
price, which no later rate could fix (prices are fixed when points move).
"""

from __future__ import annotations

from decimal import Decimal

from tortoise import BaseDBAsyncClient

from exchange.clock import from_us
from exchange.errors import DomainError
from exchange.program.errors import ProgramErrorCode
from exchange.registry.partners import PartnerRecord
from exchange.registry.rates import Rate, SettlementPrices, settlement_prices


async def prices_at(conn: BaseDBAsyncClient, partner_id: int, at: int) -> SettlementPrices:
    found = await settlement_prices(conn, partner_id, at)
    if found is None:
        raise DomainError(
            ProgramErrorCode.NO_RATE,
            "the partner has no rate in its settlement currency in force at "
            f"{from_us(at).isoformat()} (its issue and redemption prices): an admin sets one with "
            "'exchange partner rates set'",
        )
    return found


async def purchase_issue_price(
    conn: BaseDBAsyncClient, partner: PartnerRecord, rate: Rate, occurred_at: int
) -> Decimal:
    """The issue price of a purchase's own points. `rate` is the earn rate in force at the
    purchase: in the settlement currency (the usual case) it holds the price already, and the
    hot path reads no rate twice."""
    if rate.purchase_currency == partner.settlement_currency:
        assert rate.partner_id == partner.id and rate.valid_from <= occurred_at
        return rate.issue_price
    return (await prices_at(conn, partner.id, occurred_at)).issue_price
