"""Small hand-made purchase histories for the offers tests."""

from __future__ import annotations

from decimal import Decimal

from exchange.offers.history import PurchaseEvent

DAY_US = 86_400 * 1_000_000
NOW_US = 1_780_000_000 * 1_000_000  # 2026-05-28


def buy(member: str, item: str, *, days_ago: float = 1.0, partner: str = "shop",
        category: str | None = None) -> PurchaseEvent:
    return PurchaseEvent(member, partner, category or f"cat-{item}", item, Decimal("1.00"),
                         NOW_US - int(days_ago * DAY_US))


def co_bought(items: tuple[str, ...], members: range, prefix: str) -> list[PurchaseEvent]:
    """Each member buys every item of `items`."""
    return [buy(f"{prefix}{m}", item) for m in members for item in items]
