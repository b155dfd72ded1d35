"""The ledger's vocabulary in the database: transfer kinds are checked; a hold keeps the part of
its burn a funding partner paid (a discount); activity awards are counted from their own rows."""

from tortoise import fields, migrations
from tortoise.migrations import operations as ops
from tortoise.indexes import Index
from tortoise.migrations.constraints import CheckConstraint

from exchange.ledger.kinds import TransferKind, sql_list
from exchange.migrations._constraints import add_constraints


class Migration(migrations.Migration):
    dependencies = [('exchange', '0008_offers')]

    initial = False

    operations = [
        ops.AddField(
            model_name='Hold', name='points_discount', field=fields.BigIntField(default=0),
        ),
        ops.CreateModel(
            name='ActivityAward',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('member_id', fields.BigIntField()),
                ('partner_id', fields.BigIntField()),
                ('activity', fields.CharField(max_length=32)),
                ('points', fields.BigIntField()),
                ('created_at', fields.BigIntField()),
            ],
            options={'table': 'activity_awards', 'app': 'exchange', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.AddIndex(model_name='ActivityAward',
                     index=Index(fields=['member_id', 'partner_id', 'activity', 'created_at'])),
        *add_constraints([
            ('Transfer', CheckConstraint(check=f"kind IN ({sql_list(TransferKind)})",
                                         name='transfers_kind_known')),
            ('Hold', CheckConstraint(
                check='points_discount = 0 OR (points_discount > 0 '
                      'AND points_discount < points_captured)',
                name='holds_discount_in_range')),
            ('ActivityAward', CheckConstraint(check='points > 0',
                                              name='activity_awards_points_positive')),
        ]),
    ]
