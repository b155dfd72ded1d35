"""What an offer can target and a purchase can touch, as one flat vocabulary of tokens.

A prefix keeps the three kinds apart, so a partner and a category that share a name stay two
tokens, and the kind of a token is its first character.
"""

from __future__ import annotations

from exchange.offers.history import PurchaseEvent

PARTNER = "p"
CATEGORY = "c"
ITEM = "i"
kinds = (PARTNER, CATEGORY, ITEM)


def partner_token(code: str) -> str:
    return f"{PARTNER}:{code}"


def category_token(name: str) -> str:
    return f"{CATEGORY}:{name}"


def item_token(item: str) -> str:
    return f"{ITEM}:{item}"


def token_kind(token: str) -> str:
    return token[0]


def event_tokens(event: PurchaseEvent) -> tuple[str, str, str]:
    return (partner_token(event.partner), category_token(event.category),
            item_token(event.item))
