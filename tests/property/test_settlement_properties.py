"""Settlement against an independent reckoning of random histories.

Hypothesis draws partners (EUR, USD or JPY) with random dated prices, and a history from 20
February over two or three months: purchases (some dated days back, some pending for a while,
some with short lives), burns, partial purchase refunds, redemption refunds and expiry sweeps.
Each month is run twice and closed at a random moment after it ends, so that purchases dated in
a closed month arrive as late items of the next, and February's activity is taken by the first
period as late items. Then, for every closed month:

- its stored statements and the operator's result sum to zero, exactly, in every currency;
- its lines are what a plain-Python reading of the transfers table gives: each partner transfer
  dated, assigned to exactly one month by the close watermarks, priced from the drawn rates
  (points back at the price they went out at), rounded half-even at the line;
- its breakage is the expiry transfers assigned to it, less refunds taken back out of it;
- running it again before the close gave the same checksum, and so did the close.

Every example gets a fresh database and its own event loop (Tortoise connections belong to the
loop that opened them).
"""

from __future__ import annotations

import asyncio
import bisect
import itertools
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import ROUND_HALF_EVEN, Decimal
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from exchange.clock import days_to_us, to_us
from exchange.db import close_database, connection, fetch, open_database
from exchange.errors import DomainError
from exchange.ledger.balances import member_balances
from exchange.ledger.earning import PurchaseEarn
from exchange.ledger.errors import LedgerErrorCode
from exchange.ledger.refunds import PurchaseRefund
from exchange.members.service import create_member
from exchange.money import minor_unit_digits
from exchange.operations import postings as service
from exchange.operations import sweeps
from exchange.registry.partners import create_partner
from exchange.registry.rates import Rate, set_rate
from exchange.settlement import storage
from exchange.settlement.periods import Period, period
from exchange.settlement.service import begin_settlement, close_settlement, run_settlement
from exchange.settlement.storage import Settlement
from tests.conftest import create_database, drop_database, is_postgres

ZONE = "UTC"
HOUR = 3_600_000_000
HISTORY_START = to_us(datetime(2026, 2, 20, tzinfo=UTC))
RATES_FROM = to_us(datetime(2026, 1, 1, tzinfo=UTC))
MONTHS = ("2026-03", "2026-04", "2026-05")
PARTNER_CODES = ("grocer", "fuel", "books")
MEMBERS = 3
ADMIN = "admin:property"
# What the examples of this session covered, checked at the end so the test cannot pass empty.
COVERED: Counter[str] = Counter()
SETTINGS = settings(
    max_examples=50 if is_postgres() else 120,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)

# --- The history -----------------------------------------------------------------------------

price_st = st.integers(1, 40_000).map(lambda n: Decimal(n).scaleb(-5))  # 0.00001 to 0.4
rate_change_st = st.tuples(st.integers(0, 100 * 24), price_st, price_st)  # hours after 20 Feb
partner_st = st.tuples(st.sampled_from(["EUR", "EUR", "USD", "JPY"]), price_st, price_st,
                       st.lists(rate_change_st, max_size=2))
earn_st = st.tuples(st.just("earn"), st.integers(0, MEMBERS - 1),
                    st.integers(0, len(PARTNER_CODES) - 1), st.integers(1, 3_000),
                    st.sampled_from([0, 0, 30, 150, 300]),  # hours the purchase is dated back
                    st.sampled_from([0, 0, 72]),  # hours it stays pending
                    st.sampled_from([15, 40, 730]))  # its life in days
burn_st = st.tuples(st.just("burn"), st.integers(0, MEMBERS - 1),
                    st.integers(0, len(PARTNER_CODES) - 1), st.integers(1, 100))
refund_st = st.tuples(st.sampled_from(["refund_purchase", "refund_redemption"]),
                      st.integers(0, 50), st.integers(1, 100))
expire_st = st.tuples(st.just("expire"))
step_st = st.tuples(st.integers(1, 120),  # hours since the previous step
                    st.one_of(earn_st, earn_st, burn_st, burn_st, refund_st, expire_st))


@dataclass
class History:
    partners: list[tuple[str, Decimal, Decimal, list[tuple[int, Decimal, Decimal]]]]
    months: tuple[str, ...]
    close_delays_hours: list[int]
    steps: list[tuple[int, tuple[Any, ...]]]


history_st = st.builds(
    History,
    partners=st.lists(partner_st, min_size=len(PARTNER_CODES), max_size=len(PARTNER_CODES)),
    months=st.sampled_from([MONTHS[:2], MONTHS]),
    close_delays_hours=st.lists(st.integers(0, 240), min_size=2, max_size=2),
    steps=st.lists(step_st, min_size=10, max_size=45),
)


# --- Playing it on the exchange --------------------------------------------------------------


@dataclass
class Exchange:
    """Ids, prices as drawn, and what the history did (for its refunds)."""

    partner_ids: list[int]
    currency: dict[int, str]
    prices: dict[int, list[tuple[int, Decimal, Decimal]]]  # partner: (valid_from, issue, burn)
    member_ids: list[int]
    purchases: list[tuple[int, str, int]] = field(default_factory=list)  # partner, order, amount
    refunded: Counter[str] = field(default_factory=Counter)
    holds: list[tuple[int, int, int]] = field(default_factory=list)  # hold, partner, points
    closes: dict[str, Settlement] = field(default_factory=dict)
    keys: itertools.count[int] = field(default_factory=itertools.count)

    def key(self) -> str:
        return f"k-{next(self.keys)}"


async def _set_up(history: History) -> Exchange:
    ids, currency, prices = [], {}, {}
    for code, (cur, issue, burn, changes) in zip(PARTNER_CODES, history.partners, strict=True):
        partner = await create_partner(code, code, return_window_days=0, settlement_currency=cur)
        later = {HISTORY_START + hours * HOUR: (i, b) for hours, i, b in changes}
        rates = [(RATES_FROM, issue, burn)] + [(at, i, b) for at, (i, b) in sorted(later.items())]
        for valid_from, i, b in rates:
            await set_rate(Rate(partner.id, cur, valid_from, Decimal(1), i, b))
        ids.append(partner.id)
        currency[partner.id] = cur
        prices[partner.id] = rates
    members = [(await create_member()).id for _ in range(MEMBERS)]
    await begin_settlement(history.months[0], ADMIN, ZONE)
    return Exchange(ids, currency, prices, members)


async def _earn(ex: Exchange, now: int, step: tuple[Any, ...]) -> None:
    _, member, partner, points, back_hours, pending_hours, life_days = step
    occurred_at = now - back_hours * HOUR
    order = f"o-{len(ex.purchases)}"
    request = PurchaseEarn(ex.member_ids[member], ex.partner_ids[partner], order, "EUR",
                           points * 100, points, occurred_at, occurred_at + pending_hours * HOUR,
                           occurred_at + days_to_us(life_days))
    await service.earn_purchase(request, caller="p", idempotency_key=ex.key(), now_us=now)
    ex.purchases.append((ex.partner_ids[partner], order, points * 100))


async def _burn(ex: Exchange, now: int, step: tuple[Any, ...]) -> None:
    _, member, partner, percent = step
    available = (await member_balances(ex.member_ids[member])).available
    points = available * percent // 100
    if points:
        result = await service.redeem_points(ex.member_ids[member], ex.partner_ids[partner],
                                             points, caller="p", idempotency_key=ex.key(),
                                             now_us=now)
        ex.holds.append((result.hold_id, ex.partner_ids[partner], points))


async def _refund_purchase(ex: Exchange, now: int, index: int, percent: int) -> None:
    partner_id, order, amount = ex.purchases[index % len(ex.purchases)]
    amount_minor = (amount - ex.refunded[order]) * percent // 100
    if amount_minor:
        await service.refund_purchase(PurchaseRefund(partner_id, order, "EUR", amount_minor),
                                      caller="p", idempotency_key=ex.key(), now_us=now)
        ex.refunded[order] += amount_minor


async def _refund_redemption(ex: Exchange, now: int, index: int, percent: int) -> None:
    hold_id, partner_id, points = ex.holds[index % len(ex.holds)]
    refund = (points - ex.refunded[f"hold-{hold_id}"]) * percent // 100
    if refund:
        await service.refund_redemption(hold_id, partner_id, refund, caller="p",
                                        idempotency_key=ex.key(), now_us=now)
        ex.refunded[f"hold-{hold_id}"] += refund


async def _step(ex: Exchange, now: int, step: tuple[Any, ...]) -> None:
    kind = step[0]
    try:
        if kind == "earn":
            await _earn(ex, now, step)
        elif kind == "burn":
            await _burn(ex, now, step)
        elif kind == "refund_purchase" and ex.purchases:
            await _refund_purchase(ex, now, step[1], step[2])
        elif kind == "refund_redemption" and ex.holds:
            await _refund_redemption(ex, now, step[1], step[2])
        elif kind == "expire":
            await sweeps.mature_lots(now)
            await sweeps.expire_lots(now)
    except DomainError as error:
        # Refused by the ledger as a whole (e.g. points matured or expired meanwhile): nothing
        # changed. Any other refusal would be a bug in this test's setup.
        assert isinstance(error.code, LedgerErrorCode), error


async def _close(ex: Exchange, label: str) -> None:
    """Run twice, then close: the same ledger gives the same checksum every time."""
    first = await run_settlement(label, ADMIN, ZONE)
    again = await run_settlement(label, ADMIN, ZONE)
    closed = await close_settlement(label, ADMIN, ZONE)
    assert first.checksum == again.checksum == closed.checksum, label
    ex.closes[label] = closed


async def _play(history: History) -> Exchange:
    ex = await _set_up(history)
    periods = [period(label, ZONE) for label in history.months]
    close_at = [p.end_at + hours * HOUR
                for p, hours in zip(periods[:-1], history.close_delays_hours, strict=False)]
    now = HISTORY_START
    for hours, step in history.steps:
        now += hours * HOUR
        if now >= periods[-1].end_at:
            break
        while len(ex.closes) < len(close_at) and now >= close_at[len(ex.closes)]:
            await _close(ex, periods[len(ex.closes)].label)
        await _step(ex, now, step)
    for p in periods[len(ex.closes):]:
        await _close(ex, p.label)
    return ex


# --- The independent reckoning ---------------------------------------------------------------

Key = tuple[int, str, bool, Decimal]  # partner, kind, is_late, price


@dataclass
class Reckoning:
    points: dict[str, Counter[Key]]  # month: points per line
    breakage: Counter[str]
    assigned: Counter[int]  # transfer id: months it was assigned to


def _price(ex: Exchange, partner_id: int, at: int, kind: str) -> Decimal:
    rates = ex.prices[partner_id]
    index = bisect.bisect_right([valid_from for valid_from, _, _ in rates], at) - 1
    assert index >= 0
    return rates[index][1] if kind == "issued" else rates[index][2]


def _month_of(periods: list[Period], watermarks: list[int], dated: int, transfer_id: int
              ) -> tuple[str, bool] | None:
    """The closed month that settled a transfer, and whether it came late."""
    for i, p in enumerate(periods):
        previous = watermarks[i - 1] if i else 0
        if transfer_id > watermarks[i]:
            continue
        if p.start_at <= dated < p.end_at:
            return p.label, False
        if dated < p.start_at and transfer_id > previous:
            return p.label, True
    return None


async def _transfers() -> list[dict[str, Any]]:
    return await fetch(
        connection(),
        "SELECT t.id, t.kind, t.points, t.created_at, t.linked_transfer_id, "
        "da.kind AS debit_kind, da.owner_id AS debit_owner, ca.kind AS credit_kind, "
        "ca.owner_id AS credit_owner, e.occurred_at FROM transfers t "
        "JOIN accounts da ON da.id = t.debit_account_id "
        "JOIN accounts ca ON ca.id = t.credit_account_id "
        "LEFT JOIN earnings e ON e.id = t.earning_id ORDER BY t.id",
    )


def _dated(t: dict[str, Any]) -> int:
    """A purchase's points are dated by the purchase, everything else when it was recorded."""
    is_purchase = t["occurred_at"] is not None and t["kind"] in ("earn", "debt_payment")
    return int(t["occurred_at"]) if is_purchase else int(t["created_at"])


def _entries(ex: Exchange, t: dict[str, Any], created: dict[int, int]) -> list[tuple[Key, int]]:
    """What one transfer puts on its partner's statement: (line key, signed points)."""
    issued_at = int(t["occurred_at"]) if t["occurred_at"] is not None else int(t["created_at"])
    entries = []
    if t["debit_kind"] == "partner_issued":
        owner = int(t["debit_owner"])
        price = _price(ex, owner, _dated(t), "issued")
        entries.append(((owner, "issued", False, price), t["points"]))
    if t["credit_kind"] == "partner_issued":
        owner = int(t["credit_owner"])
        entries.append(((owner, "issued", False, _price(ex, owner, issued_at, "issued")),
                        -t["points"]))
    if t["credit_kind"] == "partner_redeemed":
        owner = int(t["credit_owner"])
        price = _price(ex, owner, int(t["created_at"]), "burned")
        entries.append(((owner, "burned", False, price), t["points"]))
    if t["debit_kind"] == "partner_redeemed":
        owner = int(t["debit_owner"])
        price = _price(ex, owner, created[int(t["linked_transfer_id"])], "burned")
        entries.append(((owner, "burned", False, price), -t["points"]))
    return entries


async def _reckon(ex: Exchange, labels: tuple[str, ...]) -> Reckoning:
    periods = [period(label, ZONE) for label in labels]
    watermarks = [ex.closes[label].through_transfer_id for label in labels]
    transfers = await _transfers()
    created = {int(t["id"]): int(t["created_at"]) for t in transfers}
    reckoning = Reckoning(defaultdict(Counter), Counter(), Counter())
    for t in transfers:
        entries = _entries(ex, t, created)
        # Breakage: points expired, less expired points a refund took back out of it.
        breakage_sign = ((t["credit_kind"] == "operator_breakage")
                         - (t["debit_kind"] == "operator_breakage"))
        is_breakage = breakage_sign != 0
        if not entries and not is_breakage:
            continue
        found = _month_of(periods, watermarks, _dated(t), int(t["id"]))
        assert found is not None, f"transfer {t['id']} was settled in no month"
        label, is_late = found
        reckoning.assigned[int(t["id"])] += 1
        if is_breakage:
            reckoning.breakage[label] += breakage_sign * int(t["points"])
        for (owner, kind, _, price), points in entries:
            reckoning.points[label][(owner, kind, is_late, price)] += int(points)
    return reckoning


def _amount(points: int, price: Decimal, kind: str, currency: str) -> Decimal:
    exponent = Decimal(1).scaleb(-minor_unit_digits(currency))
    value = (price * points).quantize(exponent, ROUND_HALF_EVEN)
    return -value if kind == "issued" else value


async def _check_month(ex: Exchange, label: str, reckoning: Reckoning) -> None:
    stored = await storage.read_statements(label)
    expected = {
        key: (points, _amount(points, key[3], key[1], ex.currency[key[0]]))
        for key, points in reckoning.points[label].items() if points
    }
    on_statements = {
        (s.partner_id, ln.kind, ln.is_late, ln.price): (ln.points, ln.amount)
        for s in stored for ln in s.lines
    }
    assert on_statements == expected, label
    COVERED["lines"] += len(expected)
    COVERED["late lines"] += sum(1 for key in expected if key[2])
    COVERED["negative lines"] += sum(1 for points, _ in expected.values() if points < 0)
    COVERED["breakage points"] += reckoning.breakage[label]
    nets: Counter[str] = Counter()
    for s in stored:
        assert s.net == sum((ln.amount for ln in s.lines), Decimal(0))
        nets[s.currency] += s.net
    for result in ex.closes[label].operator_results:
        assert nets.pop(result.currency) + result.result == 0, (label, result)
    assert not nets, label
    runs = await storage.read_runs(label)
    assert runs[-1].breakage_points == reckoning.breakage[label], label


async def _example(history: History, template: str, directory: Path) -> None:
    url = await create_database(template, directory)
    await open_database(url)
    try:
        ex = await _play(history)
        reckoning = await _reckon(ex, history.months)
        assert set(reckoning.assigned.values()) <= {1}, "a transfer settled twice"
        for label in history.months:
            await _check_month(ex, label, reckoning)
    finally:
        await close_database()
        await drop_database(url)


def test_statements_match_an_independent_reckoning(template_database: str,
                                                   tmp_path: Path) -> None:
    @SETTINGS
    @given(history=history_st)
    def check(history: History) -> None:
        asyncio.run(_example(history, template_database, tmp_path))

    before = COVERED.copy()
    check()
    covered = COVERED - before
    print(f"settlement properties: {dict(covered)}")
    for what in ("lines", "late lines", "negative lines", "breakage points"):
        assert covered[what] > 0, f"no example had {what}"
