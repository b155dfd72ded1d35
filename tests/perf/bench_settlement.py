"""Benchmark: `run_settlement` for a month of 1,000,000 ledger transfers across 20 partners, on
PostgreSQL: wall time (the target is at most 3 s) and memory (which must not grow with volume).

Run on demand (not part of the test suite):

    python tests/perf/bench_settlement.py --url postgres://postgres@127.0.0.1:5432/test \
        --transfers 250000 1000000

For each volume it creates a scratch database beside the one named, migrates it, onboards 20
partners with dated prices (half of them change price mid-month) through the exchange's own
services, and then BULK-LOADS the ledger with asyncpg COPY: members and their accounts,
earnings, lots, holds, transfers and lot allocations. Going through the ledger service would
take hours at this volume, so the rows are generated directly, by a small per-member simulation
that keeps the ledger's invariants and satisfies every constraint: each member earns five
purchases (lots, earliest expiry first), has half of the last one refunded (a reversal drawn
from its own lot), burns three times at random partners (drawing lots in expiry order, recorded
in lot_allocations), and has a third of the last burn refunded (given back to the freshest lots);
balances are the sums of the transfers, so all balances sum to zero. Ten transfers per member.

The settlement itself runs in a fresh child process, so that its peak RSS (ru_maxrss) is its
own: the RSS before the run, the peak after it, per-step times from the `progress` callback.
`--explain` prints EXPLAIN ANALYZE of the settlement queries for the largest volume.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import random
import resource
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from decimal import ROUND_HALF_EVEN, Decimal
from urllib.parse import urlsplit, urlunsplit

import asyncpg
from rich.console import Console
from rich.table import Table

console = Console()
PERIOD = "2026-03"
MONTH_START_US = 1_772_323_200_000_000  # 2026-03-01T00:00:00Z
HOUR_US = 3_600_000_000
DAY_US = 24 * HOUR_US
PARTNERS = 20
TRANSFERS_PER_MEMBER = 10
MEMBERS_PER_CHUNK = 10_000
SECONDS_MAX = 3.0
TARGET_TRANSFERS_MAX = 1_000_000
RSS_SPREAD_MB_MAX = 16  # the aggregates return a few rows per partner, whatever the volume
SEED = 20260301


def _asyncpg_url(url: str) -> str:
    return url.replace("postgres://", "postgresql://", 1)


def _with_database(url: str, name: str) -> str:
    return urlunsplit(urlsplit(url)._replace(path=f"/{name}"))


async def _admin(url: str, sql: str) -> None:
    conn = await asyncpg.connect(_asyncpg_url(url))
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


# --- Partners, through the exchange's services ---------------------------------------------


async def _onboard(url: str) -> None:
    from exchange.db import close_database, migrate, open_database
    from exchange.registry.partners import create_partner
    from exchange.registry.rates import Rate, set_rate
    from exchange.settlement.service import begin_settlement

    await migrate(url)
    await open_database(url)
    try:
        for n in range(PARTNERS):
            partner = await create_partner(f"p{n:02d}", f"Partner {n}", return_window_days=0)
            issue = Decimal(100 + 7 * n).scaleb(-4)  # 0.0100 to 0.0233
            burn = Decimal(80 + 5 * n).scaleb(-4)
            await set_rate(Rate(partner.id, "EUR", MONTH_START_US - 90 * DAY_US, Decimal(1),
                                issue, burn))
            if n % 2:  # a price change on the 15th
                await set_rate(Rate(partner.id, "EUR", MONTH_START_US + 14 * DAY_US, Decimal(1),
                                    issue + Decimal("0.0011"), burn + Decimal("0.0007")))
        await begin_settlement(PERIOD, "admin:bench", "UTC")
    finally:
        await close_database()


# --- The ledger, bulk-loaded -----------------------------------------------------------------


@dataclass
class Ids:
    """Next ids, and each partner's accounts."""

    account: int
    issued: dict[int, int]  # partner id: its partner_issued account id
    redeemed: dict[int, int]
    rates: dict[int, list[tuple[int, str, str]]]  # partner id: (valid from, issue, redemption)
    transfer: int = 1
    earning: int = 1
    lot: int = 1
    hold: int = 1
    allocation: int = 1

    def next(self, name: str) -> int:
        value = getattr(self, name)
        setattr(self, name, value + 1)
        return int(value)

    def prices(self, partner_id: int, at: int) -> tuple[str, str]:
        """The partner's (issue, redemption) prices in force at `at`, as charged."""
        _, issue, redemption = max(r for r in self.rates[partner_id] if r[0] <= at)
        return issue, redemption


@dataclass
class Rows:
    members: list[tuple] = field(default_factory=list)
    accounts: list[tuple] = field(default_factory=list)
    earnings: list[tuple] = field(default_factory=list)
    lots: list[tuple] = field(default_factory=list)
    holds: list[tuple] = field(default_factory=list)
    transfers: list[tuple] = field(default_factory=list)
    lot_allocations: list[tuple] = field(default_factory=list)


COLUMNS = {
    "members": ("id", "card_number", "created_at"),
    "accounts": ("id", "kind", "owner_id", "balance", "created_at"),
    "earnings": ("id", "member_id", "partner_id", "order_id", "currency", "amount_minor",
                 "amount_refunded_minor", "points", "points_reversed", "occurred_at",
                 "created_at"),
    "lots": ("id", "member_id", "issuer_account_id", "earn_transfer_id", "earning_id", "points",
             "points_remaining", "is_pending", "earned_at", "available_at", "expires_at"),
    "holds": ("id", "member_id", "partner_id", "points", "points_captured", "points_refunded",
              "status", "authorize_transfer_id", "capture_transfer_id", "created_at",
              "expires_at", "resolved_at", "points_discount"),
    "transfers": ("id", "kind", "debit_account_id", "credit_account_id", "points",
                  "linked_transfer_id", "hold_id", "earning_id", "caller", "reason",
                  "created_at", "dated_at", "issue_price", "redemption_price"),
    "lot_allocations": ("id", "transfer_id", "lot_id", "points"),
}


class Member:
    """One member's month, simulated with the ledger's own rules."""

    def __init__(self, member_id: int, ids: Ids, rows: Rows, balances: Counter[int],
                 rng: random.Random) -> None:
        self.id, self.ids, self.rows, self.balances, self.rng = member_id, ids, rows, balances, rng
        base = ids.next("account")
        for _ in range(3):
            ids.next("account")
        self.available_id = base
        self.lots: list[list[int]] = []  # [lot id, points remaining]
        rows.members.append((member_id, f"9{member_id:015d}", MONTH_START_US))
        self.now = MONTH_START_US + rng.randrange(20 * DAY_US)
        self.account_ids = (base, base + 1, base + 2, base + 3)

    def tick(self) -> int:
        self.now += self.rng.randrange(1, 18 * HOUR_US)
        return self.now

    def transfer(self, kind: str, debit: int, credit: int, points: int,
                 price: tuple[str | None, str | None], **links: int) -> int:
        """A transfer recorded now, charged `price` (issue, redemption) as the ledger does."""
        transfer_id = self.ids.next("transfer")
        self.rows.transfers.append((
            transfer_id, kind, debit, credit, points, links.get("linked"), links.get("hold"),
            links.get("earning"), "partner:bench", "", self.now, self.now, *price))
        self.balances[debit] -= points
        self.balances[credit] += points
        return transfer_id

    def allocate(self, transfer_id: int, draws: list[tuple[int, int]]) -> None:
        for lot_index, points in draws:
            self.rows.lot_allocations.append(
                (self.ids.next("allocation"), transfer_id, self.lots[lot_index][0], points))

    def earn(self, partner_id: int, points: int) -> tuple[int, int]:
        at = self.tick()
        earning_id = self.ids.next("earning")
        issued = self.ids.issued[partner_id]
        issue, _ = self.ids.prices(partner_id, at)
        transfer_id = self.transfer("earn", issued, self.available_id, points, (issue, None),
                                    earning=earning_id)
        lot_id = self.ids.next("lot")
        self.lots.append([lot_id, points])
        self.rows.earnings.append([earning_id, self.id, partner_id, f"b{earning_id}", "EUR",
                                   points * 100, 0, points, 0, at, at])
        self.rows.lots.append([lot_id, self.id, issued, transfer_id, earning_id, points, points,
                               False, at, at, at + 730 * DAY_US])
        return earning_id, len(self.lots) - 1

    def refund_half(self, partner_id: int, earning_id: int, lot_index: int) -> None:
        self.tick()
        earning = self.rows.earnings[-1]
        assert earning[0] == earning_id
        points = int((Decimal(earning[7]) / 2).to_integral_value(ROUND_HALF_EVEN))
        issue, _ = self.ids.prices(partner_id, earning[9])  # as charged at the purchase
        transfer_id = self.transfer("reversal", self.available_id, self.ids.issued[partner_id],
                                    points, (issue, None), earning=earning_id)
        self.lots[lot_index][1] -= points
        self.allocate(transfer_id, [(lot_index, points)])
        earning[6], earning[8] = earning[5] // 2, points

    def redeem(self, partner_id: int, points: int) -> tuple[int, int, list[tuple[int, int]]]:
        self.tick()
        hold_id = self.ids.next("hold")
        _, redemption = self.ids.prices(partner_id, self.now)
        transfer_id = self.transfer("redeem", self.available_id, self.ids.redeemed[partner_id],
                                    points, (None, redemption), hold=hold_id)
        draws, still = [], points
        for index, lot in enumerate(self.lots):  # lots expire in the order they were earned
            take = min(still, lot[1])
            if take:
                lot[1] -= take
                draws.append((index, take))
                still -= take
        assert still == 0
        self.allocate(transfer_id, draws)
        self.rows.holds.append([hold_id, self.id, partner_id, points, points, 0, "captured",
                                transfer_id, transfer_id, self.now, self.now, self.now, 0])
        return hold_id, transfer_id, draws

    def refund_redemption(self, partner_id: int, burn: tuple[int, int, list[tuple[int, int]]],
                          points: int) -> None:
        hold = self.rows.holds[-1]
        _, redemption = self.ids.prices(partner_id, hold[9])  # as charged at the burn
        self.tick()
        hold_id, capture_id, draws = burn
        transfer_id = self.transfer("redemption_refund", self.ids.redeemed[partner_id],
                                    self.available_id, points, (None, redemption), hold=hold_id,
                                    linked=capture_id)
        restored, still = [], points
        for index, drawn in reversed(draws):  # the freshest lots get their points back first
            give = min(still, drawn)
            if give:
                self.lots[index][1] += give
                restored.append((index, give))
                still -= give
        self.allocate(transfer_id, restored[::-1])
        self.rows.holds[-1][5] = points

    def month(self) -> None:
        partners = list(self.ids.issued)
        earned = []
        for _ in range(5):
            earned.append(self.earn(self.rng.choice(partners), 2 * self.rng.randint(25, 250)))
        last_partner = self.rows.earnings[-1][2]
        self.refund_half(last_partner, *earned[-1])
        burn = None
        for _ in range(3):
            available = sum(lot[1] for lot in self.lots)
            partner_id = self.rng.choice(partners)
            burn = (partner_id, self.redeem(partner_id, self.rng.randint(1, available // 3)))
        assert burn is not None
        self.refund_redemption(burn[0], burn[1], max(1, burn[1][2][-1][1] // 3))
        for lot, row in zip(self.lots, self.rows.lots[-len(self.lots):], strict=True):
            row[6] = lot[1]
        self.rows.accounts += [
            (account_id, kind, self.id, self.balances.pop(account_id, 0), MONTH_START_US)
            for account_id, kind in zip(self.account_ids, (
                "member_available", "member_pending", "member_held", "member_clawback"),
                strict=True)
        ]


def _chunks(members: int, ids: Ids, balances: Counter[int]) -> Iterator[Rows]:
    rng = random.Random(SEED)
    for first in range(1, members + 1, MEMBERS_PER_CHUNK):
        rows = Rows()
        for member_id in range(first, min(first + MEMBERS_PER_CHUNK, members + 1)):
            Member(member_id, ids, rows, balances, rng).month()
        yield rows


async def _load(url: str, transfers: int) -> int:
    conn = await asyncpg.connect(_asyncpg_url(url))
    try:
        # Holds name their transfers and transfers their holds: the ledger inserts a hold, then
        # its transfer, then names it. COPY loads whole tables, so this session skips triggers,
        # the foreign keys' among them; the simulation keeps every reference.
        await conn.execute("SET session_replication_role = replica")
        accounts = await conn.fetch("SELECT id, kind, owner_id FROM accounts "
                                    "WHERE kind IN ('partner_issued', 'partner_redeemed')")
        last = await conn.fetchval("SELECT MAX(id) FROM accounts")
        rates: dict[int, list[tuple[int, str, str]]] = {}
        for r in await conn.fetch("SELECT partner_id, valid_from, issue_price, redemption_price "
                                  "FROM partner_rates"):
            rates.setdefault(r["partner_id"], []).append(
                (r["valid_from"], r["issue_price"], r["redemption_price"]))
        ids = Ids(account=last + 1, rates=rates,
                  issued={r["owner_id"]: r["id"] for r in accounts
                          if r["kind"] == "partner_issued"},
                  redeemed={r["owner_id"]: r["id"] for r in accounts
                            if r["kind"] == "partner_redeemed"})
        balances: Counter[int] = Counter()
        for rows in _chunks(transfers // TRANSFERS_PER_MEMBER, ids, balances):
            for table, columns in COLUMNS.items():
                await conn.copy_records_to_table(table, records=[tuple(r) for r in
                                                                 getattr(rows, table)],
                                                 columns=list(columns))
        for account_id, balance in balances.items():  # the partners' accounts
            await conn.execute("UPDATE accounts SET balance = $1 WHERE id = $2", balance,
                               account_id)
        for table in COLUMNS:
            await conn.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                               f"(SELECT MAX(id) FROM {table}))")
        assert await conn.fetchval("SELECT SUM(balance) FROM accounts") == 0
        await conn.execute("VACUUM ANALYZE")
        return int(await conn.fetchval("SELECT COUNT(*) FROM transfers"))
    finally:
        await conn.close()


# --- The run, in a child process -------------------------------------------------------------


def _status_kb(field_name: str) -> int:
    """VmRSS (resident now) or VmHWM (its peak) of this process, from /proc."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(f"{field_name}:"):
                return int(line.split()[1])
    return 0


def _peak_kb() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def settle_in_child(url: str) -> dict:
    return asyncio.run(_settle(url))


def started_child() -> ProcessPoolExecutor:
    """A fresh interpreter, started now. Linux carries ru_maxrss over fork and exec, so the
    children are started before the parent generates any data: their peaks stay their own."""
    pool = ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn"))
    pool.submit(_peak_kb).result()
    return pool


async def _settle(url: str) -> dict:
    from exchange.db import close_database, open_database
    from exchange.settlement.service import run_settlement

    await open_database(url)
    try:
        # `progress` names a step as it begins: a step lasts until the next one is named.
        steps: list[tuple[str, float]] = []
        rss_before_kb, peak_before_kb = _status_kb("VmRSS"), _peak_kb()
        started = last = time.perf_counter()
        current = "snapshot and lease"

        def step(name: str) -> None:
            nonlocal last, current
            now = time.perf_counter()
            steps.append((current, now - last))
            current, last = name, now

        settled = await run_settlement(PERIOD, "admin:bench", "UTC", step)
        seconds = time.perf_counter() - started
        steps.append((current, time.perf_counter() - last))
        return {
            "seconds": seconds, "steps": steps, "rss_before_kb": rss_before_kb,
            "rss_after_kb": _status_kb("VmRSS"), "peak_before_kb": peak_before_kb,
            "peak_rss_kb": _peak_kb(), "hwm_kb": _status_kb("VmHWM"),
            "statements": len(settled.statements), "matrix": len(settled.matrix),
            "issued": sum(ln.points for s in settled.statements for ln in s.lines
                          if ln.kind == "issued"),
            "burned": sum(ln.points for s in settled.statements for ln in s.lines
                          if ln.kind == "burned"),
            "result": str(settled.operator_results[0].result),
        }
    finally:
        await close_database()


async def _explain(url: str) -> None:
    from exchange.db import close_database, connection, fetch, open_database
    from exchange.ledger import reporting as agg

    await open_database(url)
    try:
        conn = connection()
        through = (await fetch(conn, "SELECT MAX(id) AS id FROM transfers"))[0]["id"]
        window = agg.Window(MONTH_START_US, MONTH_START_US + 31 * DAY_US, through, 0)
        for name, sql in agg.sql_by_name(await agg.read_accounts(conn)).items():
            plan = await fetch(conn, f"EXPLAIN (ANALYZE, BUFFERS) {sql}", *window.params())
            console.rule(name)
            console.print("\n".join(row["QUERY PLAN"] for row in plan), soft_wrap=True,
                          markup=False)
    finally:
        await close_database()


# --- Driving it ------------------------------------------------------------------------------


def _bench(
    url: str, transfers: int, explain: bool, child: ProcessPoolExecutor, keep: bool
) -> dict:
    name = f"exchange_bench_settle_{uuid.uuid4().hex[:10]}"
    scratch = _with_database(url, name)
    asyncio.run(_admin(url, f'CREATE DATABASE "{name}"'))
    try:
        started = time.perf_counter()
        asyncio.run(_onboard(scratch))
        loaded = asyncio.run(_load(scratch, transfers))
        load_seconds = time.perf_counter() - started
        console.print(f"{loaded:,} transfers loaded in {load_seconds:.1f} s")
        with child:
            figures = child.submit(settle_in_child, scratch).result()
        if explain:
            asyncio.run(_explain(scratch))
        return {"transfers": loaded, "load_seconds": load_seconds, **figures}
    finally:
        if keep:
            console.print(f"kept {scratch} (drop it when done)")
        else:
            asyncio.run(_admin(url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def _report(results: list[dict]) -> bool:
    table = Table("transfers", "load s", "run s", "RSS before", "RSS after",
                  "peak before", "peak after", "statements", "issued", "burned", "operator EUR",
                  title=f"run_settlement({PERIOD}) on PostgreSQL, {PARTNERS} partners",
                  caption="RSS in MB; peak: ru_maxrss of the child that ran the settlement")
    for r in results:
        table.add_row(f"{r['transfers']:,}", f"{r['load_seconds']:.0f}", f"{r['seconds']:.2f}",
                      f"{r['rss_before_kb'] / 1024:.1f}", f"{r['rss_after_kb'] / 1024:.1f}",
                      f"{r['peak_before_kb'] / 1024:.1f}", f"{r['peak_rss_kb'] / 1024:.1f}",
                      str(r["statements"]), f"{r['issued']:,}", f"{r['burned']:,}", r["result"])
    console.print(table)
    steps = Table("step (s)", *(f"{r['transfers']:,}" for r in results), title="Steps")
    for i, (name, _) in enumerate(results[0]["steps"]):
        steps.add_row(name, *(f"{r['steps'][i][1]:.2f}" for r in results))
    console.print(steps)
    # The target is for a month of up to 1,000,000 transfers; larger volumes are reported so
    # that the growth is visible.
    fast = all(r["seconds"] <= SECONDS_MAX for r in results
               if r["transfers"] <= TARGET_TRANSFERS_MAX)
    peaks = [r["peak_rss_kb"] / 1024 for r in results]
    flat = max(peaks) - min(peaks) <= RSS_SPREAD_MB_MAX
    console.print(f"at most {SECONDS_MAX:.0f} s up to {TARGET_TRANSFERS_MAX:,} transfers: "
                  f"{'yes' if fast else 'NO'}; peak RSS flat across "
                  f"volumes ({', '.join(f'{p:.1f}' for p in peaks)} MB, spread at most "
                  f"{RSS_SPREAD_MB_MAX} MB): {'yes' if flat else 'NO'}")
    return fast and flat


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", required=True, help="postgres://USER@HOST:PORT/DB")
    parser.add_argument("--transfers", type=int, nargs="+", default=[250_000, 1_000_000])
    parser.add_argument("--explain", action="store_true",
                        help="EXPLAIN ANALYZE the settlement queries at the largest volume")
    parser.add_argument("--keep", action="store_true",
                        help="keep the scratch databases (to profile them further)")
    args = parser.parse_args()
    volumes = sorted(args.transfers)
    children = [started_child() for _ in volumes]
    results = [_bench(args.url, n, args.explain and n == volumes[-1], child, args.keep)
               for n, child in zip(volumes, children, strict=True)]
    return 0 if _report(results) else 1


if __name__ == "__main__":
    raise SystemExit(main())
