"""Offers as the API tests create and use them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from tests.api.operations import Caller

OFFER_FIELDS = """
  id fundingPartnerCode title kind bonusPoints multiplier discountPercent
  targeting { partners categories items }
  segment { kind days spendMin { amount currency } spendMax { amount currency } }
  startsAt endsAt requiresActivation perMemberUsesMax status
  budget { budgetPoints pointsAwarded pacing }
"""
CREATE = f"""
mutation($input: OfferCreateInput!) {{
  offerCreate(input: $input) {{ offer {{ {OFFER_FIELDS} }} errors {{ field code message }} }}
}}"""
UPDATE = f"""
mutation($input: OfferUpdateInput!) {{
  offerUpdate(input: $input) {{ offer {{ {OFFER_FIELDS} }} errors {{ field code message }} }}
}}"""
ACTIVATE = """
mutation($input: OfferActivateInput!) {
  offerActivate(input: $input) {
    activation { offer { id } cardNumber activatedAt activatedBy }
    errors { field code message }
  }
}"""
RANKING = """
query($card: String!, $first: Int!, $exploration: Boolean! = false) {
  offers(cardNumber: $card, first: $first, exploration: $exploration) {
    offers {
      rank score reason isActivated offer { id fundingPartnerCode title budget { budgetPoints } }
    }
    modelVersion modelTrainedAt
  }
}"""


def days_from_now(days: float) -> str:
    return (datetime.now(UTC) + timedelta(days=days)).isoformat()


def offer_input(**fields: Any) -> dict[str, Any]:
    """A running bonus-points offer of 50 points a purchase, budget 1,000."""
    return {"title": "Fifty bonus points", "kind": "BONUS_POINTS", "bonusPoints": 50,
            "startsAt": days_from_now(-1), "endsAt": days_from_now(30), "budgetPoints": 1000,
            **fields}


async def created_offer(caller: Caller, **fields: Any) -> dict[str, Any]:
    data = await caller.run(CREATE, input=offer_input(**fields))
    assert data["offerCreate"]["errors"] == [], data
    return data["offerCreate"]["offer"]


async def activated(caller: Caller, offer_id: str, card: str) -> dict[str, Any]:
    data = await caller.run(ACTIVATE, input={"offerId": offer_id, "cardNumber": card})
    assert data["offerActivate"]["errors"] == [], data
    return data["offerActivate"]["activation"]
