"""The journal of one ledger transaction: posts transfers, then moves balances in lock order.

The lock order of every transaction, which keeps concurrent transactions free of deadlocks
(no two can each hold a lock the other waits for):
1. the member accounts it touches: all four of a member's accounts, members by ascending id
   (`accounts.lock_member`);
2. then the rows of rules that a use case consults inside the transaction, e.g. offer budgets,
   by ascending id (e.g. the budget a partner-funded bonus is spent from);
3. last, the shared partner and operator accounts, by ascending id, in `apply_balances` at the
   very end. Those are the hot rows every earn and burn touches, so touching them last also
   holds their locks for the shortest time.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from tortoise import BaseDBAsyncClient

from exchange import limits
from exchange.db import execute, fetch_value
from exchange.ledger.kinds import PURCHASE_DATED_KINDS, TransferKind
from exchange.ledger.prices import NO_PRICE, Price


@dataclass
class Journal:
    conn: BaseDBAsyncClient
    now_us: int
    caller: str
    kinds_posted: Counter[str] = field(default_factory=Counter)
    _deltas: dict[int, int] = field(default_factory=dict)
    _member_account_ids: set[int] = field(default_factory=set)

    def note_member_accounts(self, account_ids: list[int]) -> None:
        self._member_account_ids.update(account_ids)

    async def post(
        self,
        kind: TransferKind,
        debit_account_id: int,
        credit_account_id: int,
        points: int,
        *,
        linked_transfer_id: int | None = None,
        hold_id: int | None = None,
        earning_id: int | None = None,
        reason: str = "",
        price: Price = NO_PRICE,
        dated_at: int | None = None,
    ) -> int:
        """Record one transfer; its balance effect is applied by `apply_balances`.

        `price` is what settlement charges for it (fixed now, never looked up again);
        `dated_at` the date settlement gives it, when that is not now (a purchase's credits).
        """
        assert 0 < points <= limits.transfer_points_max, points
        assert debit_account_id != credit_account_id
        assert dated_at is None or dated_at <= self.now_us
        # Only a purchase's credits are dated otherwise than now: by the purchase.
        assert (dated_at is not None) == (
            kind in PURCHASE_DATED_KINDS and earning_id is not None), (kind, dated_at)
        transfer_id = await fetch_value(
            self.conn, int,
            "INSERT INTO transfers (kind, debit_account_id, credit_account_id, points, "
            "linked_transfer_id, hold_id, earning_id, caller, reason, created_at, dated_at, "
            "issue_price, redemption_price) "
            "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING id",
            kind, debit_account_id, credit_account_id, points, linked_transfer_id, hold_id,
            earning_id, self.caller, reason, self.now_us,
            self.now_us if dated_at is None else dated_at, *price.texts(),
        )
        assert transfer_id is not None
        self._deltas[debit_account_id] = self._deltas.get(debit_account_id, 0) - points
        self._deltas[credit_account_id] = self._deltas.get(credit_account_id, 0) + points
        self.kinds_posted[kind] += 1
        return transfer_id

    async def apply_balances(self) -> None:
        assert sum(self._deltas.values()) == 0, "a journal must balance"
        order = sorted(self._deltas, key=lambda a: (a not in self._member_account_ids, a))
        for account_id in order:
            delta = self._deltas[account_id]
            if delta == 0:
                continue
            changed = await execute(
                self.conn,
                "UPDATE accounts SET balance = balance + $1 WHERE id = $2",
                delta, account_id,
            )
            assert changed == 1, f"account {account_id} vanished"
        self._deltas.clear()
