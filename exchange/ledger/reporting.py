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
from exchange.ledger.accounts import operator_account_id
from exchange.ledger.kinds import (
    FUNDED_KINDS,
    MEMBER_KINDS,
    AccountKind,
    TransferKind,
    sql_list,
)
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
# them (not by kind of line), each valued at the price it was charged on that side: the
# operator's result is computed from these, not from the statements, so a statement priced or
# counted wrongly makes the run refuse (service.py).
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


# Month by month: what members hold at each month end (the liability) and what expired to
# breakage in each month, for the admin page's charts. Both are dated when recorded
# (created_at): a liability is what the ledger held at that instant.


@dataclass(frozen=True, slots=True)
class PricedPoints:
    """Points in one bucket (a month) issued by one partner at one issue price."""

    bucket: int
    partner_id: int | None  # None: no partner issued them (the operator's own points)
    price: Decimal | None  # None: moved before prices were kept on transfers
    points: int


@dataclass(frozen=True, slots=True)
class PointsByMonth:
    """Points per bucket (`totals`), and the same points by who issued them at what price
    (`priced`); what `priced` does not cover has no issue price."""

    totals: dict[int, int]
    priced: list[PricedPoints]


@dataclass(frozen=True, slots=True)
class _SystemAccounts:
    """Every account that is not a member's, and the partners' issued accounts among them."""

    ids: tuple[int, ...]
    issued: dict[int, int]  # account id: partner id


async def _system_accounts(conn: BaseDBAsyncClient) -> _SystemAccounts:
    rows = await fetch(conn, f"SELECT id, kind, owner_id FROM accounts WHERE kind NOT IN "
                             f"({sql_list(MEMBER_KINDS)}) ORDER BY id")
    issued = {int(r["id"]): int(r["owner_id"]) for r in rows
              if r["kind"] == AccountKind.PARTNER_ISSUED}
    return _SystemAccounts(tuple(int(r["id"]) for r in rows), issued)


def _bucket(count: int) -> str:
    """The bucket of a transfer: i when it was recorded before the i-th boundary ($i+1) and not
    before the one ahead of it."""
    cases = " ".join(f"WHEN t.created_at < ${i + 1} THEN {i}" for i in range(count))
    return f"CASE {cases} END"


_HAS_LOTS = ("CASE WHEN EXISTS (SELECT 1 FROM lot_allocations la WHERE la.transfer_id = t.id) "
             "THEN 1 ELSE 0 END")


def _across_members_sql(system: str, count: int) -> str:
    """Points into (positive) and out of (negative) member accounts by transfers recorded before
    the last boundary, by bucket, counterparty, issue price and whether the transfer drew or
    restored lots. Transfers between two member accounts (maturity, holds) change nothing
    members hold and are left out."""
    columns = f"{_bucket(count)} AS bucket, {_HAS_LOTS} AS has_lots"
    return (
        "SELECT bucket, has_lots, account_id, price, SUM(points) AS points FROM ("
        f"SELECT {columns}, t.debit_account_id AS account_id, t.issue_price AS price, "
        f"t.points AS points FROM transfers t "
        f"WHERE t.debit_account_id IN {system} AND t.credit_account_id NOT IN {system} "
        f"AND t.created_at < ${count} "
        f"UNION ALL SELECT {columns}, t.credit_account_id, t.issue_price, -t.points "
        f"FROM transfers t WHERE t.credit_account_id IN {system} "
        f"AND t.debit_account_id NOT IN {system} AND t.created_at < ${count}"
        ") moved GROUP BY bucket, has_lots, account_id, price"
    )


# Points that left or came back to lots (a burn, an expiry, a reversal, a redemption refund) are
# valued by those lots: each lot says who issued its points, and its earning transfer the price
# that issuer was charged. A burn carries no issue price of its own, and a reversal carries the
# price of the purchase it reverses even when it drew other lots too.
_LOT_PRICE = (
    "JOIN lot_allocations la ON la.transfer_id = t.id JOIN lots l ON l.id = la.lot_id "
    "JOIN transfers e ON e.id = l.earn_transfer_id"
)


def _drawn_from_lots_sql(counterparties: str, system: str, count: int, where: str) -> str:
    """Points of lots drawn by transfers out of member accounts to `counterparties` (positive)
    and given back by transfers the other way (negative), by bucket, lot issuer and the lot's
    issue price."""
    columns = (f"{_bucket(count)} AS bucket, l.issuer_account_id AS account_id, "
               "e.issue_price AS price")
    return (
        "SELECT bucket, account_id, price, SUM(points) AS points FROM ("
        f"SELECT {columns}, la.points AS points FROM transfers t {_LOT_PRICE} "
        f"WHERE t.credit_account_id IN {counterparties} AND t.debit_account_id NOT IN {system} "
        f"AND {where} "
        f"UNION ALL SELECT {columns}, -la.points FROM transfers t {_LOT_PRICE} "
        f"WHERE t.debit_account_id IN {counterparties} AND t.credit_account_id NOT IN {system} "
        f"AND {where}"
        ") drawn GROUP BY bucket, account_id, price"
    )


def _priced(rows: list[dict[str, Any]], issued: dict[int, int], sign: int) -> list[PricedPoints]:
    return [
        PricedPoints(int(r["bucket"]), issued.get(int(r["account_id"])),
                     None if r["price"] is None else parse_decimal(r["price"]),
                     sign * int(r["points"]))
        for r in rows if int(r["points"]) != 0
    ]


def _totals(rows: list[dict[str, Any]]) -> dict[int, int]:
    totals: dict[int, int] = {}
    for r in rows:
        totals[int(r["bucket"])] = totals.get(int(r["bucket"]), 0) + int(r["points"])
    return totals


async def member_points_by_month(conn: BaseDBAsyncClient, ends_at: list[int]) -> PointsByMonth:
    """The change in what members hold (available + pending + held, less clawback debt) in each
    bucket: bucket 0 is everything recorded before `ends_at[0]`, bucket i what was recorded from
    `ends_at[i-1]` to `ends_at[i]`; running sums give the liability at each boundary.

    A transfer that drew or restored lots is valued by those lots; any other (an earning, which
    makes a lot, a clawback or a debt payment) by its own issue price when it moved points from
    or to a partner's issued account, and not at all otherwise (the operator's own points).
    """
    assert ends_at == sorted(set(ends_at)) and ends_at, ends_at
    system = await _system_accounts(conn)
    count, ids = len(ends_at), _in(system.ids)
    rows = await fetch(conn, _across_members_sql(ids, count), *ends_at)
    direct = [r for r in rows if not int(r["has_lots"]) and int(r["account_id"]) in system.issued]
    drawn = await fetch(conn, _drawn_from_lots_sql(ids, ids, count, f"t.created_at < ${count}"),
                        *ends_at)
    return PointsByMonth(_totals(rows), [*_priced(direct, system.issued, 1),
                                         *_priced(drawn, system.issued, -1)])


def _breakage_by_month_sql(breakage_id: int, count: int) -> str:
    """Points credited to breakage (less any debited back) by bucket, recorded from $count+1."""
    return (
        f"SELECT {_bucket(count)} AS bucket, SUM(CASE WHEN t.credit_account_id = {breakage_id} "
        "THEN t.points ELSE -t.points END) AS points FROM transfers t "
        f"WHERE (t.credit_account_id = {breakage_id} OR t.debit_account_id = {breakage_id}) "
        f"AND t.created_at >= ${count + 1} AND t.created_at < ${count} GROUP BY bucket"
    )


def _discount_breakage_sql(breakage_id: int, count: int) -> str:
    """Refunded discounts go from the partner where they burned to breakage: the funding partner
    issued those points, at the price of the discount of the same hold."""
    discount, refund = TransferKind.DISCOUNT, TransferKind.DISCOUNT_REFUND
    return (
        f"SELECT {_bucket(count)} AS bucket, d.debit_account_id AS account_id, "
        "d.issue_price AS price, SUM(t.points) AS points FROM transfers t "
        f"JOIN transfers d ON d.hold_id = t.hold_id AND d.kind = '{discount}' "
        f"WHERE t.kind = '{refund}' AND t.credit_account_id = {breakage_id} "
        f"AND t.created_at >= ${count + 1} AND t.created_at < ${count} "
        "GROUP BY bucket, d.debit_account_id, d.issue_price"
    )


def _breakage_returned_sql(breakage_id: int, issued: str, count: int) -> str:
    """A purchase refund takes points that had expired back out of breakage to their issuer,
    at the price the purchase charged (on the reversal itself)."""
    return (
        f"SELECT {_bucket(count)} AS bucket, t.credit_account_id AS account_id, "
        "t.issue_price AS price, SUM(t.points) AS points FROM transfers t "
        f"WHERE t.debit_account_id = {breakage_id} AND t.credit_account_id IN {issued} "
        f"AND t.created_at >= ${count + 1} AND t.created_at < ${count} "
        "GROUP BY bucket, t.credit_account_id, t.issue_price"
    )


async def breakage_by_month(
    conn: BaseDBAsyncClient, starts_at: int, ends_at: list[int]
) -> PointsByMonth:
    """Points that went to the operator's breakage account, recorded from `starts_at`: bucket i
    is what was recorded before `ends_at[i]` and not before the boundary ahead of it, net of
    what purchase refunds took back out of it. Expired points are priced by the lots they
    expired from, refunded discounts by their discount, points taken back by their reversal."""
    assert ends_at == sorted(set(ends_at)) and ends_at and starts_at < ends_at[0], ends_at
    system = await _system_accounts(conn)
    breakage_id = await operator_account_id(conn, AccountKind.OPERATOR_BREAKAGE)
    count, params = len(ends_at), (*ends_at, starts_at)
    window = f"t.created_at >= ${count + 1} AND t.created_at < ${count}"
    totals = await fetch(conn, _breakage_by_month_sql(breakage_id, count), *params)
    expired = await fetch(conn, _drawn_from_lots_sql(_in((breakage_id,)), _in(system.ids),
                                                     count, window), *params)
    discounts = await fetch(conn, _discount_breakage_sql(breakage_id, count), *params)
    returned = await fetch(conn, _breakage_returned_sql(breakage_id, _in(tuple(system.issued)),
                                                        count), *params)
    return PointsByMonth(_totals(totals), [*_priced(expired, system.issued, 1),
                                           *_priced(discounts, system.issued, 1),
                                           *_priced(returned, system.issued, -1)])

