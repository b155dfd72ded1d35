"""Offers in the database: create, update, read. A partner reaches only the offers it funds."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from tortoise import BaseDBAsyncClient
from tortoise.transactions import in_transaction

from exchange import limits
from exchange.clock import now_us
from exchange.db import connection, execute, execute_many, fetch, fetch_one, is_postgres
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


# The columns an OfferRecord is made of: the offer's own and its funder's code.
_OFFER_SELECT = (
    "SELECT o.id, o.funding_partner_id, p.code AS funding_partner_code, o.title, o.kind, "
    "o.bonus_points, o.percent, o.segment, o.segment_days, o.spend_currency, "
    "o.spend_min_minor, o.spend_max_minor, o.starts_at, o.ends_at, o.requires_activation, "
    "o.budget_points, o.points_awarded, o.per_member_uses_max, o.pacing, o.status, "
    "o.created_at, o.updated_at FROM offers o JOIN partners p ON p.id = o.funding_partner_id"
)
_TARGET_KINDS = ("partner", "category", "item")  # offer_targets.kind, in Targeting's order


def _record(row: dict[str, Any], targeting: Targeting) -> OfferRecord:
    """The one place an offer row becomes a value; nothing past it sees the row."""
    spec = OfferSpec(
        title=row["title"], kind=row["kind"], starts_at=row["starts_at"],
        ends_at=row["ends_at"], budget_points=row["budget_points"],
        bonus_points=row["bonus_points"], percent=row["percent"], targeting=targeting,
        segment=Segment(row["segment"], row["segment_days"], row["spend_currency"],
                        row["spend_min_minor"], row["spend_max_minor"]),
        # SQLite keeps booleans as 0 and 1.
        requires_activation=bool(row["requires_activation"]),
        per_member_uses_max=row["per_member_uses_max"], pacing=row["pacing"],
    )
    return OfferRecord(
        id=row["id"], funding_partner_id=row["funding_partner_id"],
        funding_partner_code=row["funding_partner_code"], spec=spec,
        points_awarded=row["points_awarded"], status=row["status"],
        created_at=row["created_at"], updated_at=row["updated_at"],
    )


async def _read(conn: BaseDBAsyncClient, where: str, *args: object) -> list[OfferRecord]:
    """The offers `where` (SQL after WHERE, over `o`) selects, with their targets."""
    rows = await fetch(conn, f"{_OFFER_SELECT} WHERE {where}", *args)
    targets = await _targets(conn, [row["id"] for row in rows])
    return [_record(row, targets.get(row["id"], Targeting())) for row in rows]


async def _targets(conn: BaseDBAsyncClient, offer_ids: list[int]) -> dict[int, Targeting]:
    """The targets of these offers, in the order they were given. Read by id, not by the
    offers' WHERE again: targets never change, so this agrees with the offers read even when
    an offer's status changes in between."""
    found: dict[int, tuple[list[str], list[str], list[str]]] = {}
    for row in await _target_rows(conn, offer_ids):
        lists = found.get(row["offer_id"])
        if lists is None:
            lists = found[row["offer_id"]] = ([], [], [])
        lists[_TARGET_KINDS.index(row["kind"])].append(row["value"])
    return {offer_id: Targeting(tuple(partners), tuple(categories), tuple(items))
            for offer_id, (partners, categories, items) in found.items()}


async def _target_rows(conn: BaseDBAsyncClient, offer_ids: list[int]) -> list[dict[str, Any]]:
    """offer_targets rows of these offers, each offer's by id. PostgreSQL takes the ids as one
    array (a long IN list costs it a plan per length, twice the read); SQLite binds them in
    chunks below its parameter limit."""
    select = "SELECT offer_id, kind, value FROM offer_targets WHERE offer_id"
    if not offer_ids:
        return []
    if is_postgres(conn):
        return await fetch(conn, f"{select} = ANY($1::bigint[]) ORDER BY id", offer_ids)
    rows: list[dict[str, Any]] = []
    for start in range(0, len(offer_ids), limits.offer_targets_ids_per_read_max):
        chunk = offer_ids[start:start + limits.offer_targets_ids_per_read_max]
        marks = ", ".join(f"${n}" for n in range(1, len(chunk) + 1))
        rows += await fetch(conn, f"{select} IN ({marks}) ORDER BY id", *chunk)
    return rows


async def _write_targets(conn: BaseDBAsyncClient, offer_id: int, targeting: Targeting) -> None:
    lists = (targeting.partners, targeting.categories, targeting.items)
    await execute_many(
        conn, "INSERT INTO offer_targets (offer_id, kind, value) VALUES ($1, $2, $3)",
        [(offer_id, kind, value) for kind, values in zip(_TARGET_KINDS, lists, strict=True)
         for value in values],
    )


async def live_offers(conn: BaseDBAsyncClient, ends_after: int, starts_by: int, limit: int
                      ) -> list[OfferRecord]:
    """Active offers that end after `ends_after` and start by `starts_by`, by id."""
    return await _read(conn, "o.status = 'active' AND o.ends_at > $1 AND o.starts_at <= $2 "
                             f"ORDER BY o.id LIMIT {int(limit)}", ends_after, starts_by)


# Offers whose partner targets name the partner ($2), or with no partner target funded by it
# ($1): both through indexes, offer_targets (kind, value, offer_id) and (offer_id, kind, value).
_FOR_PARTNER = (
    "o.id IN (SELECT t.offer_id FROM offer_targets t WHERE t.kind = 'partner' AND t.value = $2 "
    "UNION SELECT f.id FROM offers f WHERE f.funding_partner_id = $1 AND NOT EXISTS ("
    "SELECT 1 FROM offer_targets t WHERE t.offer_id = f.id AND t.kind = 'partner'))"
)


async def offers_for_partner(
    conn: BaseDBAsyncClient, kinds: tuple[str, ...], live_at: int, ends_after: int,
    partner_id: int, partner_code: str,
) -> list[OfferRecord]:
    """Active offers of these kinds, live at `live_at` and ending after `ends_after`, that
    target the partner (eligibility.targets_partner), by ascending id."""
    kind_marks = ", ".join(f"${n}" for n in range(5, 5 + len(kinds)))
    return await _read(
        conn, f"{_FOR_PARTNER} AND o.status = 'active' AND o.kind IN ({kind_marks}) "
              "AND o.starts_at <= $3 AND o.ends_at > $3 AND o.ends_at > $4 ORDER BY o.id",
        partner_id, partner_code, live_at, ends_after, *kinds,
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
        await _write_targets(conn, row["id"], spec.targeting)
        created = await get_offer(row["id"], conn=conn)
    changes.bump()  # after the commit: a catalogue rebuilt now must see the offer
    return created


_INSERT = (
    "INSERT INTO offers (funding_partner_id, title, kind, bonus_points, percent, segment, "
    "segment_days, spend_currency, spend_min_minor, spend_max_minor, starts_at, ends_at, "
    "requires_activation, budget_points, points_awarded, per_member_uses_max, pacing, status, "
    "created_by, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, "
    "$12, $13, $14, 0, $15, $16, 'active', $17, $18, $18) RETURNING id"
)


def _insert_values(partner_id: int, spec: OfferSpec, created_by: str, now: int
                   ) -> tuple[object, ...]:
    s = spec.segment
    return (
        partner_id, spec.title.strip(), spec.kind, spec.bonus_points, spec.percent, s.kind,
        s.days, s.currency, s.spend_min_minor, s.spend_max_minor, spec.starts_at, spec.ends_at,
        spec.requires_activation, spec.budget_points, spec.per_member_uses_max, spec.pacing,
        created_by, now,
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
    counts = await fetch_one(
        conn, "SELECT COUNT(*) AS total, COUNT(*) FILTER (WHERE funding_partner_id = $2) AS own "
              "FROM offers WHERE status <> 'cancelled' AND ends_at > $1", now, partner_id,
    )
    assert counts is not None
    if counts["total"] >= limits.offers_live_max or (
        counts["own"] >= limits.offers_live_per_partner_max
    ):
        raise DomainError(OfferErrorCode.TOO_MANY_OFFERS,
                         f"at most {limits.offers_live_per_partner_max} live offers a partner "
                         f"and {limits.offers_live_max} in all")


async def get_offer(
    offer_id: int, *, funding_partner_id: int | None = None, conn: BaseDBAsyncClient | None = None
) -> OfferRecord:
    """The offer; for a partner, only one it funds (another's answers OFFER_NOT_FOUND)."""
    found = await _read(conn or connection(), "o.id = $1", offer_id)
    if not found or funding_partner_id not in (None, found[0].funding_partner_id):
        raise DomainError(OfferErrorCode.OFFER_NOT_FOUND, f"no offer {offer_id} of yours",
                         "offerId")
    return found[0]


async def list_offers(funding_partner_id: int | None, limit: int, after_id: int = 0
                      ) -> list[OfferRecord]:
    """Offers by id; a partner's own, or all for an admin."""
    condition, args = "o.id > $1", [after_id]
    if funding_partner_id is not None:
        condition += " AND o.funding_partner_id = $2"
        args.append(funding_partner_id)
    return await _read(connection(), f"{condition} ORDER BY o.id LIMIT {int(limit)}", *args)


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
