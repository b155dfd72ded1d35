"""Settlement tables: periods, runs, statements and their lines, the provenance matrix, and
manual adjustments. Statements of a closed period are never rewritten; those of an open period
are replaced by each run (they are derived from the ledger, which is the record)."""

from __future__ import annotations

from tortoise import fields
from tortoise.migrations.constraints import CheckConstraint, UniqueConstraint
from tortoise.models import Model


class SettlementPeriod(Model):
    id = fields.BigIntField(primary_key=True)
    period = fields.CharField(max_length=7)  # YYYY-MM in the program's time zone
    status = fields.CharField(max_length=8, default="open")
    # Transfers up to this id were settled when the period closed; later ones dated in it are
    # late items of the next period.
    closed_through_transfer_id = fields.BigIntField(null=True)
    closed_at = fields.BigIntField(null=True)
    closed_by = fields.CharField(max_length=64, null=True)
    running_since = fields.BigIntField(null=True)  # the run lock, see service.py
    created_at = fields.BigIntField()

    class Meta:
        table = "settlement_periods"
        constraints = [
            UniqueConstraint(fields=("period",), name="settlement_periods_period_uniq"),
            CheckConstraint(check="status IN ('open', 'closed')", name="settlement_periods_status"),
            CheckConstraint(
                check="(status = 'closed') = (closed_through_transfer_id IS NOT NULL)",
                name="settlement_periods_closed_watermark",
            ),
        ]


class SettlementStart(Model):
    """The coalition's first settlement month, set once by an admin (one row, id 1): periods
    close in calendar order from it, and activity dated before it is settled as late items of it."""

    id = fields.BigIntField(primary_key=True)
    first_period = fields.CharField(max_length=7)
    set_by = fields.CharField(max_length=64)
    set_at = fields.BigIntField()

    class Meta:
        table = "settlement_start"
        constraints = [CheckConstraint(check="id = 1", name="settlement_start_one_row")]


class SettlementRun(Model):
    id = fields.BigIntField(primary_key=True)
    period = fields.CharField(max_length=7)
    run_by = fields.CharField(max_length=64)
    started_at = fields.BigIntField()
    finished_at = fields.BigIntField()
    outcome = fields.CharField(max_length=12)  # succeeded | refused
    message = fields.TextField(default="")
    checksum = fields.CharField(max_length=64, default="")  # of the statements it produced
    through_transfer_id = fields.BigIntField()
    breakage_points = fields.BigIntField(default=0)  # points expired in the period

    class Meta:
        table = "settlement_runs"
        indexes = [("period", "id")]
        constraints = [
            CheckConstraint(
                check="outcome IN ('succeeded', 'refused')", name="settlement_runs_outcome"
            ),
        ]


class SettlementStatement(Model):
    id = fields.BigIntField(primary_key=True)
    period = fields.CharField(max_length=7)
    partner_id = fields.BigIntField()
    currency = fields.CharField(max_length=3)
    net = fields.CharField(max_length=32)  # exact decimal; positive: the exchange pays
    run_id = fields.BigIntField()

    class Meta:
        table = "settlement_statements"
        constraints = [
            UniqueConstraint(
                fields=("period", "partner_id"), name="settlement_statements_partner_uniq"
            ),
        ]


class SettlementLine(Model):
    id = fields.BigIntField(primary_key=True)
    statement_id = fields.BigIntField(db_index=True)
    position = fields.IntField()
    kind = fields.CharField(max_length=16)  # issued | burned | adjustment
    points = fields.BigIntField()
    price = fields.CharField(max_length=32)
    amount = fields.CharField(max_length=32)  # signed: positive is owed to the partner
    is_late = fields.BooleanField(default=False)
    description = fields.CharField(max_length=200)

    class Meta:
        table = "settlement_lines"
        constraints = [
            UniqueConstraint(fields=("statement_id", "position"), name="settlement_lines_uniq"),
            CheckConstraint(
                check="kind IN ('issued', 'offer', 'burned', 'adjustment')",
                name="settlement_lines_kind",
            ),
        ]


class ProvenanceCell(Model):
    """Points issued by one party and burned at a partner in a period, with their value."""

    id = fields.BigIntField(primary_key=True)
    period = fields.CharField(max_length=7)
    issuer = fields.CharField(max_length=32)  # a partner code, or "operator"
    burned_at = fields.CharField(max_length=32)
    points = fields.BigIntField()
    value = fields.CharField(max_length=32)
    currency = fields.CharField(max_length=3)

    class Meta:
        table = "settlement_provenance"
        constraints = [
            UniqueConstraint(
                fields=("period", "issuer", "burned_at", "currency"),
                name="settlement_provenance_uniq",
            ),
        ]


class SettlementAdjustment(Model):
    id = fields.BigIntField(primary_key=True)
    period = fields.CharField(max_length=7)
    partner_id = fields.BigIntField()
    amount = fields.CharField(max_length=32)  # positive: owed to the partner
    currency = fields.CharField(max_length=3)
    reason = fields.CharField(max_length=200)
    created_by = fields.CharField(max_length=64)
    idempotency_key = fields.CharField(max_length=128)
    created_at = fields.BigIntField()

    class Meta:
        table = "settlement_adjustments"
        constraints = [
            UniqueConstraint(
                fields=("created_by", "idempotency_key"), name="settlement_adjustments_key_uniq"
            ),
        ]
