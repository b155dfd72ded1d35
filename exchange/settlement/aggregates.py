"""The SQL that settlement reads the ledger with: sums grouped in the database, never a Python
loop over transfers.

Which transfers a run settles ("included"): those dated in the period, plus, when the period is
the next to close, the late ones (dated before it, recorded after the last close; for the very
first period, everything recorded before it). A purchase's points are dated by the purchase
time; everything else by the time it was recorded. A transfer dated in the period was recorded
after the period began, and a late one after the last close: the planner finds both by index
(created_at, id) before computing any date. `through_id` caps the set at the highest transfer
id seen when the run began, so a run is a snapshot and a closed period can say exactly what it
settled.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from tortoise import BaseDBAsyncClient

from exchange.db import fetch, fetch_one
from exchange.money import parse_decimal

NO_LATE_ITEMS = -1

# $1 period start, $2 period end, $3 through_id, $4 last closed through id (or -1: no late items)
_DATED = (
    "CASE WHEN t.earning_id IS NOT NULL AND t.kind IN ('earn', 'debt_payment') "
    "THEN e.occurred_at ELSE t.created_at END"
)
_INCLUDED = (
    "(t.created_at >= $1 OR ($4 >= 0 AND t.id > $4)) AND t.id <= $3 "
    f"AND (({_DATED} >= $1 AND {_DATED} < $2) "
    f"OR ($4 >= 0 AND {_DATED} < $1 AND t.id > $4))"
)
_IS_LATE = f"CASE WHEN {_DATED} < $1 THEN 1 ELSE 0 END"
# The partner's prices in its settlement currency, each valid until the next one begins.
_PRICES = (
    "WITH prices AS (SELECT r.partner_id, r.valid_from, r.issue_price, r.redemption_price, "
    "LEAD(r.valid_from) OVER (PARTITION BY r.partner_id ORDER BY r.valid_from) AS valid_to "
    "FROM partner_rates r JOIN partners p ON p.id = r.partner_id "
    "AND r.purchase_currency = p.settlement_currency) "
)


def _price_join(price_at: str) -> str:
    return (
        f"LEFT JOIN prices pr ON pr.partner_id = a.owner_id AND pr.valid_from <= {price_at} "
        f"AND (pr.valid_to IS NULL OR {price_at} < pr.valid_to)"
    )


# Issued points: partner_issued is debited when it issues, credited when points come back.
# Points coming back are priced as they were issued (the purchase time).
_ISSUED = (
    _PRICES + "SELECT partner_id, is_late, price, SUM(points) AS points FROM ("
    f"SELECT a.owner_id AS partner_id, {_IS_LATE} AS is_late, pr.issue_price AS price, "
    "t.points AS points FROM transfers t "
    "JOIN accounts a ON a.id = t.debit_account_id AND a.kind = 'partner_issued' "
    f"LEFT JOIN earnings e ON e.id = t.earning_id {_price_join(_DATED)} WHERE {_INCLUDED} "
    "UNION ALL "
    f"SELECT a.owner_id, {_IS_LATE}, pr.issue_price, -t.points FROM transfers t "
    "JOIN accounts a ON a.id = t.credit_account_id AND a.kind = 'partner_issued' "
    "LEFT JOIN earnings e ON e.id = t.earning_id "
    f"{_price_join('COALESCE(e.occurred_at, t.created_at)')} WHERE {_INCLUDED}"
    ") issued GROUP BY partner_id, is_late, price"
)
# Burned points: partner_redeemed is credited by a burn, debited when burned points are given
# back; those are priced as they were burned (the linked capture's time).
_BURNED = (
    _PRICES + "SELECT partner_id, is_late, price, SUM(points) AS points FROM ("
    f"SELECT a.owner_id AS partner_id, {_IS_LATE} AS is_late, pr.redemption_price AS price, "
    "t.points AS points FROM transfers t "
    "JOIN accounts a ON a.id = t.credit_account_id AND a.kind = 'partner_redeemed' "
    f"LEFT JOIN earnings e ON e.id = t.earning_id {_price_join('t.created_at')} "
    f"WHERE {_INCLUDED} "
    "UNION ALL "
    f"SELECT a.owner_id, {_IS_LATE}, pr.redemption_price, -t.points FROM transfers t "
    "JOIN accounts a ON a.id = t.debit_account_id AND a.kind = 'partner_redeemed' "
    "LEFT JOIN transfers c ON c.id = t.linked_transfer_id "
    "LEFT JOIN earnings e ON e.id = t.earning_id "
    f"{_price_join('COALESCE(c.created_at, t.created_at)')} WHERE {_INCLUDED}"
    ") burned GROUP BY partner_id, is_late, price"
)
# The same points again, without prices: what the ledger itself says moved.
_LEDGER_TOTALS = (
    "SELECT a.kind, SUM(CASE WHEN a.id = t.debit_account_id THEN t.points ELSE -t.points END) "
    "AS points FROM transfers t JOIN accounts a ON a.id IN (t.debit_account_id, "
    "t.credit_account_id) AND a.kind IN ('partner_issued', 'partner_redeemed') "
    f"LEFT JOIN earnings e ON e.id = t.earning_id WHERE {_INCLUDED} GROUP BY a.kind"
)
_BREAKAGE = (
    "SELECT COALESCE(SUM(t.points), 0) AS points FROM transfers t "
    "JOIN accounts a ON a.id = t.credit_account_id AND a.kind = 'operator_breakage' "
    f"LEFT JOIN earnings e ON e.id = t.earning_id WHERE {_INCLUDED}"
)
# Lots drawn by burns (less what refunds gave back), by who issued them and where they burned.
_MATRIX = (
    _PRICES + "SELECT issuer_kind, issuer_id, partner_id, price, SUM(points) AS points FROM ("
    "SELECT ia.kind AS issuer_kind, ia.owner_id AS issuer_id, a.owner_id AS partner_id, "
    "pr.redemption_price AS price, la.points AS points FROM transfers t "
    "JOIN accounts a ON a.id = t.credit_account_id AND a.kind = 'partner_redeemed' "
    "JOIN lot_allocations la ON la.transfer_id = t.id JOIN lots l ON l.id = la.lot_id "
    "JOIN accounts ia ON ia.id = l.issuer_account_id "
    f"LEFT JOIN earnings e ON e.id = t.earning_id {_price_join('t.created_at')} "
    f"WHERE {_INCLUDED} "
    "UNION ALL "
    "SELECT ia.kind, ia.owner_id, a.owner_id, pr.redemption_price, -la.points FROM transfers t "
    "JOIN accounts a ON a.id = t.debit_account_id AND a.kind = 'partner_redeemed' "
    "JOIN lot_allocations la ON la.transfer_id = t.id JOIN lots l ON l.id = la.lot_id "
    "JOIN accounts ia ON ia.id = l.issuer_account_id "
    "LEFT JOIN transfers c ON c.id = t.linked_transfer_id "
    "LEFT JOIN earnings e ON e.id = t.earning_id "
    f"{_price_join('COALESCE(c.created_at, t.created_at)')} WHERE {_INCLUDED}"
    ") matrix GROUP BY issuer_kind, issuer_id, partner_id, price"
)


@dataclass(frozen=True, slots=True)
class Window:
    start_at: int
    end_at: int
    through_id: int
    late_after_id: int  # NO_LATE_ITEMS when the period takes no late items

    def params(self) -> tuple[int, int, int, int]:
        return self.start_at, self.end_at, self.through_id, self.late_after_id


@dataclass(frozen=True, slots=True)
class PointsAtPrice:
    partner_id: int
    is_late: bool
    price: Decimal | None  # None: no rate was in force, the run must refuse
    points: int


@dataclass(frozen=True, slots=True)
class MatrixCell:
    issuer_partner_id: int | None  # None: the operator issued them
    partner_id: int
    price: Decimal | None
    points: int


def _points_at_price(rows: list[dict]) -> list[PointsAtPrice]:
    return [
        PointsAtPrice(int(r["partner_id"]), bool(r["is_late"]),
                      None if r["price"] is None else parse_decimal(r["price"]), int(r["points"]))
        for r in rows if int(r["points"]) != 0
    ]


async def issued(conn: BaseDBAsyncClient, window: Window) -> list[PointsAtPrice]:
    return _points_at_price(await fetch(conn, _ISSUED, *window.params()))


async def burned(conn: BaseDBAsyncClient, window: Window) -> list[PointsAtPrice]:
    return _points_at_price(await fetch(conn, _BURNED, *window.params()))


async def ledger_totals(conn: BaseDBAsyncClient, window: Window) -> dict[str, int]:
    rows = await fetch(conn, _LEDGER_TOTALS, *window.params())
    return {row["kind"]: int(row["points"]) for row in rows}


async def breakage(conn: BaseDBAsyncClient, window: Window) -> int:
    row = await fetch_one(conn, _BREAKAGE, *window.params())
    return int(row["points"]) if row else 0


async def matrix(conn: BaseDBAsyncClient, window: Window) -> list[MatrixCell]:
    rows = await fetch(conn, _MATRIX, *window.params())
    return [
        MatrixCell(
            issuer_partner_id=int(r["issuer_id"]) if r["issuer_kind"] == "partner_issued" else None,
            partner_id=int(r["partner_id"]),
            price=None if r["price"] is None else parse_decimal(r["price"]),
            points=int(r["points"]),
        )
        for r in rows if int(r["points"]) != 0
    ]
