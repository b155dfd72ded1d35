"""Members of the coalition: a card number is the identity customers show at any partner."""

from __future__ import annotations

from tortoise import fields
from tortoise.migrations.constraints import UniqueConstraint
from tortoise.models import Model


class Member(Model):
    id = fields.BigIntField(primary_key=True)
    card_number = fields.CharField(max_length=19)
    created_at = fields.BigIntField()

    class Meta:
        table = "members"
        constraints = [UniqueConstraint(fields=("card_number",), name="members_card_uniq")]
