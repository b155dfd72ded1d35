"""The ledger's vocabulary in the database: transfer kinds are checked; a hold keeps the part of
its burn a funding partner paid (a discount); activity awards are counted from their own rows.

The kinds are written out, not read from exchange.ledger.kinds: a migration states the schema
of its time. A kind added later needs a migration of its own (tests/db/test_constraints.py
fails until the database accepts every kind the code knows).

Today's activity awards are copied from the ledger, so a daily cap holds across the upgrade.
"""

import time

from tortoise import fields, migrations
from tortoise.migrations import operations as ops
from tortoise.indexes import Index
from tortoise.migrations.constraints import CheckConstraint

from exchange.migrations._constraints import add_constraints


TRANSFER_KINDS = (
    "'earn', 'debt_payment', 'offer', 'offer_debt_payment', 'activity', 'maturity', 'expiry', "
    "'reversal', 'clawback', 'offer_reversal', 'offer_clawback', 'authorize', 'capture', "
    "'release', 'hold_expiry', 'redeem', 'redemption_refund', 'discount', 'discount_refund'"
)
_DAY_US = 86_400_000_000

# An award posted a lot transfer (`activity`, to the member's available account), a debt payment
# (to the member's clawback account, its reason the activity), or both, the lot's transfer then
# linked to the payment: one row per award.
_TODAYS_AWARDS = (
    "INSERT INTO activity_awards (member_id, partner_id, activity, points, created_at) "
    "SELECT m.owner_id, p.owner_id, t.reason, t.points, t.created_at FROM transfers t "
    "JOIN accounts p ON p.id = t.debit_account_id AND p.kind = 'partner_issued' "
    "JOIN accounts m ON m.id = t.credit_account_id "
    "WHERE t.created_at >= {day_start} AND t.reason <> '' AND t.earning_id IS NULL AND ("
    "(t.kind = 'activity' AND t.linked_transfer_id IS NULL) "
    "OR (t.kind = 'debt_payment' AND m.kind = 'member_clawback'))"
)


async def _copy_todays_awards(_apps, schema_editor) -> None:  # type: ignore[no-untyped-def]
    now_us = int(time.time() * 1_000_000)
    day_start = now_us - now_us % _DAY_US  # caps count per UTC day
    await schema_editor.client.execute_script(_TODAYS_AWARDS.format(day_start=day_start))


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
        ops.RunPython(_copy_todays_awards),
        *add_constraints([
            ('Transfer', CheckConstraint(check=f"kind IN ({TRANSFER_KINDS})",
                                         name='transfers_kind_known')),
            ('Hold', CheckConstraint(
                check='points_discount = 0 OR (points_discount > 0 '
                      'AND points_discount < points_captured)',
                name='holds_discount_in_range')),
            ('ActivityAward', CheckConstraint(check='points > 0',
                                              name='activity_awards_points_positive')),
        ]),
    ]
