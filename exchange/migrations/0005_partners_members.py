"""Partner rates, keys, signature nonces and activities; member details and partner links."""

from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields
from tortoise.migrations.constraints import CheckConstraint, UniqueConstraint

from exchange.migrations._constraints import add_constraints

class Migration(migrations.Migration):
    dependencies = [('exchange', '0004_operator_accounts')]

    initial = False

    operations = [
        ops.CreateModel(
            name='MemberLink',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('member_id', fields.BigIntField()),
                ('partner_id', fields.BigIntField()),
                ('customer_ref', fields.CharField(null=True, max_length=64)),
                ('created_at', fields.BigIntField()),
            ],
            options={'table': 'member_links', 'app': 'exchange', 'pk_attr': 'id', 'table_description': 'A partner that may see a member: it enrolled them, or the customer showed the card there.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='PartnerActivity',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('partner_id', fields.BigIntField()),
                ('kind', fields.CharField(max_length=32)),
                ('points', fields.BigIntField()),
                ('daily_count_max', fields.IntField(default=1)),
                ('created_at', fields.BigIntField()),
            ],
            options={'table': 'partner_activities', 'app': 'exchange', 'pk_attr': 'id', 'table_description': 'A non-purchase action a partner rewards (a review, a quiz), and its points.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='PartnerKey',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('key_id', fields.CharField(max_length=64)),
                ('partner_id', fields.BigIntField()),
                ('algorithm', fields.CharField(max_length=16)),
                ('key_material', fields.CharField(max_length=128)),
                ('status', fields.CharField(default='active', max_length=12)),
                ('created_at', fields.BigIntField()),
                ('revoked_at', fields.BigIntField(null=True)),
            ],
            options={'table': 'partner_keys', 'app': 'exchange', 'pk_attr': 'id', 'table_description': "A partner's request-signing key. The algorithm is fixed here, never by a request."},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='PartnerRate',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('partner_id', fields.BigIntField()),
                ('purchase_currency', fields.CharField(max_length=3)),
                ('valid_from', fields.BigIntField()),
                ('earn_rate', fields.CharField(max_length=32)),
                ('category_multipliers', fields.TextField(default='{}', unique=False)),
                ('issue_price', fields.CharField(max_length=32)),
                ('redemption_price', fields.CharField(max_length=32)),
                ('created_at', fields.BigIntField()),
            ],
            options={'table': 'partner_rates', 'app': 'exchange', 'pk_attr': 'id', 'table_description': "A partner's prices from `valid_from` until the next row for the same currency."},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='SignatureNonce',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('key_id', fields.CharField(max_length=64)),
                ('nonce', fields.CharField(max_length=64)),
                ('expires_at', fields.BigIntField(db_index=True)),
            ],
            options={'table': 'signature_nonces', 'app': 'exchange', 'pk_attr': 'id', 'table_description': 'A (key id, nonce) seen within the signature window: a second use is a replay.'},
            bases=['Model'],
        ),
        ops.AddField(
            model_name='Member',
            name='birth_date',
            field=fields.CharField(null=True, max_length=10),
        ),
        ops.AddField(
            model_name='Member',
            name='email',
            field=fields.CharField(null=True, max_length=254),
        ),
        ops.AddField(
            model_name='Member',
            name='referral_code',
            field=fields.CharField(null=True, max_length=16),
        ),
        ops.AddField(
            model_name='Member',
            name='referred_by_member_id',
            field=fields.BigIntField(null=True),
        ),
        *add_constraints([
            ('PartnerRate', UniqueConstraint(fields=('partner_id', 'purchase_currency', 'valid_from'), name='partner_rates_from_uniq', condition=None)),
            ('PartnerKey', UniqueConstraint(fields=('key_id',), name='partner_keys_key_id_uniq', condition=None)),
            ('PartnerKey', CheckConstraint(check="algorithm IN ('ed25519', 'hmac-sha256')", name='partner_keys_algorithm')),
            ('PartnerKey', CheckConstraint(check="status IN ('active', 'revoked')", name='partner_keys_status')),
            ('SignatureNonce', UniqueConstraint(fields=('key_id', 'nonce'), name='signature_nonces_uniq', condition=None)),
            ('PartnerActivity', UniqueConstraint(fields=('partner_id', 'kind'), name='partner_activities_uniq', condition=None)),
            ('PartnerActivity', CheckConstraint(check='points > 0', name='partner_activities_points_positive')),
            ('PartnerActivity', CheckConstraint(check='daily_count_max > 0', name='partner_activities_daily_count_positive')),
            ('MemberLink', UniqueConstraint(fields=('partner_id', 'member_id'), name='member_links_uniq', condition=None)),
            ('MemberLink', UniqueConstraint(fields=('partner_id', 'customer_ref'), name='member_links_customer_ref_uniq', condition=None)),
            ('Member', UniqueConstraint(fields=('referral_code',), name='members_referral_code_uniq', condition=None)),
        ]),
    ]
