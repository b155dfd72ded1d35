"""Every read of ledger facts by other packages: settlement's sums and provenance, the
purchase facts offers need, the snapshot bound a settlement close takes. No other package
names a ledger table in SQL, so a renamed kind or column breaks here, where the tests see it.

Settlement's sums are grouped in the database, never a Python loop over transfers. Each
transfer carries the prices it was charged when it was posted and the date settlement gives it
(`dated_at`: a purchase's credits by the purchase time, everything else by when it was
recorded), so nothing here looks a rate up again: a rate added later never re-prices history.

Which transfers a run settles ("included"): those dated in the period, plus, when the period is
the next to close, the late ones (dated before it, recorded after the last close; for the first
settlement month, everything dated before it). A transfer dated in the period was recorded
after the period began, and a late one after the last close: the planner finds both by index
(created_at, id) before reading any date. `through_id` caps the set at the highest transfer id
seen when the run began, so a run is a snapshot and a closed period can say exactly what it
settled.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from tortoise import BaseDBAsyncClient

from exchange.db import fetch, fetch_one, is_postgres
from exchange.ledger.kinds import FUNDED_KINDS, AccountKind, TransferKind, sql_list
from exchange.money import parse_decimal

NO_LATE_ITEMS = -1

# $1 period start, $2 period end, $3 through_id, $4 last closed through id (or -1: no late items)
_INCLUDED = (
    "(t.created_at >= $1 OR ($4 >= 0 AND t.id > $4)) AND t.id <= $3 "
    "AND ((t.dated_at >= $1 AND t.dated_at < $2) "
    "OR ($4 >= 0 AND t.dated_at < $1 AND t.id > $4))"
)
_IS_LATE = "CASE WHEN t.dated_at < $1 THEN 1 ELSE 0 END"
# Funded points (offer bonuses, discounts, and what takes them back) are the funding partner's
# issue too, on a line of their own.
_IS_FUNDED = f"CASE WHEN t.kind IN ({sql_list(FUNDED_KINDS)}) THEN 1 ELSE 0 END"


def _in(ids: tuple[int, ...]) -> str:
    """Account ids written into the SQL rather than joined: the planner then counts their
    transfers from its most-common-value statistics. Reached through a join to accounts by
    kind, the few partner accounts that carry most transfers looked like any other account:
    PostgreSQL expected ~60 rows where a month had 500,000 and chose nested loops, and a month
    of 1,000,000 transfers took 21 s to settle instead of 4 to 6 (tests/perf/bench_settlement.py).
    The ids are integers read from the accounts table, never input."""
    return "(" + ", ".join(str(int(i)) for i in ids) + ")" if ids else "(NULL)"


def _sides_sql(ids: str, price: str, group: str, *, source_side: str) -> str:
    """Points moved out of (`source_side`) and back into the accounts `ids`, signed (out is
    positive), at the price each transfer was charged."""
    back_side = "credit" if source_side == "debit" else "debit"
    columns = f"{_IS_LATE} AS is_late, {_IS_FUNDED} AS is_funded, t.{price} AS price"
    return (
        f"SELECT account_id, {group}, price, SUM(points) AS points FROM ("
        f"SELECT t.{source_side}_account_id AS account_id, {columns}, t.points AS points "
        f"FROM transfers t WHERE t.{source_side}_account_id IN {ids} AND {_INCLUDED} "
        f"UNION ALL SELECT t.{back_side}_account_id, {columns}, -t.points "
        f"FROM transfers t WHERE t.{back_side}_account_id IN {ids} AND {_INCLUDED}"
        f") moved GROUP BY account_id, {group}, price"
    )


# Issued points: partner_issued is debited when it issues, credited when points come back.
def _issued_sql(ids: str) -> str:
    return _sides_sql(ids, "issue_price", "is_late, is_funded", source_side="debit")


# Burned points: partner_redeemed is credited by a burn, debited when burned points are given
# back.
def _burned_sql(ids: str) -> str:
    return _sides_sql(ids, "redemption_price", "is_late", source_side="credit")


# The partner accounts' own movements, read in one query over the transfers that touch any of
# them (not by kind of line), each valued at the price it was charged on that side: the operator's result is computed
# from these, not from the statements, so a statement priced or counted wrongly makes the run
# refuse (service.py).
def _movements_sql(issued_ids: str, partner_ids: str) -> str:
    def side(column: str) -> str:
        # Lines are rounded per group; the groups here must be the statements' for the
        # results to agree to the cent: funded points are a group of issued points only.
        issued = f"t.{column}_account_id IN {issued_ids}"
        return (f"{_IS_LATE} AS is_late, CASE WHEN {issued} AND t.kind IN "
                f"({sql_list(FUNDED_KINDS)}) THEN 1 ELSE 0 END AS is_funded, "
                f"CASE WHEN {issued} THEN t.issue_price ELSE t.redemption_price END AS price")

    return (
        "SELECT account_id, is_late, is_funded, price, SUM(points) AS points FROM ("
        f"SELECT t.debit_account_id AS account_id, {side('debit')}, t.points AS points "
        f"FROM transfers t WHERE t.debit_account_id IN {partner_ids} AND {_INCLUDED} "
        f"UNION ALL SELECT t.credit_account_id, {side('credit')}, "
        f"-t.points FROM transfers t WHERE t.credit_account_id IN {partner_ids} AND {_INCLUDED}"
        ") moved GROUP BY account_id, is_late, is_funded, price"
    )


# Points that went to breakage, less those a refund took back out of it.
def _breakage_sql(breakage_id: int) -> str:
    account = int(breakage_id)
    return (
        f"SELECT COALESCE(SUM(CASE WHEN t.credit_account_id = {account} THEN t.points "
        "ELSE -t.points END), 0) AS points FROM transfers t "
        f"WHERE (t.credit_account_id = {account} OR t.debit_account_id = {account}) "
        f"AND {_INCLUDED}"
    )


# Lots drawn by burns (less what refunds gave back), by who issued them and where they burned;
# and discounts, which a funding partner pays straight to where the points burn (less the part
# of them refunded, found through the discount of the same hold).
def _matrix_sql(ids: str) -> str:
    allocations = "JOIN lot_allocations la ON la.transfer_id = t.id JOIN lots l ON l.id = la.lot_id"
    discount, discount_refund = TransferKind.DISCOUNT, TransferKind.DISCOUNT_REFUND
    return (
        "SELECT issuer_account_id, account_id, price, SUM(points) AS points FROM ("
        "SELECT l.issuer_account_id AS issuer_account_id, t.credit_account_id AS account_id, "
        f"t.redemption_price AS price, la.points AS points FROM transfers t {allocations} "
        f"WHERE t.credit_account_id IN {ids} AND {_INCLUDED} "
        "UNION ALL SELECT l.issuer_account_id, t.debit_account_id, t.redemption_price, "
        f"-la.points FROM transfers t {allocations} "
        f"WHERE t.debit_account_id IN {ids} AND {_INCLUDED} "
        "UNION ALL SELECT t.debit_account_id, t.credit_account_id, t.redemption_price, "
        f"t.points FROM transfers t WHERE t.kind = '{discount}' AND t.credit_account_id IN {ids} "
        f"AND {_INCLUDED} "
        "UNION ALL SELECT d.debit_account_id, t.debit_account_id, t.redemption_price, "
        f"-t.points FROM transfers t JOIN transfers d ON d.hold_id = t.hold_id "
        f"AND d.kind = '{discount}' "
        f"WHERE t.kind = '{discount_refund}' AND t.debit_account_id IN {ids} AND {_INCLUDED}"
        ") matrix GROUP BY issuer_account_id, account_id, price"
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
    is_funded: bool = False  # funded: issued beyond a purchase's own points (a bonus, a discount)


@dataclass(frozen=True, slots=True)
class MatrixCell:
    issuer_partner_id: int | None  # None: the operator issued them
    partner_id: int
    price: Decimal | None
    points: int


@dataclass(frozen=True, slots=True)
class Accounts:
    """The accounts settlement reads, by id: each partner's issued and redeemed accounts, the
    operator's bonus (an issuer of lots) and breakage."""

    issued: dict[int, int]  # account id: partner id
    redeemed: dict[int, int]
    bonus_id: int
    breakage_id: int

    def issuer_partner_id(self, account_id: int) -> int | None:
        """The partner that issued a lot, or None when the operator did."""
        if account_id == self.bonus_id:
            return None
        return self.issued[account_id]


async def read_accounts(conn: BaseDBAsyncClient) -> Accounts:
    rows = await fetch(
        conn,
        "SELECT id, kind, owner_id FROM accounts WHERE kind IN ($1, $2, $3, $4) ORDER BY id",
        AccountKind.PARTNER_ISSUED, AccountKind.PARTNER_REDEEMED, AccountKind.OPERATOR_BONUS,
        AccountKind.OPERATOR_BREAKAGE,
    )
    by_kind: dict[str, dict[int, int]] = {}
    for r in rows:
        by_kind.setdefault(r["kind"], {})[int(r["id"])] = int(r["owner_id"])
    (bonus_id,) = by_kind[AccountKind.OPERATOR_BONUS]
    (breakage_id,) = by_kind[AccountKind.OPERATOR_BREAKAGE]
    return Accounts(by_kind.get(AccountKind.PARTNER_ISSUED, {}),
                    by_kind.get(AccountKind.PARTNER_REDEEMED, {}), bonus_id, breakage_id)


def sql_by_name(accounts: Accounts) -> dict[str, str]:
    """The SQL of each aggregate (parameters: Window.params()), to EXPLAIN when profiling."""
    issued_ids, redeemed_ids = _in(tuple(accounts.issued)), _in(tuple(accounts.redeemed))
    return {
        "issued": _issued_sql(issued_ids),
        "burned": _burned_sql(redeemed_ids),
        "movements": _movements_sql(
            issued_ids, _in((*accounts.issued, *accounts.redeemed))),
        "breakage": _breakage_sql(accounts.breakage_id),
        "matrix": _matrix_sql(redeemed_ids),
    }


def _points_at_price(rows: list[dict[str, Any]], partner_of: dict[int, int]) -> list[PointsAtPrice]:
    return [
        PointsAtPrice(partner_of[int(r["account_id"])], bool(r["is_late"]),
                      None if r["price"] is None else parse_decimal(r["price"]), int(r["points"]),
                      bool(r.get("is_funded", 0)))
        for r in rows if int(r["points"]) != 0
    ]


async def issued(
    conn: BaseDBAsyncClient, window: Window, accounts: Accounts
) -> list[PointsAtPrice]:
    rows = await fetch(conn, sql_by_name(accounts)["issued"], *window.params())
    return _points_at_price(rows, accounts.issued)


async def burned(
    conn: BaseDBAsyncClient, window: Window, accounts: Accounts
) -> list[PointsAtPrice]:
    rows = await fetch(conn, sql_by_name(accounts)["burned"], *window.params())
    return _points_at_price(rows, accounts.redeemed)


async def movements(
    conn: BaseDBAsyncClient, window: Window, accounts: Accounts
) -> tuple[list[PointsAtPrice], list[PointsAtPrice]]:
    """The partner accounts' own movements at their charged prices: (issued, burned), signed
    as `issued` and `burned` sign them."""
    rows = await fetch(conn, sql_by_name(accounts)["movements"], *window.params())
    issued_rows = [r for r in rows if int(r["account_id"]) in accounts.issued]
    burned_rows = [{**r, "points": -int(r["points"]), "is_funded": 0} for r in rows
                   if int(r["account_id"]) in accounts.redeemed]
    return (_points_at_price(issued_rows, accounts.issued),
            _points_at_price(burned_rows, accounts.redeemed))


async def breakage(conn: BaseDBAsyncClient, window: Window, accounts: Accounts) -> int:
    row = await fetch_one(conn, sql_by_name(accounts)["breakage"], *window.params())
    return int(row["points"]) if row else 0


async def matrix(
    conn: BaseDBAsyncClient, window: Window, accounts: Accounts
) -> list[MatrixCell]:
    rows = await fetch(conn, sql_by_name(accounts)["matrix"], *window.params())
    return [
        MatrixCell(
            issuer_partner_id=accounts.issuer_partner_id(int(r["issuer_account_id"])),
            partner_id=accounts.redeemed[int(r["account_id"])],
            price=None if r["price"] is None else parse_decimal(r["price"]),
            points=int(r["points"]),
        )
        for r in rows if int(r["points"]) != 0
    ]


async def last_transfer_id(conn: BaseDBAsyncClient, *, hold_writers: bool) -> int:
    """The highest transfer id so far: the bound of a settlement run's snapshot.

    With `hold_writers` on PostgreSQL, new transfers wait until the caller's transaction ends
    (an EXCLUSIVE table lock lets readers through but not writers), so that every transfer up
    to that id has committed: a transfer that got a lower id but committed later would
    otherwise fall between two closed periods.
    """
    if hold_writers and is_postgres(conn):
        await conn.execute_script("LOCK TABLE transfers IN EXCLUSIVE MODE")
    row = await fetch_one(conn, "SELECT COALESCE(MAX(id), 0) AS through_id FROM transfers")
    assert row is not None
    return int(row["through_id"])


@dataclass(frozen=True, slots=True)
class PurchaseSpend:
    """A member's purchases in one currency: the last one's time, and the spend (net of
    refunds) since a given time."""

    currency: str
    last_purchase_at: int
    spend_minor: int


async def purchase_spend(
    conn: BaseDBAsyncClient, member_id: int, since: int, *, except_earning_id: int = 0
) -> list[PurchaseSpend]:
    """Per currency, the member's purchases (leaving out one being recorded, if any)."""
    rows = await fetch(
        conn,
        "SELECT currency, MAX(occurred_at) AS last_at, SUM(CASE WHEN occurred_at >= $3 "
        "THEN amount_minor - amount_refunded_minor ELSE 0 END) AS spend FROM earnings "
        "WHERE member_id = $1 AND id <> $2 GROUP BY currency",
        member_id, except_earning_id, since,
    )
    return [PurchaseSpend(str(r["currency"]), int(r["last_at"]), int(r["spend"])) for r in rows]
