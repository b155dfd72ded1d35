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


class PartnerRate(Model):
    """A partner's prices from `valid_from` until the next row for the same currency.

    Decimals are stored as their exact decimal text (DecimalField is text on SQLite anyway).
    """

    id = fields.BigIntField(primary_key=True)
    partner_id = fields.BigIntField()
    purchase_currency = fields.CharField(max_length=3)
    valid_from = fields.BigIntField()
    earn_rate = fields.CharField(max_length=32)  # points per unit of purchase currency
    category_multipliers = fields.TextField(default="{}")  # JSON {category: "2"}
    issue_price = fields.CharField(max_length=32)  # settlement currency per point issued
    redemption_price = fields.CharField(max_length=32)  # settlement currency per point burned
    created_at = fields.BigIntField()

    class Meta:
        table = "partner_rates"
        constraints = [
            UniqueConstraint(
                fields=("partner_id", "purchase_currency", "valid_from"),
                name="partner_rates_from_uniq",
            ),
        ]


class PartnerKey(Model):
    """A partner's request-signing key. The algorithm is fixed here, never by a request."""

    id = fields.BigIntField(primary_key=True)
    key_id = fields.CharField(max_length=64)
    partner_id = fields.BigIntField()
    algorithm = fields.CharField(max_length=16)
    key_material = fields.CharField(max_length=128)  # base64: Ed25519 public key or HMAC secret
    status = fields.CharField(max_length=12, default="active")
    created_at = fields.BigIntField()
    revoked_at = fields.BigIntField(null=True)

    class Meta:
        table = "partner_keys"
        constraints = [
            UniqueConstraint(fields=("key_id",), name="partner_keys_key_id_uniq"),
            CheckConstraint(
                check="algorithm IN ('ed25519', 'hmac-sha256')", name="partner_keys_algorithm"
            ),
            CheckConstraint(check="status IN ('active', 'revoked')", name="partner_keys_status"),
        ]


class SignatureNonce(Model):
    """A (key id, nonce) seen within the signature window: a second use is a replay."""

    id = fields.BigIntField(primary_key=True)
    key_id = fields.CharField(max_length=64)
    nonce = fields.CharField(max_length=64)
    expires_at = fields.BigIntField(db_index=True)

    class Meta:
        table = "signature_nonces"
        constraints = [
            UniqueConstraint(fields=("key_id", "nonce"), name="signature_nonces_uniq"),
        ]


class PartnerActivity(Model):
    """A non-purchase action a partner rewards (a review, a quiz), and its points."""

    id = fields.BigIntField(primary_key=True)
    partner_id = fields.BigIntField()
    kind = fields.CharField(max_length=32)
    points = fields.BigIntField()
    daily_count_max = fields.IntField(default=1)
    created_at = fields.BigIntField()

    class Meta:
        table = "partner_activities"
        constraints = [
            UniqueConstraint(fields=("partner_id", "kind"), name="partner_activities_uniq"),
            CheckConstraint(check="points > 0", name="partner_activities_points_positive"),
            CheckConstraint(
                check="daily_count_max > 0", name="partner_activities_daily_count_positive"
            ),
        ]


class AdminToken(Model):
    """An admin's bearer token. Only its SHA-256 is kept: a database leak yields no token."""

    id = fields.BigIntField(primary_key=True)
    name = fields.CharField(max_length=64)  # the admin it was made for
    token_hash = fields.CharField(max_length=64)  # hex SHA-256 of the token
    created_at = fields.BigIntField()
    expires_at = fields.BigIntField()
    revoked_at = fields.BigIntField(null=True)

    class Meta:
        table = "admin_tokens"
        constraints = [
            UniqueConstraint(fields=("token_hash",), name="admin_tokens_hash_uniq"),
            CheckConstraint(
                check="expires_at > created_at", name="admin_tokens_expiry_after_creation"
            ),
        ]
