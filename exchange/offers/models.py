"""Offer tables: offers and their budgets, activations ("clips"), awards, the purchase history
ranking learns from, and trained ranking models.

Like every table here, `*_at` columns are microseconds since the epoch (exchange/clock.py).
"""

from __future__ import annotations

from tortoise import fields
from tortoise.indexes import Index
from tortoise.migrations.constraints import CheckConstraint, UniqueConstraint
from tortoise.models import Model

KINDS = ("bonus_points", "multiplier", "reward_discount")
SEGMENTS = ("everyone", "new_member", "lapsed", "spend_band")
STATUSES = ("active", "paused", "cancelled")
PACINGS = ("none", "even")


class Offer(Model):
    """A partner-funded offer; whom it targets is in offer_targets."""

    id = fields.BigIntField(primary_key=True)
    funding_partner_id = fields.BigIntField(db_index=True)
    title = fields.CharField(max_length=120)
    kind = fields.CharField(max_length=16)
    bonus_points = fields.BigIntField(default=0)  # bonus_points: per qualifying purchase
    percent = fields.IntField(default=0)  # multiplier: extra percent; reward_discount: off
    segment = fields.CharField(max_length=12, default="everyone")
    segment_days = fields.IntField(default=0)  # new_member: enrolled within; lapsed: no buy in
    spend_currency = fields.CharField(max_length=3, default="")
    spend_min_minor = fields.BigIntField(default=0)  # spend_band over the last 365 days
    spend_max_minor = fields.BigIntField(null=True)
    starts_at = fields.BigIntField()
    ends_at = fields.BigIntField()
    requires_activation = fields.BooleanField(default=False)
    budget_points = fields.BigIntField()
    points_awarded = fields.BigIntField(default=0)
    per_member_uses_max = fields.IntField(default=1)
    pacing = fields.CharField(max_length=8, default="none")
    status = fields.CharField(max_length=12, default="active")
    created_by = fields.CharField(max_length=64)
    created_at = fields.BigIntField()
    updated_at = fields.BigIntField()

    class Meta:
        table = "offers"
        constraints = [
            CheckConstraint(check="kind IN ('bonus_points', 'multiplier', 'reward_discount')",
                            name="offers_kind_known"),
            CheckConstraint(check="status IN ('active', 'paused', 'cancelled')",
                            name="offers_status_known"),
            CheckConstraint(check="starts_at < ends_at", name="offers_window"),
            CheckConstraint(check="budget_points > 0", name="offers_budget_positive"),
            CheckConstraint(check="points_awarded >= 0 AND points_awarded <= budget_points",
                            name="offers_awarded_within_budget"),
            CheckConstraint(check="per_member_uses_max > 0", name="offers_uses_positive"),
        ]


class OfferTarget(Model):
    """One target of an offer: a partner code, a category name or an item ("PARTNERCODE/sku").
    No target of a kind does not narrow the offer by it (spec.Targeting says how). A table, not
    JSON text, so that finding a partner's offers is an index lookup on (kind, value).

    Targets are written with their offer and never change. RESTRICT, not CASCADE: offers are
    never deleted, and a migration that rebuilt `offers` on SQLite (DROP TABLE) must fail
    rather than silently delete every target.
    """

    id = fields.BigIntField(primary_key=True)
    offer: fields.ForeignKeyRelation[Offer] = fields.ForeignKeyField(
        "exchange.Offer", related_name="targets", on_delete=fields.RESTRICT)
    kind = fields.CharField(max_length=8)
    value = fields.CharField(max_length=64)

    class Meta:
        table = "offer_targets"
        indexes = [Index(fields=("kind", "value", "offer_id"), name="offer_targets_kind_value")]
        constraints = [
            CheckConstraint(check="kind IN ('partner', 'category', 'item')",
                            name="offer_targets_kind_known"),
            UniqueConstraint(fields=("offer_id", "kind", "value"), name="offer_targets_uniq"),
        ]


class OfferActivation(Model):
    """A member clipped an offer (or a partner did for them): the offer now applies to them."""

    id = fields.BigIntField(primary_key=True)
    offer_id = fields.BigIntField()
    member_id = fields.BigIntField(db_index=True)
    activated_by = fields.CharField(max_length=64)
    activated_at = fields.BigIntField()

    class Meta:
        table = "offer_activations"
        constraints = [
            UniqueConstraint(fields=("offer_id", "member_id"), name="offer_activations_uniq"),
        ]


class OfferAward(Model):
    """Points an offer gave on one purchase (or took off one redemption), against its budget."""

    id = fields.BigIntField(primary_key=True)
    offer_id = fields.BigIntField()
    member_id = fields.BigIntField()
    earning_id = fields.BigIntField(null=True)
    hold_id = fields.BigIntField(null=True)
    points = fields.BigIntField()
    created_at = fields.BigIntField()

    class Meta:
        table = "offer_awards"
        indexes = [("member_id", "offer_id")]
        constraints = [
            CheckConstraint(check="points > 0", name="offer_awards_points_positive"),
            UniqueConstraint(fields=("offer_id", "earning_id"), name="offer_awards_earning_uniq"),
        ]


class PurchaseItem(Model):
    """One purchase line as history for ranking (a total-only purchase has one line, sku "")."""

    id = fields.BigIntField(primary_key=True)
    member_id = fields.BigIntField()
    partner_id = fields.BigIntField()
    earning_id = fields.BigIntField()
    sku = fields.CharField(max_length=64)
    category = fields.CharField(max_length=64)
    amount_minor = fields.BigIntField()
    currency = fields.CharField(max_length=3)
    occurred_at = fields.BigIntField()

    class Meta:
        table = "purchase_items"
        indexes = [("member_id", "occurred_at")]


class RankingModelRecord(Model):
    """A trained ranking model; the newest one serves requests."""

    id = fields.BigIntField(primary_key=True)
    trained_at = fields.BigIntField()
    member_count = fields.BigIntField()
    event_count = fields.BigIntField()
    token_count = fields.BigIntField()
    training_seconds = fields.FloatField()
    payload = fields.BinaryField()

    class Meta:
        table = "ranking_models"
