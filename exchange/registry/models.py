"""Partner merchants of the coalition."""

from __future__ import annotations

from tortoise import fields
from tortoise.migrations.constraints import CheckConstraint, UniqueConstraint
from tortoise.models import Model


class Partner(Model):
    id = fields.BigIntField(primary_key=True)
    code = fields.CharField(max_length=32)
    name = fields.CharField(max_length=120)
    status = fields.CharField(max_length=12, default="active")
    return_window_days = fields.IntField(default=14)
    settlement_currency = fields.CharField(max_length=3, default="EUR")
    created_at = fields.BigIntField()

    class Meta:
        table = "partners"
        constraints = [
            UniqueConstraint(fields=("code",), name="partners_code_uniq"),
            CheckConstraint(
                check="return_window_days >= 0 AND return_window_days <= 365",
                name="partners_return_window_range",
            ),
            CheckConstraint(check="status IN ('active', 'suspended')", name="partners_status"),
        ]
