"""GraphQL types of partners: the calling partner's own record, and partners' rates."""

from __future__ import annotations

import strawberry

from exchange.api.scalars import StrictDecimal, ZonedDateTime


@strawberry.type(description="The calling partner, as the exchange knows it.")
class Partner:
    code: str
    name: str
    status: str
    return_window_days: int
    settlement_currency: str
    active_key_ids: list[str] = strawberry.field(
        description="Key ids that may sign requests now (several while keys rotate)."
    )


@strawberry.type(description="A category's earn multiplier within a rate.")
class CategoryMultiplier:
    category: str
    multiplier: StrictDecimal


@strawberry.type(description=(
    "A partner's dated rate, in force from validFrom until the next one of its currency. "
    "Prices are in the partner's settlement currency per point; only the rate in the "
    "settlement currency sets the prices charged."))
class PartnerRate:
    partner_code: str
    purchase_currency: str
    valid_from: ZonedDateTime
    valid_until: ZonedDateTime | None
    earn_rate: StrictDecimal = strawberry.field(description="Points per unit of the currency.")
    category_multipliers: list[CategoryMultiplier]
    settlement_currency: str
    issue_price: StrictDecimal
    redemption_price: StrictDecimal
