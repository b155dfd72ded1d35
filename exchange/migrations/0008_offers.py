"""Offers, activations, awards, purchase history, ranking models; offer lines in statements."""

from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields
from tortoise.indexes import Index
from tortoise.migrations.constraints import CheckConstraint, UniqueConstraint

from exchange.migrations._constraints import (
    _remember_sqlite_indexes,
    _restore_sqlite_indexes,
    add_constraints,
)

class Migration(migrations.Migration):
    dependencies = [('exchange', '0007_settlement')]

    initial = False

    operations = [
        ops.CreateModel(
            name='Offer',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('funding_partner_id', fields.BigIntField(db_index=True)),
                ('title', fields.CharField(max_length=120)),
                ('kind', fields.CharField(max_length=16)),
                ('bonus_points', fields.BigIntField(default=0)),
                ('percent', fields.IntField(default=0)),
                ('target_partners', fields.TextField(default='[]', unique=False)),
                ('target_categories', fields.TextField(default='[]', unique=False)),
                ('target_items', fields.TextField(default='[]', unique=False)),
                ('segment', fields.CharField(default='everyone', max_length=12)),
                ('segment_days', fields.IntField(default=0)),
                ('spend_currency', fields.CharField(default='', max_length=3)),
                ('spend_min_minor', fields.BigIntField(default=0)),
                ('spend_max_minor', fields.BigIntField(null=True)),
                ('starts_at', fields.BigIntField()),
                ('ends_at', fields.BigIntField()),
                ('requires_activation', fields.BooleanField(default=False)),
                ('budget_points', fields.BigIntField()),
                ('points_awarded', fields.BigIntField(default=0)),
                ('per_member_uses_max', fields.IntField(default=1)),
                ('pacing', fields.CharField(default='none', max_length=8)),
                ('status', fields.CharField(default='active', max_length=12)),
                ('created_by', fields.CharField(max_length=64)),
                ('created_at', fields.BigIntField()),
                ('updated_at', fields.BigIntField()),
            ],
            options={'table': 'offers', 'app': 'exchange', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='OfferActivation',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('offer_id', fields.BigIntField()),
                ('member_id', fields.BigIntField(db_index=True)),
                ('activated_by', fields.CharField(max_length=64)),
                ('activated_at', fields.BigIntField()),
            ],
            options={'table': 'offer_activations', 'app': 'exchange', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='OfferAward',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('offer_id', fields.BigIntField()),
                ('member_id', fields.BigIntField()),
                ('earning_id', fields.BigIntField(null=True)),
                ('hold_id', fields.BigIntField(null=True)),
                ('points', fields.BigIntField()),
                ('created_at', fields.BigIntField()),
            ],
            options={'table': 'offer_awards', 'app': 'exchange', 'indexes': [Index(fields=['member_id', 'offer_id'])], 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='PurchaseItem',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('member_id', fields.BigIntField()),
                ('partner_id', fields.BigIntField()),
                ('earning_id', fields.BigIntField()),
                ('sku', fields.CharField(max_length=64)),
                ('category', fields.CharField(max_length=64)),
                ('amount_minor', fields.BigIntField()),
                ('currency', fields.CharField(max_length=3)),
                ('occurred_at', fields.BigIntField()),
            ],
            options={'table': 'purchase_items', 'app': 'exchange', 'indexes': [Index(fields=['member_id', 'occurred_at'])], 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='RankingModelRecord',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('trained_at', fields.BigIntField()),
                ('member_count', fields.BigIntField()),
                ('event_count', fields.BigIntField()),
                ('token_count', fields.BigIntField()),
                ('training_seconds', fields.FloatField()),
                ('payload', fields.BinaryField()),
            ],
            options={'table': 'ranking_models', 'app': 'exchange', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.AddIndex(model_name='Earning', index=Index(fields=['member_id', 'occurred_at'])),
        ops.RunPython(_remember_sqlite_indexes),
        ops.RemoveConstraint(model_name='SettlementLine', name='settlement_lines_kind'),
        ops.RunPython(_restore_sqlite_indexes),
        *add_constraints([
            ('SettlementLine', CheckConstraint(check="kind IN ('issued', 'offer', 'burned', 'adjustment')", name='settlement_lines_kind')),
            ('Offer', CheckConstraint(check="kind IN ('bonus_points', 'multiplier', 'reward_discount')", name='offers_kind_known')),
            ('Offer', CheckConstraint(check="status IN ('active', 'paused', 'cancelled')", name='offers_status_known')),
            ('Offer', CheckConstraint(check='starts_at < ends_at', name='offers_window')),
            ('Offer', CheckConstraint(check='budget_points > 0', name='offers_budget_positive')),
            ('Offer', CheckConstraint(check='points_awarded >= 0 AND points_awarded <= budget_points', name='offers_awarded_within_budget')),
            ('Offer', CheckConstraint(check='per_member_uses_max > 0', name='offers_uses_positive')),
            ('OfferAward', CheckConstraint(check='points > 0', name='offer_awards_points_positive')),
            ('OfferActivation', UniqueConstraint(fields=('offer_id', 'member_id'), name='offer_activations_uniq')),
            ('OfferAward', UniqueConstraint(fields=('offer_id', 'earning_id'), name='offer_awards_earning_uniq')),
        ]),
    ]
