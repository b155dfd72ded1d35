"""The ledger against a plain-Python model, driven by a hypothesis state machine.

Every step runs one service call (or a sweep) with an explicit, increasing `now_us`, applies the
same operation to the model, and then checks by SQL that: all balances sum to zero; each member's
available / pending balance equals their lots and the held balance their authorized holds; every
balance equals a replay of the transfers; nothing is negative that must not be; and the database
equals the model (accounts, lots, holds, purchases). Calls that must fail must raise the right
DomainError code and leave the database exactly as it was.

The state machine is synchronous, Tortoise is async and its connections belong to the loop that
opened them: each example gets its own event loop and its own fresh database, opened in that loop.
"""

from __future__ import annotations

import asyncio
import copy
import dataclasses
import itertools
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any, TypeVar

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from exchange import limits
from exchange.db import close_database, connection, fetch, open_database
from exchange.ledger import kinds as k
from exchange.ledger.earning import PurchaseEarn
from exchange.ledger.errors import LedgerErrorCode
from exchange.ledger.kinds import AccountKind
from exchange.ledger.refunds import PurchaseRefund
from exchange.operations import postings as service
from exchange.operations import sweeps
from tests.conftest import create_database, drop_database
from tests.ledger.factories import DAY, T0, member, partner
from tests.ledger.helpers import failure, snapshot

T = TypeVar("T")

MEMBERS = 3
PARTNER_CODES = ("grocer", "fuel")
SECOND = 1_000_000
EXAMPLES = 60
STEPS_PER_EXAMPLE = 60
STEPS_MIN = 2_000
SETTINGS = settings(
    max_examples=EXAMPLES,
    stateful_step_count=STEPS_PER_EXAMPLE,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)

# Steps run in this process, over all examples (shrinking included): the test asserts the total.
STEPS: Counter[str] = Counter()

Draw = tuple[int, int]  # (index of the lot in creation order, points)


# --- The model -------------------------------------------------------------------------------


@dataclass
class Lot:
    member: int
    points: int
    remaining: int
    pending: bool
    available_at: int
    expires_at: int
    expired: int = 0  # points of it that went to breakage


@dataclass
class Hold:
    member: int
    partner: int
    points: int
    draws: list[Draw]  # what authorize took, earliest expiry first
    status: str = "authorized"
    captured: int = 0
    refunded: int = 0
    burned: list[Draw] = field(default_factory=list)  # what the capture burned


@dataclass
class Purchase:
    member: int
    partner: int
    order_id: str
    amount: int
    points: int
    lot: int | None  # the lot its points went to (None if all paid debt)
    refunded: int = 0
    reversed: int = 0
    from_breakage: int = 0  # reversed points taken back out of breakage (they had expired)


def split(draws: list[Draw], points: int) -> tuple[list[Draw], list[Draw]]:
    """The first `points` of the draws, and the rest (as lots.split_draws)."""
    first: list[Draw] = []
    rest: list[Draw] = []
    still = points
    for lot, drawn in draws:
        take = min(still, drawn)
        if take:
            first.append((lot, take))
        if drawn - take:
            rest.append((lot, drawn - take))
        still -= take
    assert still == 0
    return first, rest


class Model:
    """What the ledger should hold, by (account kind, owner id), lots, holds and purchases."""

    def __init__(self) -> None:
        self.balance: Counter[tuple[str, int]] = Counter()
        self.lots: list[Lot] = []
        self.holds: dict[int, Hold] = {}
        self.purchases: dict[int, Purchase] = {}

    def move(self, debit: tuple[str, int], credit: tuple[str, int], points: int) -> None:
        assert points > 0
        self.balance[debit] -= points
        self.balance[credit] += points

    def member_lots(self, member_id: int) -> list[tuple[int, Lot]]:
        return [(i, lot) for i, lot in enumerate(self.lots) if lot.member == member_id]

    # Maturity and expiry, as the sweeps and every spending operation run them.

    def mature(self, member_id: int, now: int) -> int:
        """Make the member's due pending lots available; return the points moved."""
        moved = 0
        for _, lot in self.member_lots(member_id):
            if lot.pending and lot.available_at <= now:
                if lot.remaining:
                    self.move(pending(member_id), available(member_id), lot.remaining)
                    moved += lot.remaining
                lot.pending = False
        return moved

    def expire(self, member_id: int, now: int) -> int:
        """Move what is left of the member's expired lots to breakage; return the points."""
        expired = 0
        for _, lot in self.member_lots(member_id):
            if not lot.pending and lot.remaining and lot.expires_at <= now:
                self.move(available(member_id), BREAKAGE, lot.remaining)
                expired += lot.remaining
                lot.expired += lot.remaining
                lot.remaining = 0
        return expired

    def settle(self, member_id: int, now: int) -> None:
        self.mature(member_id, now)
        self.expire(member_id, now)

    def spendable(self, member_id: int, now: int) -> int:
        """The available balance once the member's lots are settled at `now` (no change)."""
        ghost = copy.deepcopy(self)
        ghost.settle(member_id, now)
        return ghost.balance[available(member_id)]

    # Lots drawn and given back.

    def draw(self, member_id: int, points: int) -> list[Draw]:
        spendable = [
            (lot.expires_at, i) for i, lot in self.member_lots(member_id)
            if not lot.pending and lot.remaining
        ]
        draws: list[Draw] = []
        still = points
        for _, i in sorted(spendable):
            take = min(still, self.lots[i].remaining)
            if take:
                draws.append((i, take))
                self.lots[i].remaining -= take
                still -= take
        assert still == 0, "the model's lots hold less than its balance"
        return draws

    def restore(self, draws: list[Draw], now: int) -> None:
        """Points go back to their lots; to a lot that expired meanwhile, then to breakage."""
        for i, points in draws:
            self.lots[i].remaining += points
        for i, _ in draws:
            if self.lots[i].expires_at <= now:
                self.expire(self.lots[i].member, now)

    # Operations. Each mirrors one service call that succeeded.

    def earn(self, earning_id: int, request: PurchaseEarn, now: int) -> tuple[int, int]:
        """Return (points to debt, points to the new lot)."""
        who = request.member_id
        self.settle(who, now)
        to_debt = min(request.points, -self.balance[clawback(who)])
        if to_debt:
            self.move(issued(request.partner_id), clawback(who), to_debt)
        to_lot = request.points - to_debt
        lot_index = None
        if to_lot:
            is_pending = request.available_at > now
            self.move(
                issued(request.partner_id), pending(who) if is_pending else available(who), to_lot
            )
            lot_index = len(self.lots)
            self.lots.append(Lot(
                who, to_lot, to_lot, is_pending, request.available_at, request.expires_at
            ))
        self.purchases[earning_id] = Purchase(
            who, request.partner_id, request.order_id, request.amount_minor, request.points,
            lot_index,
        )
        return to_debt, to_lot

    def redeem(self, hold_id: int, who: int, partner_id: int, points: int, now: int) -> None:
        self.settle(who, now)
        draws = self.draw(who, points)
        self.move(available(who), redeemed(partner_id), points)
        self.holds[hold_id] = Hold(
            who, partner_id, points, draws, "captured", points, 0, list(draws)
        )

    def authorize(self, hold_id: int, who: int, partner_id: int, points: int, now: int) -> None:
        self.settle(who, now)
        draws = self.draw(who, points)
        self.move(available(who), held(who), points)
        self.holds[hold_id] = Hold(who, partner_id, points, draws)

    def capture(self, hold_id: int, points: int, now: int) -> None:
        hold = self.holds[hold_id]
        burned, released = split(hold.draws, points)
        self.move(held(hold.member), redeemed(hold.partner), points)
        if points < hold.points:
            self.move(held(hold.member), available(hold.member), hold.points - points)
        self.restore(released, now)
        hold.status, hold.captured, hold.burned = "captured", points, burned

    def void(self, hold_id: int, now: int) -> None:
        hold = self.holds[hold_id]
        self.move(held(hold.member), available(hold.member), hold.points)
        self.restore(hold.draws, now)
        hold.status = "voided"

    def refund_redemption(self, hold_id: int, points: int, now: int) -> None:
        """Burned points go back to their lots, latest expiry first."""
        hold = self.holds[hold_id]
        refundable = hold.captured - hold.refunded
        still_burned, _ = split(hold.burned, refundable)
        _, to_restore = split(still_burned, refundable - points)
        self.move(redeemed(hold.partner), available(hold.member), points)
        self.restore(to_restore, now)
        hold.refunded += points

    def refund_purchase(self, earning_id: int, amount: int, now: int) -> tuple[int, int]:
        """Return (points reversed, points added to clawback debt)."""
        purchase = self.purchases[earning_id]
        who = purchase.member
        self.settle(who, now)
        refunded = purchase.refunded + amount
        # The cumulative target, rounded half to even (round() on a Fraction does exactly that).
        target = round(Fraction(purchase.points * refunded, purchase.amount))
        still = target - purchase.reversed
        reversed_now = still
        source = issued(purchase.partner)
        if still and purchase.lot is not None and self.lots[purchase.lot].remaining:
            lot = self.lots[purchase.lot]
            take = min(still, lot.remaining)
            self.move(pending(who) if lot.pending else available(who), source, take)
            lot.remaining -= take
            still -= take
        if still and purchase.lot is not None:
            from_breakage = min(still, self.lots[purchase.lot].expired - purchase.from_breakage)
            if from_breakage:
                self.move(BREAKAGE, source, from_breakage)
                purchase.from_breakage += from_breakage
                still -= from_breakage
        from_available = min(still, self.balance[available(who)])
        if from_available:
            self.move(available(who), source, from_available)
            self.draw(who, from_available)
            still -= from_available
        if still:
            self.move(clawback(who), source, still)
        purchase.refunded, purchase.reversed = refunded, target
        return reversed_now, still


BREAKAGE = (AccountKind.OPERATOR_BREAKAGE, 0)


def available(member_id: int) -> tuple[str, int]:
    return (AccountKind.MEMBER_AVAILABLE, member_id)


def pending(member_id: int) -> tuple[str, int]:
    return (AccountKind.MEMBER_PENDING, member_id)


def held(member_id: int) -> tuple[str, int]:
    return (AccountKind.MEMBER_HELD, member_id)


def clawback(member_id: int) -> tuple[str, int]:
    return (AccountKind.MEMBER_CLAWBACK, member_id)


def issued(partner_id: int) -> tuple[str, int]:
    return (AccountKind.PARTNER_ISSUED, partner_id)


def redeemed(partner_id: int) -> tuple[str, int]:
    return (AccountKind.PARTNER_REDEEMED, partner_id)


# --- The database, read back -----------------------------------------------------------------


@dataclass(frozen=True)
class DbState:
    accounts: dict[tuple[str, int], int]
    replayed: dict[tuple[str, int], int]
    lots: list[tuple[int, int, int, bool]]  # (member, points, remaining, pending) by id
    holds: dict[int, tuple[int, int, int, str, int, int]]
    purchases: dict[int, tuple[int, int, int, int]]


_REPLAY = (
    "SELECT a.kind, a.owner_id, "
    "COALESCE((SELECT SUM(points) FROM transfers t WHERE t.credit_account_id = a.id), 0) "
    "- COALESCE((SELECT SUM(points) FROM transfers t WHERE t.debit_account_id = a.id), 0) "
    "AS replayed FROM accounts a"
)


async def read_state() -> DbState:
    conn = connection()
    accounts = await fetch(conn, "SELECT kind, owner_id, balance FROM accounts")
    replayed = await fetch(conn, _REPLAY)
    lots = await fetch(
        conn, "SELECT member_id, points, points_remaining, is_pending FROM lots ORDER BY id"
    )
    holds = await fetch(
        conn, "SELECT id, member_id, partner_id, points, status, points_captured, "
        "points_refunded FROM holds",
    )
    earnings = await fetch(
        conn, "SELECT id, member_id, amount_refunded_minor, points, points_reversed FROM earnings"
    )
    return DbState(
        accounts={(r["kind"], int(r["owner_id"])): int(r["balance"]) for r in accounts},
        replayed={(r["kind"], int(r["owner_id"])): int(r["replayed"]) for r in replayed},
        lots=[
            (int(r["member_id"]), int(r["points"]), int(r["points_remaining"]),
             bool(r["is_pending"]))
            for r in lots
        ],
        holds={
            int(r["id"]): (int(r["member_id"]), int(r["partner_id"]), int(r["points"]),
                           r["status"], int(r["points_captured"]), int(r["points_refunded"]))
            for r in holds
        },
        purchases={
            int(r["id"]): (int(r["member_id"]), int(r["amount_refunded_minor"]),
                           int(r["points"]), int(r["points_reversed"]))
            for r in earnings
        },
    )


def check_invariants(db: DbState, members: list[int]) -> None:
    # (a) Double entry: every transfer debits one account and credits another.
    assert sum(db.accounts.values()) == 0, db.accounts
    # (c) Every stored balance is the replay of the append-only transfers.
    assert db.accounts == db.replayed
    for who in members:
        # (b) Balances agree with the lots and holds they summarise.
        lots = [lot for lot in db.lots if lot[0] == who]
        assert db.accounts[available(who)] == sum(r for _, _, r, p in lots if not p)
        assert db.accounts[pending(who)] == sum(r for _, _, r, p in lots if p)
        assert db.accounts[held(who)] == sum(
            h[2] for h in db.holds.values() if h[0] == who and h[3] == "authorized"
        )
        # (d) Member wallets never go negative; clawback is a debt, never a credit.
        for account in (available(who), pending(who), held(who)):
            assert db.accounts[account] >= 0, account
        assert db.accounts[clawback(who)] <= 0
    for kind, owner in db.accounts:
        if kind in (AccountKind.PARTNER_REDEEMED, AccountKind.OPERATOR_BREAKAGE):
            assert db.accounts[(kind, owner)] >= 0
        if kind in k.NEGATIVE_KINDS:
            assert db.accounts[(kind, owner)] <= 0
    assert all(0 <= remaining <= points for _, points, remaining, _ in db.lots)


def check_model(db: DbState, model: Model) -> None:
    """(e) The database holds exactly what the model says."""
    expected = {key: model.balance[key] for key in db.accounts}
    assert db.accounts == expected
    assert set(model.balance) <= set(db.accounts)
    assert db.lots == [(x.member, x.points, x.remaining, x.pending) for x in model.lots]
    assert db.holds == {
        hold_id: (h.member, h.partner, h.points, h.status, h.captured, h.refunded)
        for hold_id, h in model.holds.items()
    }
    assert db.purchases == {
        earning_id: (p.member, p.refunded, p.points, p.reversed)
        for earning_id, p in model.purchases.items()
    }


# --- The state machine -----------------------------------------------------------------------


@dataclass
class Replay:
    """The last successful write, to run again with its key: as it was, and changed."""

    same: Callable[[int], Awaitable[Any]]
    changed: Callable[[int], Awaitable[Any]]
    result: Any


member_st = st.integers(0, MEMBERS - 1)
shop_st = st.integers(0, len(PARTNER_CODES) - 1)
points_st = st.one_of(st.integers(0, 40), st.integers(0, 400))
# Small amounts make exact halves (and so round-half-even) common in proportional refunds.
amount_st = st.one_of(st.integers(1, 12), st.integers(1, 50_000))
pending_days_st = st.sampled_from([0, 0, 1, 3, 14])
life_days_st = st.integers(1, 120)
# Mostly short hops, so that points live a while, with the odd long jump that expires them.
days_st = st.one_of(st.integers(0, 2), st.integers(0, 30))
sweeps_st = st.sampled_from(["both", "mature", "expire"])
CHECKOUT = ("redeem", "authorize", "capture_all", "capture_full", "capture_part", "void")
RETRY_OR_INVALID = (
    "retry", "retry", "key", "spend", "capture", "resolved", "refund_purchase",
    "refund_redemption",
)


class LedgerMachine(RuleBasedStateMachine):
    template: str = ""
    directory: Path = Path()

    def __init__(self) -> None:
        super().__init__()
        self.loop = asyncio.new_event_loop()
        self.url: str | None = None
        self.model = Model()
        self.now = T0
        self.last: Replay | None = None
        self.checked_before = False
        self._ids = itertools.count(1)
        self.run(self._open())

    async def _open(self) -> None:
        self.url = await create_database(self.template, self.directory)
        await open_database(self.url)
        self.members = [(await member()).id for _ in range(MEMBERS)]
        self.partners = [(await partner(code)).id for code in PARTNER_CODES]

    def teardown(self) -> None:
        try:
            self.run(close_database())
            if self.url:
                self.run(drop_database(self.url))
        finally:
            self.loop.close()

    def run(self, coro: Coroutine[Any, Any, T]) -> T:
        return self.loop.run_until_complete(coro)

    # Helpers.

    def tick(self) -> int:
        """The time of the next call: strictly later than the last one."""
        self.now += SECOND
        return self.now

    def key(self) -> str:
        return f"key-{next(self._ids)}"

    def spendable(self, who: int) -> int:
        return self.model.spendable(who, self.now + SECOND)

    def members_with_points(self) -> list[int]:
        return [who for who in self.members if self.spendable(who) > 0]

    def holds_in(self, *statuses: str) -> list[int]:
        return sorted(i for i, hold in self.model.holds.items() if hold.status in statuses)

    def refundable_redemptions(self) -> list[int]:
        return sorted(
            i for i, hold in self.model.holds.items()
            if hold.status == "captured" and hold.captured > hold.refunded
        )

    def refundable_purchases(self) -> list[int]:
        return sorted(i for i, p in self.model.purchases.items() if p.refunded < p.amount)

    def boundaries(self) -> list[int]:
        """Future moments when a lot matures or expires."""
        moments = {x.available_at for x in self.model.lots if x.pending}
        moments |= {x.expires_at for x in self.model.lots if x.remaining}
        return sorted(t for t in moments if t > self.now)

    def expect_failure(self, code: LedgerErrorCode, call: Awaitable[Any]) -> None:
        """The call must fail with `code` and leave the database exactly as it was."""
        before = self.run(snapshot())
        error = self.run(failure(call))
        assert error.code == code, error
        assert self.run(snapshot()) == before

    # Writes that succeed.

    @initialize(points=st.lists(st.integers(1, 300), min_size=MEMBERS, max_size=MEMBERS))
    def start_with_points(self, points: list[int]) -> None:
        """Everyone starts with spendable points, so that the first steps can spend."""
        for who, n in enumerate(points):
            self.earn(who, 0, n, n * 10, 0, 365)

    @rule(
        who=member_st, shop=shop_st, points=points_st, amount=amount_st,
        pending_days=pending_days_st, life_days=life_days_st,
    )
    def earn(
        self, who: int, shop: int, points: int, amount: int, pending_days: int, life_days: int
    ) -> None:
        now = self.tick()
        request = PurchaseEarn(
            member_id=self.members[who], partner_id=self.partners[shop],
            order_id=f"order-{next(self._ids)}", currency="EUR", amount_minor=amount,
            points=points, occurred_at=now, available_at=now + pending_days * DAY,
            expires_at=now + (pending_days + life_days) * DAY,
        )
        changed = dataclasses.replace(request, points=points + 1)
        caller, key = f"partner:{request.partner_id}", self.key()

        def call(body: PurchaseEarn, at: int) -> Awaitable[Any]:
            return service.earn_purchase(body, caller=caller, idempotency_key=key, now_us=at)

        result = self.run(call(request, now))
        to_debt, to_lot = self.model.earn(result.earning_id, request, now)
        assert (result.points_to_debt, result.points_pending, result.points_available) == (
            to_debt, to_lot if pending_days else 0, 0 if pending_days else to_lot
        )
        self.last = Replay(lambda at: call(request, at), lambda at: call(changed, at), result)

    @precondition(lambda self: self.members_with_points() or self.holds_in("authorized"))
    @rule(data=st.data(), action=st.sampled_from(CHECKOUT))
    def checkout(self, data: st.DataObject, action: str) -> None:
        """What a till does: redeem in one step, authorize a hold, capture or void one."""
        resolving = action in ("capture_all", "capture_full", "capture_part", "void")
        if resolving and self.holds_in("authorized"):
            self.resolve_hold(data, action)
        elif self.members_with_points():
            # With no hold to resolve, open one: the next resolving step will find it.
            shop = data.draw(shop_st, label="shop")
            self.spend(data, shop, hold=action != "redeem")
        else:
            self.resolve_hold(data, "capture_all")

    def spend(self, data: st.DataObject, shop: int, hold: bool) -> None:
        who = data.draw(st.sampled_from(self.members_with_points()), label="member")
        most = self.spendable(who)
        some = st.one_of(st.integers(1, max(1, most // 4)), st.integers(1, most), st.just(most))
        points = data.draw(some, label="points")
        now, partner_id, key = self.tick(), self.partners[shop], self.key()
        caller = f"partner:{partner_id}"

        def call(n: int, at: int) -> Awaitable[Any]:
            if hold:
                return service.authorize_hold(
                    who, partner_id, n, ttl_seconds=limits.hold_ttl_seconds_max, caller=caller,
                    idempotency_key=key, now_us=at,
                )
            return service.redeem_points(who, partner_id, n, caller=caller,
                                         idempotency_key=key, now_us=at)

        result = self.run(call(points, now))
        step = self.model.authorize if hold else self.model.redeem
        step(result.hold_id, who, partner_id, points, now)
        assert (result.points, result.points_captured) == (points, 0 if hold else points)
        self.last = Replay(lambda at: call(points, at), lambda at: call(points + 1, at), result)

    def resolve_hold(self, data: st.DataObject, how: str) -> None:
        """Capture all (no amount given), the full amount, or part of a hold; or void it."""
        hold_id = data.draw(st.sampled_from(self.holds_in("authorized")), label="hold")
        hold = self.model.holds[hold_id]
        points = {"capture_all": None, "capture_full": hold.points, "void": 0}.get(how)
        if how == "capture_part":
            points = data.draw(st.integers(1, hold.points), label="points")
        now, key, caller = self.tick(), self.key(), f"partner:{hold.partner}"

        def call(n: int | None, at: int) -> Awaitable[Any]:
            if n == 0:
                return service.void_hold(hold_id, hold.partner, caller=caller,
                                         idempotency_key=key, now_us=at)
            return service.capture_hold(hold_id, hold.partner, n, caller=caller,
                                        idempotency_key=key, now_us=at)

        result = self.run(call(points, now))
        captured = hold.points if points is None else points
        if captured:
            self.model.capture(hold_id, captured, now)
        else:
            self.model.void(hold_id, now)
        assert (result.status, result.points_captured, result.points_released) == (
            hold.status, captured, hold.points - captured
        )
        # A capture changed into a void, and a void into a capture of everything.
        self.last = Replay(
            lambda at: call(points, at), lambda at: call(0 if captured else None, at), result
        )

    @precondition(lambda self: self.refundable_purchases() or self.refundable_redemptions())
    @rule(data=st.data(), purchase=st.booleans(), full=st.booleans())
    def refund(self, data: st.DataObject, purchase: bool, full: bool) -> None:
        """A partner refunds part or all of a purchase, or of a redemption."""
        if (purchase and self.refundable_purchases()) or not self.refundable_redemptions():
            self.refund_purchase(data, full)
        else:
            self.refund_redemption(data, full)

    def refund_purchase(self, data: st.DataObject, full: bool) -> None:
        earning_id = data.draw(st.sampled_from(self.refundable_purchases()), label="purchase")
        purchase = self.model.purchases[earning_id]
        left = purchase.amount - purchase.refunded
        amount = left if full else data.draw(st.integers(1, left), label="amount")
        now, key, caller = self.tick(), self.key(), f"partner:{purchase.partner}"

        def call(minor: int, at: int) -> Awaitable[Any]:
            request = PurchaseRefund(purchase.partner, purchase.order_id, "EUR", minor)
            return service.refund_purchase(request, caller=caller, idempotency_key=key,
                                           now_us=at)

        result = self.run(call(amount, now))
        reversed_now, to_debt = self.model.refund_purchase(earning_id, amount, now)
        assert (result.points_reversed, result.points_to_debt) == (reversed_now, to_debt)
        self.last = Replay(lambda at: call(amount, at), lambda at: call(amount + 1, at), result)

    def refund_redemption(self, data: st.DataObject, full: bool) -> None:
        hold_id = data.draw(st.sampled_from(self.refundable_redemptions()), label="hold")
        hold = self.model.holds[hold_id]
        left = hold.captured - hold.refunded
        points = left if full else data.draw(st.integers(1, left), label="points")
        now, key, caller = self.tick(), self.key(), f"partner:{hold.partner}"

        def call(n: int, at: int) -> Awaitable[Any]:
            return service.refund_redemption(hold_id, hold.partner, n, caller=caller,
                                             idempotency_key=key, now_us=at)

        result = self.run(call(points, now))
        self.model.refund_redemption(hold_id, points, now)
        assert (result.points_refunded, result.points_refunded_total) == (points, hold.refunded)
        self.last = Replay(lambda at: call(points, at), lambda at: call(points + 1, at), result)

    # Time and sweeps.

    @rule(
        data=st.data(), to_boundary=st.booleans(), days=days_st,
        seconds=st.integers(0, 86_399), which=sweeps_st,
    )
    def advance_and_sweep(
        self, data: st.DataObject, to_boundary: bool, days: int, seconds: int, which: str
    ) -> None:
        """Jump ahead, or land exactly on a lot's maturity or expiry (due means `<= now`)."""
        if to_boundary and self.boundaries():
            moment = data.draw(st.sampled_from(self.boundaries()), label="boundary")
            self.now = moment - SECOND  # the tick below lands on it
        else:
            self.now += days * DAY + seconds * SECOND
        now = self.tick()
        # Maturing before expiring, as run_sweeps does, lets a lot mature and expire at once.
        matured = expired = 0
        if which != "expire":
            matured = sum(self.model.mature(who, now) for who in self.members)
        if which != "mature":
            expired = sum(self.model.expire(who, now) for who in self.members)
        if which == "both":
            # Holds lapse by the database clock; every hold here lives a week: none may lapse.
            report = self.run(sweeps.run_sweeps(now))
            assert report == sweeps.SweepReport(matured, expired, holds_expired=0)
        elif which == "mature":
            assert self.run(sweeps.mature_lots(now)) == matured
        else:
            assert self.run(sweeps.expire_lots(now)) == expired

    # Retries, and writes that must fail and change nothing.

    @rule(kind=st.sampled_from(RETRY_OR_INVALID), data=st.data(), extra=st.integers(1, 1_000))
    def retry_or_invalid_write(self, kind: str, data: st.DataObject, extra: int) -> None:
        """A client retries its last write, or sends one that must fail. Each kind falls back
        to overspending when the state offers nothing to retry or misuse."""
        now = self.tick()
        if kind == "retry" and self.last is not None:
            # Same key and payload, later: the original result and no second effect.
            before = self.run(snapshot())
            assert self.run(self.last.same(now)) == self.last.result
            assert self.run(snapshot()) == before
            return

        def pick(ids: list[int]) -> int:
            return data.draw(st.sampled_from(ids), label=kind)

        if kind == "capture" and self.holds_in("authorized"):
            self.capture_too_much(pick(self.holds_in("authorized")), extra, now)
        elif kind == "resolved" and self.holds_in("captured", "voided"):
            hold_id = pick(self.holds_in("captured", "voided"))
            self.resolve_again(hold_id, data.draw(st.booleans(), label="void"), now)
        elif kind == "refund_purchase" and self.model.purchases:
            self.refund_too_much(pick(sorted(self.model.purchases)), extra, now)
        elif kind == "refund_redemption" and self.model.holds:
            self.refund_redemption_too_much(pick(sorted(self.model.holds)), extra, now)
        elif kind == "key" and self.last is not None:
            self.expect_failure(LedgerErrorCode.IDEMPOTENCY_KEY_REUSED, self.last.changed(now))
        else:
            who = self.members[data.draw(member_st, label="member")]
            self.spend_too_much(who, self.partners[data.draw(shop_st, label="shop")],
                                extra, data.draw(st.booleans(), label="hold"), now)

    def spend_too_much(self, who: int, partner_id: int, extra: int, hold: bool, now: int) -> None:
        points, key, caller = self.model.spendable(who, now) + extra, self.key(), "p"
        call = (
            service.authorize_hold(who, partner_id, points, caller=caller, idempotency_key=key,
                                   now_us=now)
            if hold else
            service.redeem_points(who, partner_id, points, caller=caller, idempotency_key=key,
                                  now_us=now)
        )
        self.expect_failure(LedgerErrorCode.INSUFFICIENT_POINTS, call)

    def capture_too_much(self, hold_id: int, extra: int, now: int) -> None:
        hold = self.model.holds[hold_id]
        call = service.capture_hold(hold_id, hold.partner, hold.points + extra, caller="p",
                                    idempotency_key=self.key(), now_us=now)
        self.expect_failure(LedgerErrorCode.CAPTURE_EXCEEDS_HOLD, call)

    def resolve_again(self, hold_id: int, void: bool, now: int) -> None:
        partner_id, key = self.model.holds[hold_id].partner, self.key()
        call = (
            service.void_hold(hold_id, partner_id, caller="p", idempotency_key=key, now_us=now)
            if void else
            service.capture_hold(hold_id, partner_id, caller="p", idempotency_key=key,
                                 now_us=now)
        )
        self.expect_failure(LedgerErrorCode.HOLD_ALREADY_RESOLVED, call)

    def refund_too_much(self, earning_id: int, extra: int, now: int) -> None:
        purchase = self.model.purchases[earning_id]
        amount = purchase.amount - purchase.refunded + extra
        request = PurchaseRefund(purchase.partner, purchase.order_id, "EUR", amount)
        call = service.refund_purchase(request, caller="p", idempotency_key=self.key(),
                                       now_us=now)
        self.expect_failure(LedgerErrorCode.REFUND_EXCEEDS_PURCHASE, call)

    def refund_redemption_too_much(self, hold_id: int, extra: int, now: int) -> None:
        """More than is left of a capture, or anything of a hold that was never captured."""
        hold = self.model.holds[hold_id]
        left = hold.captured - hold.refunded if hold.status == "captured" else 0
        call = service.refund_redemption(hold_id, hold.partner, left + extra, caller="p",
                                         idempotency_key=self.key(), now_us=now)
        self.expect_failure(LedgerErrorCode.REFUND_EXCEEDS_REDEMPTION, call)

    # Checked after every step.

    @invariant()
    def database_is_consistent_and_matches_model(self) -> None:
        db = self.run(read_state())
        check_invariants(db, self.members)
        check_model(db, self.model)
        # Invariants run once before the first step, then after every step: count the steps.
        STEPS["total"] += self.checked_before
        self.checked_before = True


def test_ledger_matches_model(
    template_database: str, tmp_path: Path, record_property: Callable[[str, object], None]
) -> None:
    LedgerMachine.template = template_database
    LedgerMachine.directory = tmp_path
    before = STEPS["total"]
    started = time.perf_counter()
    run_state_machine_as_test(LedgerMachine, settings=SETTINGS)
    steps = STEPS["total"] - before
    record_property("ledger_state_machine_steps", steps)
    print(f"ledger state machine: {steps} steps in {time.perf_counter() - started:.1f} s")
    assert steps >= STEPS_MIN, f"only {steps} steps ran; the settings promise {STEPS_MIN}"
