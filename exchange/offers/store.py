"""Offers in the database: create, update, read. A partner reaches only the offers it funds."""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from typing import Any

from tortoise import BaseDBAsyncClient
from tortoise.transactions import in_transaction

from exchange import limits
from exchange.clock import now_us
from exchange.db import connection, execute, fetch, fetch_one
from exchange.errors import DomainError
from exchange.offers import changes
from exchange.offers.errors import OfferErrorCode
from exchange.offers.spec import OfferChange, OfferSpec, Segment, Targeting, validate_spec


@dataclass(frozen=True, slots=True)
class OfferRecord:
    id: int
    funding_partner_id: int
    funding_partner_code: str
    spec: OfferSpec
    points_awarded: int
    status: str
    created_at: int
    updated_at: int

    @property
    def budget_remaining(self) -> int:
        return self.spec.budget_points - self.points_awarded


# Every read of offers: the row and its funder's code, as record_from_row takes it.
OFFER_SELECT = ("SELECT o.*, p.code AS funding_partner_code FROM offers o "
                "JOIN partners p ON p.id = o.funding_partner_id")


def record_from_row(row: dict[str, Any]) -> OfferRecord:
    spec = OfferSpec(
        title=row["title"], kind=row["kind"], starts_at=int(row["starts_at"]),
        ends_at=int(row["ends_at"]), budget_points=int(row["budget_points"]),
        bonus_points=int(row["bonus_points"]), percent=int(row["percent"]),
        targeting=Targeting(tuple(json.loads(row["target_partners"])),
                            tuple(json.loads(row["target_categories"])),
                            tuple(json.loads(row["target_items"]))),
        segment=Segment(row["segment"], int(row["segment_days"]), row["spend_currency"],
                        int(row["spend_min_minor"]),
                        None if row["spend_max_minor"] is None else int(row["spend_max_minor"])),
        requires_activation=bool(row["requires_activation"]),
        per_member_uses_max=int(row["per_member_uses_max"]), pacing=row["pacing"],
    )
    return OfferRecord(
        id=int(row["id"]), funding_partner_id=int(row["funding_partner_id"]),
        funding_partner_code=row["funding_partner_code"], spec=spec,
        points_awarded=int(row["points_awarded"]), status=row["status"],
        created_at=int(row["created_at"]), updated_at=int(row["updated_at"]),
    )


async def create_offer(funding_partner_id: int, spec: OfferSpec, created_by: str) -> OfferRecord:
    validate_spec(spec)
    now = now_us()
    if spec.ends_at <= now:
        raise DomainError(OfferErrorCode.INVALID_OFFER, "the offer would have ended already",
                         "endsAt")
    async with in_transaction() as conn:
        await _check_partners(conn, spec.targeting.partners)
        await _check_live_count(conn, funding_partner_id, now)
        row = await fetch_one(conn, _INSERT, *_insert_values(funding_partner_id, spec,
                                                               created_by, now))
        assert row is not None
        created = await get_offer(int(row["id"]), conn=conn)
    changes.bump()  # after the commit: a catalogue rebuilt now must see the offer
    return created


_INSERT = (
    "INSERT INTO offers (funding_partner_id, title, kind, bonus_points, percent, "
    "target_partners, target_categories, target_items, segment, segment_days, spend_currency, "
    "spend_min_minor, spend_max_minor, starts_at, ends_at, requires_activation, budget_points, "
    "points_awarded, per_member_uses_max, pacing, status, created_by, created_at, updated_at) "
    "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, 0, "
    "$18, $19, 'active', $20, $21, $21) RETURNING id"
)


def _insert_values(partner_id: int, spec: OfferSpec, created_by: str, now: int) -> tuple:
    t, s = spec.targeting, spec.segment
    return (
        partner_id, spec.title.strip(), spec.kind, spec.bonus_points, spec.percent,
        json.dumps(list(t.partners)), json.dumps(list(t.categories)), json.dumps(list(t.items)),
        s.kind, s.days, s.currency, s.spend_min_minor, s.spend_max_minor, spec.starts_at,
        spec.ends_at, spec.requires_activation, spec.budget_points, spec.per_member_uses_max,
        spec.pacing, created_by, now,
    )


async def _check_partners(conn: BaseDBAsyncClient, codes: tuple[str, ...]) -> None:
    if not codes:
        return
    rows = await fetch(conn, "SELECT code FROM partners")
    unknown = sorted(set(codes) - {r["code"] for r in rows})
    if unknown:
        raise DomainError(OfferErrorCode.PARTNER_NOT_FOUND, f"no partner {unknown[0]!r}",
                         "targeting.partners")


async def _check_live_count(conn: BaseDBAsyncClient, partner_id: int, now: int) -> None:
    live = "status <> 'cancelled' AND ends_at > $1"
    total = await fetch_one(conn, f"SELECT COUNT(*) AS n FROM offers WHERE {live}", now)
    own = await fetch_one(
        conn, f"SELECT COUNT(*) AS n FROM offers WHERE {live} AND funding_partner_id = $2",
        now, partner_id,
    )
    assert total is not None and own is not None
    if int(total["n"]) >= limits.offers_live_max or (
        int(own["n"]) >= limits.offers_live_per_partner_max
    ):
        raise DomainError(OfferErrorCode.TOO_MANY_OFFERS,
                         f"at most {limits.offers_live_per_partner_max} live offers a partner "
                         f"and {limits.offers_live_max} in all")


async def get_offer(
    offer_id: int, *, funding_partner_id: int | None = None, conn: BaseDBAsyncClient | None = None
) -> OfferRecord:
    """The offer; for a partner, only one it funds (another's answers OFFER_NOT_FOUND)."""
    row = await fetch_one(conn or connection(), f"{OFFER_SELECT} WHERE o.id = $1", offer_id)
    if row is None or funding_partner_id not in (None, int(row["funding_partner_id"])):
        raise DomainError(OfferErrorCode.OFFER_NOT_FOUND, f"no offer {offer_id} of yours",
                         "offerId")
    return record_from_row(row)


async def list_offers(funding_partner_id: int | None, limit: int, after_id: int = 0
                      ) -> list[OfferRecord]:
    """Offers by id; a partner's own, or all for an admin."""
    sql = f"{OFFER_SELECT} WHERE o.id > $1"
    args: list[Any] = [after_id]
    if funding_partner_id is not None:
        sql += " AND o.funding_partner_id = $2"
        args.append(funding_partner_id)
    rows = await fetch(connection(), f"{sql} ORDER BY o.id LIMIT {int(limit)}", *args)
    return [record_from_row(row) for row in rows]


async def update_offer(
    offer_id: int, change: OfferChange, *, funding_partner_id: int | None
) -> OfferRecord:
    async with in_transaction() as conn:
        # Locked: budgets are spent under this row's lock, so a lowered budget cannot race one.
        await fetch_one(conn, "SELECT id FROM offers WHERE id = $1 FOR UPDATE", offer_id)
        current = await get_offer(offer_id, funding_partner_id=funding_partner_id, conn=conn)
        updated = replace(_apply_change(current, change), updated_at=now_us())
        await execute(
            conn,
            "UPDATE offers SET title = $1, ends_at = $2, budget_points = $3, "
            "per_member_uses_max = $4, pacing = $5, status = $6, updated_at = $7 WHERE id = $8",
            updated.spec.title, updated.spec.ends_at, updated.spec.budget_points,
            updated.spec.per_member_uses_max, updated.spec.pacing, updated.status,
            updated.updated_at, offer_id,
        )
    changes.bump()
    return updated


_CHANGEABLE = ("title", "ends_at", "budget_points", "per_member_uses_max", "pacing")


def _apply_change(offer: OfferRecord, change: OfferChange) -> OfferRecord:
    if offer.status == "cancelled":
        raise DomainError(OfferErrorCode.OFFER_NOT_ACTIVE, "a cancelled offer cannot change",
                         "offerId")
    named = {name: getattr(change, name) for name in _CHANGEABLE}
    spec = replace(offer.spec, **{name: v for name, v in named.items() if v is not None})
    spec = replace(spec, title=spec.title.strip())
    validate_spec(spec)
    if spec.budget_points < offer.points_awarded:
        raise DomainError(OfferErrorCode.BUDGET_BELOW_AWARDED,
                         f"{offer.points_awarded} points are awarded already", "budgetPoints")
    status = offer.status if change.status is None else change.status
    if status not in ("active", "paused", "cancelled"):
        raise DomainError(OfferErrorCode.INVALID_OFFER, "status: active, paused or cancelled",
                         "status")
    return replace(offer, spec=spec, status=status)
