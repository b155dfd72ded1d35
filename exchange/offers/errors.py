"""Expected offer failures, each with a code."""

from __future__ import annotations

from enum import Enum


class OfferErrorCode(Enum):
    INVALID_OFFER = "INVALID_OFFER"
    OFFER_NOT_FOUND = "OFFER_NOT_FOUND"
    OFFER_NOT_ACTIVE = "OFFER_NOT_ACTIVE"
    NOT_ELIGIBLE = "NOT_ELIGIBLE"
    BUDGET_BELOW_AWARDED = "BUDGET_BELOW_AWARDED"
    PARTNER_NOT_FOUND = "PARTNER_NOT_FOUND"
    TOO_MANY_OFFERS = "TOO_MANY_OFFERS"

