"""Ledger tables. Only exchange.ledger reads or writes them, so every write obeys the ledger's
rules; other packages read ledger facts through exchange.ledger.reporting.

Every `*_at` column holds microseconds since the Unix epoch, UTC, as a BIGINT: one exact,
comparable representation on SQLite and PostgreSQL alike (see exchange/clock.py).
The CHECK and UNIQUE constraints listed in each Meta are created by the migrations and
proven by tests/db/test_constraints.py. Foreign keys (`*_id` columns naming another table's row)
are declared in exchange/migrations/0011_foreign_keys.py, which says why not here.
"""

from __future__ import annotations

from tortoise import fields
from tortoise.indexes import Index
from tortoise.migrations.constraints import CheckConstraint, UniqueConstraint
from tortoise.models import Model

from exchange.ledger.kinds import (
    NEGATIVE_KINDS,
    AccountKind,
    HoldStatus,
    TransferKind,
    sql_list,
)


class Account(Model):
    id = fields.BigIntField(primary_key=True)
    kind = fields.CharField(max_length=24)
    owner_id = fields.BigIntField()  # member id, partner id, or 0 for the operator
    balance = fields.BigIntField(default=0)
    created_at = fields.BigIntField()

    class Meta:
        table = "accounts"
        constraints = [
            UniqueConstraint(fields=("kind", "owner_id"), name="accounts_kind_owner_uniq"),
            CheckConstraint(check=f"kind IN ({sql_list(AccountKind)})", name="accounts_kind_known"),
            CheckConstraint(
                check=f"balance >= 0 OR kind IN ({sql_list(NEGATIVE_KINDS)})",
                name="accounts_balance_not_negative",
            ),
            CheckConstraint(
                check=f"balance <= 0 OR kind NOT IN ({sql_list(NEGATIVE_KINDS)})",
                name="accounts_source_not_positive",
            ),
        ]


class Transfer(Model):
    """One movement of points between two accounts, never updated or deleted."""

    id = fields.BigIntField(primary_key=True)
    kind = fields.CharField(max_length=24)
    debit_account_id = fields.BigIntField(db_index=True)
    credit_account_id = fields.BigIntField(db_index=True)
    points = fields.BigIntField()
    linked_transfer_id = fields.BigIntField(null=True)
    hold_id = fields.BigIntField(null=True)
    earning_id = fields.BigIntField(null=True)
    caller = fields.CharField(max_length=64)
    reason = fields.CharField(max_length=200, default="")
    created_at = fields.BigIntField(db_index=True)
    # Settlement dates a transfer by this: a purchase's credits by the purchase time, anything
    # else by when it was recorded. The journal always writes it; the database default only
    # let migration 0012 add the column to a table with rows (it then fills in every row).
    dated_at = fields.BigIntField(db_default=0)
    # The prices charged when the points moved, in the partner's settlement currency, as
    # decimal text: the issue price on a transfer to or from a partner's issued account, the
    # redemption price on one to or from its redeemed account. Reversals and refunds copy the
    # price of what they reverse, so history is never re-priced.
    issue_price = fields.CharField(max_length=32, null=True)
    redemption_price = fields.CharField(max_length=32, null=True)

    class Meta:
        table = "transfers"
        indexes = [Index(fields=("earning_id",), name="transfers_earning_id_idx")]  # refunds
        constraints = [
            CheckConstraint(check="points > 0", name="transfers_points_positive"),
            CheckConstraint(
                check=f"kind IN ({sql_list(TransferKind)})", name="transfers_kind_known"
            ),
            CheckConstraint(
                check="debit_account_id <> credit_account_id", name="transfers_distinct_accounts"
            ),
        ]


class Lot(Model):
    """Points credited to a member, with provenance. Burns consume lots by earliest expiry."""

    id = fields.BigIntField(primary_key=True)
    member_id = fields.BigIntField()
    issuer_account_id = fields.BigIntField()
    earn_transfer_id = fields.BigIntField()
    earning_id = fields.BigIntField(null=True)
    points = fields.BigIntField()
    points_remaining = fields.BigIntField()
    is_pending = fields.BooleanField()
    earned_at = fields.BigIntField()
    available_at = fields.BigIntField()
    expires_at = fields.BigIntField()

    class Meta:
        table = "lots"
        indexes = [
            ("member_id", "is_pending", "expires_at"),
            Index(fields=("earning_id",), name="lots_earning_id_idx"),  # refunds
        ]
        constraints = [
            CheckConstraint(check="points > 0", name="lots_points_positive"),
            CheckConstraint(
                check="points_remaining >= 0 AND points_remaining <= points",
                name="lots_remaining_in_range",
            ),
            CheckConstraint(check="available_at < expires_at", name="lots_available_before_expiry"),
        ]


class LotAllocation(Model):
    """Which lots a transfer drew from (or gave back to): the provenance settlement reads."""

    id = fields.BigIntField(primary_key=True)
    transfer_id = fields.BigIntField(db_index=True)
    lot_id = fields.BigIntField(db_index=True)
    points = fields.BigIntField()

    class Meta:
        table = "lot_allocations"
        constraints = [
            UniqueConstraint(fields=("transfer_id", "lot_id"), name="lot_allocations_uniq"),
            CheckConstraint(check="points > 0", name="lot_allocations_points_positive"),
        ]


class Hold(Model):
    """Points reserved at checkout, then captured (all or less) or released exactly once."""

    id = fields.BigIntField(primary_key=True)
    member_id = fields.BigIntField()
    partner_id = fields.BigIntField()
    points = fields.BigIntField()
    points_captured = fields.BigIntField(default=0)
    points_refunded = fields.BigIntField(default=0)
    # Of the points captured, those a funding partner paid (a discount), not the member.
    points_discount = fields.BigIntField(default=0)
    status = fields.CharField(max_length=12)
    authorize_transfer_id = fields.BigIntField(null=True)  # NULL until that transfer is posted
    capture_transfer_id = fields.BigIntField(null=True)
    created_at = fields.BigIntField()
    expires_at = fields.BigIntField(db_index=True)
    resolved_at = fields.BigIntField(null=True)

    class Meta:
        table = "holds"
        constraints = [
            CheckConstraint(check="points > 0", name="holds_points_positive"),
            CheckConstraint(
                check="points_captured >= 0 AND points_captured <= points",
                name="holds_captured_in_range",
            ),
            CheckConstraint(
                check="points_refunded >= 0 AND points_refunded <= points_captured",
                name="holds_refunded_in_range",
            ),
            CheckConstraint(
                check="points_discount = 0 OR (points_discount > 0 "
                "AND points_discount < points_captured)",
                name="holds_discount_in_range",
            ),
            CheckConstraint(
                check=f"status IN ({sql_list(HoldStatus)})",
                name="holds_status_known",
            ),
        ]


class Earning(Model):
    """Points earned for one purchase, and how much of it has been refunded and reversed."""

    id = fields.BigIntField(primary_key=True)
    member_id = fields.BigIntField()
    partner_id = fields.BigIntField()
    order_id = fields.CharField(max_length=64)
    currency = fields.CharField(max_length=3)
    amount_minor = fields.BigIntField()
    amount_refunded_minor = fields.BigIntField(default=0)
    points = fields.BigIntField()
    points_reversed = fields.BigIntField(default=0)
    occurred_at = fields.BigIntField()
    created_at = fields.BigIntField()

    class Meta:
        table = "earnings"
        # a member's purchases by time (reporting.purchase_spend)
        indexes = [("member_id", "occurred_at")]
        constraints = [
            UniqueConstraint(fields=("partner_id", "order_id"), name="earnings_order_uniq"),
            CheckConstraint(check="amount_minor > 0", name="earnings_amount_positive"),
            CheckConstraint(
                check="amount_refunded_minor >= 0 AND amount_refunded_minor <= amount_minor",
                name="earnings_refund_in_range",
            ),
            CheckConstraint(
                check="points >= 0 AND points_reversed >= 0 AND points_reversed <= points",
                name="earnings_reversed_in_range",
            ),
        ]


class IdempotencyKey(Model):
    """One write per (caller, key). A repeat with the same payload gets the stored result."""

    id = fields.BigIntField(primary_key=True)
    caller = fields.CharField(max_length=64)
    key = fields.CharField(max_length=128)
    fingerprint = fields.CharField(max_length=64)
    result = fields.TextField(null=True)
    created_at = fields.BigIntField()

    class Meta:
        table = "idempotency_keys"
        constraints = [
            UniqueConstraint(fields=("caller", "key"), name="idempotency_keys_caller_key_uniq"),
        ]
