"""Settlement: periods, runs, statements and lines, the provenance matrix, adjustments."""

from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields
from tortoise.indexes import Index
from tortoise.migrations.constraints import CheckConstraint, UniqueConstraint

from exchange.migrations._constraints import add_constraints

class Migration(migrations.Migration):
    dependencies = [('exchange', '0006_admin_tokens')]

    initial = False

    operations = [
        ops.CreateModel(
            name='ProvenanceCell',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('period', fields.CharField(max_length=7)),
                ('issuer', fields.CharField(max_length=32)),
                ('burned_at', fields.CharField(max_length=32)),
                ('points', fields.BigIntField()),
                ('value', fields.CharField(max_length=32)),
                ('currency', fields.CharField(max_length=3)),
            ],
            options={'table': 'settlement_provenance', 'app': 'exchange', 'pk_attr': 'id', 'table_description': 'Points issued by one party and burned at a partner in a period, with their value.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='SettlementAdjustment',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('period', fields.CharField(max_length=7)),
                ('partner_id', fields.BigIntField()),
                ('amount', fields.CharField(max_length=32)),
                ('currency', fields.CharField(max_length=3)),
                ('reason', fields.CharField(max_length=200)),
                ('created_by', fields.CharField(max_length=64)),
                ('idempotency_key', fields.CharField(max_length=128)),
                ('created_at', fields.BigIntField()),
            ],
            options={'table': 'settlement_adjustments', 'app': 'exchange', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='SettlementLine',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('statement_id', fields.BigIntField(db_index=True)),
                ('position', fields.IntField()),
                ('kind', fields.CharField(max_length=16)),
                ('points', fields.BigIntField()),
                ('price', fields.CharField(max_length=32)),
                ('amount', fields.CharField(max_length=32)),
                ('is_late', fields.BooleanField(default=False)),
                ('description', fields.CharField(max_length=200)),
            ],
            options={'table': 'settlement_lines', 'app': 'exchange', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='SettlementPeriod',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('period', fields.CharField(max_length=7)),
                ('status', fields.CharField(default='open', max_length=8)),
                ('closed_through_transfer_id', fields.BigIntField(null=True)),
                ('closed_at', fields.BigIntField(null=True)),
                ('closed_by', fields.CharField(null=True, max_length=64)),
                ('running_since', fields.BigIntField(null=True)),
                ('created_at', fields.BigIntField()),
            ],
            options={'table': 'settlement_periods', 'app': 'exchange', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='SettlementRun',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('period', fields.CharField(max_length=7)),
                ('run_by', fields.CharField(max_length=64)),
                ('started_at', fields.BigIntField()),
                ('finished_at', fields.BigIntField()),
                ('outcome', fields.CharField(max_length=12)),
                ('message', fields.TextField(default='', unique=False)),
                ('checksum', fields.CharField(default='', max_length=64)),
                ('through_transfer_id', fields.BigIntField()),
                ('breakage_points', fields.BigIntField(default=0)),
            ],
            options={'table': 'settlement_runs', 'app': 'exchange', 'indexes': [Index(fields=['period', 'id'])], 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='SettlementStatement',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('period', fields.CharField(max_length=7)),
                ('partner_id', fields.BigIntField()),
                ('currency', fields.CharField(max_length=3)),
                ('net', fields.CharField(max_length=32)),
                ('run_id', fields.BigIntField()),
            ],
            options={'table': 'settlement_statements', 'app': 'exchange', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        *add_constraints([
            ('SettlementPeriod', UniqueConstraint(fields=('period',), name='settlement_periods_period_uniq', condition=None)),
            ('SettlementPeriod', CheckConstraint(check="status IN ('open', 'closed')", name='settlement_periods_status')),
            ('SettlementPeriod', CheckConstraint(check="(status = 'closed') = (closed_through_transfer_id IS NOT NULL)", name='settlement_periods_closed_watermark')),
            ('SettlementRun', CheckConstraint(check="outcome IN ('succeeded', 'refused')", name='settlement_runs_outcome')),
            ('SettlementStatement', UniqueConstraint(fields=('period', 'partner_id'), name='settlement_statements_partner_uniq', condition=None)),
            ('SettlementLine', UniqueConstraint(fields=('statement_id', 'position'), name='settlement_lines_uniq', condition=None)),
            ('SettlementLine', CheckConstraint(check="kind IN ('issued', 'burned', 'adjustment')", name='settlement_lines_kind')),
            ('ProvenanceCell', UniqueConstraint(fields=('period', 'issuer', 'burned_at', 'currency'), name='settlement_provenance_uniq', condition=None)),
            ('SettlementAdjustment', UniqueConstraint(fields=('created_by', 'idempotency_key'), name='settlement_adjustments_key_uniq', condition=None)),
        ]),
    ]
