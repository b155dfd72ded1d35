"""Tables of the exchange. Constraints come in 0002 (tortoise issue 2272)."""
from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    initial = True

    operations = [
        ops.CreateModel(
            name='Account',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('kind', fields.CharField(max_length=24)),
                ('owner_id', fields.BigIntField()),
                ('balance', fields.BigIntField(default=0)),
                ('created_at', fields.BigIntField()),
            ],
            options={'table': 'accounts', 'app': 'exchange', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Earning',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('member_id', fields.BigIntField()),
                ('partner_id', fields.BigIntField()),
                ('order_id', fields.CharField(max_length=64)),
                ('currency', fields.CharField(max_length=3)),
                ('amount_minor', fields.BigIntField()),
                ('amount_refunded_minor', fields.BigIntField(default=0)),
                ('points', fields.BigIntField()),
                ('points_reversed', fields.BigIntField(default=0)),
                ('occurred_at', fields.BigIntField()),
                ('created_at', fields.BigIntField()),
            ],
            options={'table': 'earnings', 'app': 'exchange', 'pk_attr': 'id', 'table_description': 'Points earned for one purchase, and how much of it has been refunded and reversed.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Hold',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('member_id', fields.BigIntField()),
                ('partner_id', fields.BigIntField()),
                ('points', fields.BigIntField()),
                ('points_captured', fields.BigIntField(default=0)),
                ('points_refunded', fields.BigIntField(default=0)),
                ('status', fields.CharField(max_length=12)),
                ('authorize_transfer_id', fields.BigIntField()),
                ('capture_transfer_id', fields.BigIntField(null=True)),
                ('created_at', fields.BigIntField()),
                ('expires_at', fields.BigIntField(db_index=True)),
                ('resolved_at', fields.BigIntField(null=True)),
            ],
            options={'table': 'holds', 'app': 'exchange', 'pk_attr': 'id', 'table_description': 'Points reserved at checkout, then captured (all or less) or released exactly once.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='IdempotencyKey',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('caller', fields.CharField(max_length=64)),
                ('key', fields.CharField(max_length=128)),
                ('fingerprint', fields.CharField(max_length=64)),
                ('result', fields.TextField(null=True, unique=False)),
                ('created_at', fields.BigIntField()),
            ],
            options={'table': 'idempotency_keys', 'app': 'exchange', 'pk_attr': 'id', 'table_description': 'One write per (caller, key). A repeat with the same payload gets the stored result.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Lot',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('member_id', fields.BigIntField()),
                ('issuer_account_id', fields.BigIntField()),
                ('earn_transfer_id', fields.BigIntField()),
                ('earning_id', fields.BigIntField(null=True)),
                ('points', fields.BigIntField()),
                ('points_remaining', fields.BigIntField()),
                ('is_pending', fields.BooleanField()),
                ('earned_at', fields.BigIntField()),
                ('available_at', fields.BigIntField()),
                ('expires_at', fields.BigIntField()),
            ],
            options={'table': 'lots', 'app': 'exchange', 'indexes': [Index(fields=['member_id', 'is_pending', 'expires_at'])], 'pk_attr': 'id', 'table_description': 'Points credited to a member, with provenance. Burns consume lots by earliest expiry.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='LotAllocation',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('transfer_id', fields.BigIntField(db_index=True)),
                ('lot_id', fields.BigIntField(db_index=True)),
                ('points', fields.BigIntField()),
            ],
            options={'table': 'lot_allocations', 'app': 'exchange', 'pk_attr': 'id', 'table_description': 'Which lots a transfer drew from (or gave back to): the provenance settlement reads.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Member',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('card_number', fields.CharField(max_length=19)),
                ('created_at', fields.BigIntField()),
            ],
            options={'table': 'members', 'app': 'exchange', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Partner',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('code', fields.CharField(max_length=32)),
                ('name', fields.CharField(max_length=120)),
                ('status', fields.CharField(default='active', max_length=12)),
                ('return_window_days', fields.IntField(default=14)),
                ('settlement_currency', fields.CharField(default='EUR', max_length=3)),
                ('created_at', fields.BigIntField()),
            ],
            options={'table': 'partners', 'app': 'exchange', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Transfer',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('kind', fields.CharField(max_length=24)),
                ('debit_account_id', fields.BigIntField(db_index=True)),
                ('credit_account_id', fields.BigIntField(db_index=True)),
                ('points', fields.BigIntField()),
                ('linked_transfer_id', fields.BigIntField(null=True)),
                ('hold_id', fields.BigIntField(null=True)),
                ('earning_id', fields.BigIntField(null=True)),
                ('caller', fields.CharField(max_length=64)),
                ('reason', fields.CharField(default='', max_length=200)),
                ('created_at', fields.BigIntField(db_index=True)),
            ],
            options={'table': 'transfers', 'app': 'exchange', 'pk_attr': 'id', 'table_description': 'One movement of points between two accounts, never updated or deleted.'},
            bases=['Model'],
        ),
    ]
