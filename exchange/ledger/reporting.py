"""Every read of ledger facts by other packages: settlement's sums and provenance, the
purchase facts offers need, the snapshot bound a settlement close takes. No other package
names a ledger table in SQL, so a renamed kind or column breaks here, where the tests see it.

Settlement's sums are grouped in the database, never a Python loop over transfers; each is
priced by the partner's dated rates (partner_rates), joined here.

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
from typing import Any

from tortoise import BaseDBAsyncClient

from exchange.db import fetch, fetch_one, is_postgres
from exchange.ledger.kinds import (
    FUNDED_KINDS,
    PURCHASE_DATED_KINDS,
    AccountKind,
    TransferKind,
    sql_list,
)
from exchange.money import parse_decimal

NO_LATE_ITEMS = -1

# $1 period start, $2 period end, $3 through_id, $4 last closed through id (or -1: no late items)
_DATED = (
    f"CASE WHEN t.earning_id IS NOT NULL AND t.kind IN ({sql_list(PURCHASE_DATED_KINDS)}) "
    "THEN e.occurred_at ELSE t.created_at END"
)
_INCLUDED = (
    "(t.created_at >= $1 OR ($4 >= 0 AND t.id > $4)) AND t.id <= $3 "
    f"AND (({_DATED} >= $1 AND {_DATED} < $2) "
    f"OR ($4 >= 0 AND {_DATED} < $1 AND t.id > $4))"
)
_IS_LATE = f"CASE WHEN {_DATED} < $1 THEN 1 ELSE 0 END"
# Funded points (offer bonuses, discounts, and what takes them back) are the funding partner's
# issue too, on a line of their own.
_IS_FUNDED = f"CASE WHEN t.kind IN ({sql_list(FUNDED_KINDS)}) THEN 1 ELSE 0 END"


def _prices(account_kind: str) -> str:
    """The partner's prices in its settlement currency, each valid until the next one begins,
    keyed by the partner's account of `account_kind`."""
    return (
        "WITH prices AS (SELECT a.id AS account_id, r.valid_from, r.issue_price, "
        "r.redemption_price, LEAD(r.valid_from) OVER (PARTITION BY r.partner_id "
        "ORDER BY r.valid_from) AS valid_to FROM partner_rates r JOIN partners p "
        "ON p.id = r.partner_id AND r.purchase_currency = p.settlement_currency "
        f"JOIN accounts a ON a.owner_id = p.id AND a.kind = '{account_kind}') "
    )


def _price_join(account_id: str, price_at: str) -> str:
    return (
        f"LEFT JOIN prices pr ON pr.account_id = {account_id} AND pr.valid_from <= {price_at} "
        f"AND (pr.valid_to IS NULL OR {price_at} < pr.valid_to)"
    )


def _in(ids: tuple[int, ...]) -> str:
    """Account ids written into the SQL rather than joined: the planner then counts their
    transfers from its most-common-value statistics. Reached through a join to accounts by
    kind, the few partner accounts that carry most transfers looked like any other account:
    PostgreSQL expected ~60 rows where a month had 500,000 and chose nested loops, and a month
    of 1,000,000 transfers took 21 s to settle instead of 4 to 6 (tests/perf/bench_settlement.py).
    The ids are integers read from the accounts table, never input."""
    return "(" + ", ".join(str(int(i)) for i in ids) + ")" if ids else "(NULL)"


_EARNING = "LEFT JOIN earnings e ON e.id = t.earning_id"


# Issued points: partner_issued is debited when it issues, credited when points come back.
# Points coming back are priced as they were issued (the purchase time).
def _issued_sql(ids: str) -> str:
    return (
        _prices(AccountKind.PARTNER_ISSUED) + "SELECT account_id, is_late, is_funded, price, "
        f"SUM(points) AS points FROM (SELECT t.debit_account_id AS account_id, "
        f"{_IS_LATE} AS is_late, {_IS_FUNDED} AS is_funded, "
        f"pr.issue_price AS price, t.points AS points FROM transfers t {_EARNING} "
        f"{_price_join('t.debit_account_id', _DATED)} "
        f"WHERE t.debit_account_id IN {ids} AND {_INCLUDED} "
        f"UNION ALL SELECT t.credit_account_id, {_IS_LATE}, {_IS_FUNDED}, pr.issue_price, "
        f"-t.points FROM transfers t {_EARNING} "
        f"{_price_join('t.credit_account_id', 'COALESCE(e.occurred_at, t.created_at)')} "
        f"WHERE t.credit_account_id IN {ids} AND {_INCLUDED}"
        ") issued GROUP BY account_id, is_late, is_funded, price"
    )


# Burned points: partner_redeemed is credited by a burn, debited when burned points are given
# back; those are priced as they were burned (the linked capture's time).
def _burned_sql(ids: str) -> str:
    return (
        _prices(AccountKind.PARTNER_REDEEMED)
        + "SELECT account_id, is_late, price, SUM(points) AS points "
        f"FROM (SELECT t.credit_account_id AS account_id, {_IS_LATE} AS is_late, "
        f"pr.redemption_price AS price, t.points AS points FROM transfers t {_EARNING} "
        f"{_price_join('t.credit_account_id', 't.created_at')} "
        f"WHERE t.credit_account_id IN {ids} AND {_INCLUDED} "
        f"UNION ALL SELECT t.debit_account_id, {_IS_LATE}, pr.redemption_price, -t.points "
        f"FROM transfers t LEFT JOIN transfers c ON c.id = t.linked_transfer_id {_EARNING} "
        f"{_price_join('t.debit_account_id', 'COALESCE(c.created_at, t.created_at)')} "
        f"WHERE t.debit_account_id IN {ids} AND {_INCLUDED}"
        ") burned GROUP BY account_id, is_late, price"
    )


# The same points again, without prices: what the ledger itself says moved.
def _ledger_totals_sql(issued_ids: str, partner_ids: str) -> str:
    kind = (
        f"CASE WHEN {{side}} IN {{issued}} THEN '{AccountKind.PARTNER_ISSUED}' "
        f"ELSE '{AccountKind.PARTNER_REDEEMED}' END"
    )
    return (
        "SELECT kind, SUM(points) AS points FROM ("
        f"SELECT {kind.format(side='t.debit_account_id', issued=issued_ids)} AS kind, "
        f"t.points AS points FROM transfers t {_EARNING} "
        f"WHERE t.debit_account_id IN {partner_ids} AND {_INCLUDED} "
        f"UNION ALL SELECT {kind.format(side='t.credit_account_id', issued=issued_ids)}, "
        f"-t.points FROM transfers t {_EARNING} "
        f"WHERE t.credit_account_id IN {partner_ids} AND {_INCLUDED}"
        ") totals GROUP BY kind"
    )


def _breakage_sql(breakage_id: int) -> str:
    return (
        f"SELECT COALESCE(SUM(t.points), 0) AS points FROM transfers t {_EARNING} "
        f"WHERE t.credit_account_id = {int(breakage_id)} AND {_INCLUDED}"
    )


# Lots drawn by burns (less what refunds gave back), by who issued them and where they burned;
# and discounts, which a funding partner pays straight to where the points burn (less the part
# of them refunded, found through the discount of the same hold).
def _matrix_sql(ids: str) -> str:
    allocations = "JOIN lot_allocations la ON la.transfer_id = t.id JOIN lots l ON l.id = la.lot_id"
    discount, discount_refund = TransferKind.DISCOUNT, TransferKind.DISCOUNT_REFUND
    return (
        _prices(AccountKind.PARTNER_REDEEMED) + "SELECT issuer_account_id, account_id, price, "
        "SUM(points) AS points FROM (SELECT l.issuer_account_id AS issuer_account_id, "
        "t.credit_account_id AS account_id, pr.redemption_price AS price, la.points AS points "
        f"FROM transfers t {allocations} {_EARNING} "
        f"{_price_join('t.credit_account_id', 't.created_at')} "
        f"WHERE t.credit_account_id IN {ids} AND {_INCLUDED} "
        "UNION ALL SELECT l.issuer_account_id, t.debit_account_id, pr.redemption_price, "
        f"-la.points FROM transfers t {allocations} "
        f"LEFT JOIN transfers c ON c.id = t.linked_transfer_id {_EARNING} "
        f"{_price_join('t.debit_account_id', 'COALESCE(c.created_at, t.created_at)')} "
        f"WHERE t.debit_account_id IN {ids} AND {_INCLUDED} "
        "UNION ALL SELECT t.debit_account_id, t.credit_account_id, pr.redemption_price, "
        f"t.points FROM transfers t {_EARNING} "
        f"{_price_join('t.credit_account_id', 't.created_at')} "
        f"WHERE t.kind = '{discount}' AND t.credit_account_id IN {ids} AND {_INCLUDED} "
        "UNION ALL SELECT d.debit_account_id, t.debit_account_id, pr.redemption_price, "
        f"-t.points FROM transfers t JOIN transfers d ON d.hold_id = t.hold_id "
        f"AND d.kind = '{discount}' {_EARNING} "
        f"{_price_join('t.debit_account_id', 'd.created_at')} "
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
        "ledger_totals": _ledger_totals_sql(
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


async def ledger_totals(
    conn: BaseDBAsyncClient, window: Window, accounts: Accounts
) -> dict[str, int]:
    rows = await fetch(conn, sql_by_name(accounts)["ledger_totals"], *window.params())
    return {row["kind"]: int(row["points"]) for row in rows}


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
