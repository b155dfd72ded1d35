"""The operator's own accounts exist from the start: the bonus source, breakage and clawback."""

from tortoise import migrations
from tortoise.migrations import operations as ops

ops_sql = [
    "INSERT INTO accounts (kind, owner_id, balance, created_at) VALUES "
    "('operator_bonus', 0, 0, 0), ('operator_breakage', 0, 0, 0), ('operator_clawback', 0, 0, 0)"
]


class Migration(migrations.Migration):
    dependencies = [("exchange", "0003_append_only")]

    operations = [ops.RunSQL(ops_sql)]
