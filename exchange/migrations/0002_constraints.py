"""CHECK and UNIQUE constraints, added after the tables exist.

Tortoise 1.x silently skips Meta.constraints when it creates a new model (tortoise issue 2272),
so every constraint is added here, explicitly; tests/db/test_constraints.py proves each one.
On SQLite a CHECK can only be added by rebuilding the table, which drops the table's indexes:
the indexes are remembered before and re-created after, and UNIQUE constraints come last.
"""

from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.migrations.constraints import CheckConstraint, UniqueConstraint

_sqlite_indexes: list[str] = []


async def _remember_sqlite_indexes(_apps, schema_editor) -> None:
    client = schema_editor.client
    if client.capabilities.dialect != "sqlite":
        return
    _, rows = await client.execute_query(
        "SELECT sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL"
    )
    _sqlite_indexes[:] = [row["sql"] for row in rows]


async def _restore_sqlite_indexes(_apps, schema_editor) -> None:
    for statement in _sqlite_indexes:
        await schema_editor.client.execute_script(
            statement.replace("CREATE INDEX", "CREATE INDEX IF NOT EXISTS", 1)
        )


class Migration(migrations.Migration):
    dependencies = [("exchange", "0001_initial")]

    operations = [
        ops.RunPython(_remember_sqlite_indexes),
        ops.AddConstraint('Account', CheckConstraint(check="kind IN ('member_available', 'member_pending', 'member_held', 'member_clawback', 'partner_issued', 'partner_redeemed', 'operator_bonus', 'operator_breakage', 'operator_clawback')", name='accounts_kind_known')),
        ops.AddConstraint('Account', CheckConstraint(check="balance >= 0 OR kind IN ('partner_issued', 'operator_bonus', 'member_clawback', 'operator_clawback')", name='accounts_balance_not_negative')),
        ops.AddConstraint('Account', CheckConstraint(check="balance <= 0 OR kind NOT IN ('partner_issued', 'operator_bonus', 'member_clawback', 'operator_clawback')", name='accounts_source_not_positive')),
        ops.AddConstraint('Transfer', CheckConstraint(check='points > 0', name='transfers_points_positive')),
        ops.AddConstraint('Transfer', CheckConstraint(check='debit_account_id <> credit_account_id', name='transfers_distinct_accounts')),
        ops.AddConstraint('Lot', CheckConstraint(check='points > 0', name='lots_points_positive')),
        ops.AddConstraint('Lot', CheckConstraint(check='points_remaining >= 0 AND points_remaining <= points', name='lots_remaining_in_range')),
        ops.AddConstraint('Lot', CheckConstraint(check='available_at < expires_at', name='lots_available_before_expiry')),
        ops.AddConstraint('LotAllocation', CheckConstraint(check='points > 0', name='lot_allocations_points_positive')),
        ops.AddConstraint('Hold', CheckConstraint(check='points > 0', name='holds_points_positive')),
        ops.AddConstraint('Hold', CheckConstraint(check='points_captured >= 0 AND points_captured <= points', name='holds_captured_in_range')),
        ops.AddConstraint('Hold', CheckConstraint(check='points_refunded >= 0 AND points_refunded <= points_captured', name='holds_refunded_in_range')),
        ops.AddConstraint('Hold', CheckConstraint(check="status IN ('authorized', 'captured', 'voided', 'expired')", name='holds_status_known')),
        ops.AddConstraint('Earning', CheckConstraint(check='amount_minor > 0', name='earnings_amount_positive')),
        ops.AddConstraint('Earning', CheckConstraint(check='amount_refunded_minor >= 0 AND amount_refunded_minor <= amount_minor', name='earnings_refund_in_range')),
        ops.AddConstraint('Earning', CheckConstraint(check='points >= 0 AND points_reversed >= 0 AND points_reversed <= points', name='earnings_reversed_in_range')),
        ops.AddConstraint('Partner', CheckConstraint(check='return_window_days >= 0 AND return_window_days <= 365', name='partners_return_window_range')),
        ops.AddConstraint('Partner', CheckConstraint(check="status IN ('active', 'suspended')", name='partners_status')),
        ops.RunPython(_restore_sqlite_indexes),
        ops.AddConstraint('Account', UniqueConstraint(fields=('kind', 'owner_id'), name='accounts_kind_owner_uniq', condition=None)),
        ops.AddConstraint('LotAllocation', UniqueConstraint(fields=('transfer_id', 'lot_id'), name='lot_allocations_uniq', condition=None)),
        ops.AddConstraint('Earning', UniqueConstraint(fields=('partner_id', 'order_id'), name='earnings_order_uniq', condition=None)),
        ops.AddConstraint('IdempotencyKey', UniqueConstraint(fields=('caller', 'key'), name='idempotency_keys_caller_key_uniq', condition=None)),
        ops.AddConstraint('Member', UniqueConstraint(fields=('card_number',), name='members_card_uniq', condition=None)),
        ops.AddConstraint('Partner', UniqueConstraint(fields=('code',), name='partners_code_uniq', condition=None)),
    ]
