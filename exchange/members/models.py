"""Members of the coalition: a card number is the identity customers show at any partner."""

from __future__ import annotations

from tortoise import fields
from tortoise.migrations.constraints import UniqueConstraint
from tortoise.models import Model


class Member(Model):
    id = fields.BigIntField(primary_key=True)
    card_number = fields.CharField(max_length=19)
    email = fields.CharField(max_length=254, null=True)
    birth_date = fields.CharField(max_length=10, null=True)  # ISO date, no time zone
    referral_code = fields.CharField(max_length=16, null=True)
    referred_by_member_id = fields.BigIntField(null=True)
    created_at = fields.BigIntField()

    class Meta:
        table = "members"
        constraints = [
            UniqueConstraint(fields=("card_number",), name="members_card_uniq"),
            UniqueConstraint(fields=("referral_code",), name="members_referral_code_uniq"),
        ]


class MemberLink(Model):
    """A partner that may see a member: it enrolled them, or the customer showed the card there."""

    id = fields.BigIntField(primary_key=True)
    member_id = fields.BigIntField()
    partner_id = fields.BigIntField()
    customer_ref = fields.CharField(max_length=64, null=True)
    created_at = fields.BigIntField()

    class Meta:
        table = "member_links"
        constraints = [
            UniqueConstraint(fields=("partner_id", "member_id"), name="member_links_uniq"),
            UniqueConstraint(
                fields=("partner_id", "customer_ref"), name="member_links_customer_ref_uniq"
            ),
        ]
