"""Program tables: what the rules count, kept apart from the ledger's money."""

from __future__ import annotations

from tortoise import fields
from tortoise.migrations.constraints import CheckConstraint
from tortoise.models import Model


class ActivityAward(Model):
    """One award for a rewarded activity: the daily cap counts these rows, under the member's
    lock, so concurrent awards cannot pass it."""

    id = fields.BigIntField(primary_key=True)
    member_id = fields.BigIntField()
    partner_id = fields.BigIntField()
    activity = fields.CharField(max_length=32)  # the partner's activity kind
    points = fields.BigIntField()
    created_at = fields.BigIntField()

    class Meta:
        table = "activity_awards"
        indexes = [("member_id", "partner_id", "activity", "created_at")]
        constraints = [
            CheckConstraint(check="points > 0", name="activity_awards_points_positive"),
        ]
