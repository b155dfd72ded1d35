"""Admin bearer tokens (stored as SHA-256 hashes)."""

from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields
from tortoise.migrations.constraints import CheckConstraint, UniqueConstraint

from exchange.migrations._constraints import add_constraints

class Migration(migrations.Migration):
    dependencies = [('exchange', '0005_partners_members')]

    initial = False

    operations = [
        ops.CreateModel(
            name='AdminToken',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('name', fields.CharField(max_length=64)),
                ('token_hash', fields.CharField(max_length=64)),
                ('created_at', fields.BigIntField()),
                ('expires_at', fields.BigIntField()),
                ('revoked_at', fields.BigIntField(null=True)),
            ],
            options={'table': 'admin_tokens', 'app': 'exchange', 'pk_attr': 'id', 'table_description': "An admin's bearer token. Only its SHA-256 is kept: a database leak yields no token."},
            bases=['Model'],
        ),
        *add_constraints([
            ('AdminToken', UniqueConstraint(fields=('token_hash',), name='admin_tokens_hash_uniq', condition=None)),
            ('AdminToken', CheckConstraint(check='expires_at > created_at', name='admin_tokens_expiry_after_creation')),
        ]),
    ]
