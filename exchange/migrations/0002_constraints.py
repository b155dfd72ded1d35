"""CHECK and UNIQUE constraints of the tables of 0001 (see _constraints.py for why apart)."""

from tortoise import migrations
from tortoise.migrations.constraints import CheckConstraint, UniqueConstraint

from exchange.migrations._constraints import add_constraints


class Migration(migrations.Migration):
    dependencies = [("exchange", "0001_initial")]

    operations = add_constraints([
        ('Account', CheckConstraint(check="kind IN ('member_available', 'member_pending', 'member_held', 'member_clawback', 'partner_issued', 'partner_redeemed', 'operator_bonus', 'operator_breakage', 'operator_clawback')", name='accounts_kind_known')),
        ('Account', CheckConstraint(check="balance >= 0 OR kind IN ('partner_issued', 'operator_bonus', 'member_clawback', 'operator_clawback')", name='accounts_balance_not_negative')),
        ('Account', CheckConstraint(check="balance <= 0 OR kind NOT IN ('partner_issued', 'operator_bonus', 'member_clawback', 'operator_clawback')", name='accounts_source_not_positive')),
        ('Transfer', CheckConstraint(check='points > 0', name='transfers_points_positive')),
        ('Transfer', CheckConstraint(check='debit_account_id <> credit_account_id', name='transfers_distinct_accounts')),
        ('Lot', CheckConstraint(check='points > 0', name='lots_points_positive')),
        ('Lot', CheckConstraint(check='points_remaining >= 0 AND points_remaining <= points', name='lots_remaining_in_range')),
        ('Lot', CheckConstraint(check='available_at < expires_at', name='lots_available_before_expiry')),
        ('LotAllocation', CheckConstraint(check='points > 0', name='lot_allocations_points_positive')),
        ('Hold', CheckConstraint(check='points > 0', name='holds_points_positive')),
        ('Hold', CheckConstraint(check='points_captured >= 0 AND points_captured <= points', name='holds_captured_in_range')),
        ('Hold', CheckConstraint(check='points_refunded >= 0 AND points_refunded <= points_captured', name='holds_refunded_in_range')),
        ('Hold', CheckConstraint(check="status IN ('authorized', 'captured', 'voided', 'expired')", name='holds_status_known')),
        ('Earning', CheckConstraint(check='amount_minor > 0', name='earnings_amount_positive')),
        ('Earning', CheckConstraint(check='amount_refunded_minor >= 0 AND amount_refunded_minor <= amount_minor', name='earnings_refund_in_range')),
        ('Earning', CheckConstraint(check='points >= 0 AND points_reversed >= 0 AND points_reversed <= points', name='earnings_reversed_in_range')),
        ('Partner', CheckConstraint(check='return_window_days >= 0 AND return_window_days <= 365', name='partners_return_window_range')),
        ('Partner', CheckConstraint(check="status IN ('active', 'suspended')", name='partners_status')),
        ('Account', UniqueConstraint(fields=('kind', 'owner_id'), name='accounts_kind_owner_uniq', condition=None)),
        ('LotAllocation', UniqueConstraint(fields=('transfer_id', 'lot_id'), name='lot_allocations_uniq', condition=None)),
        ('Earning', UniqueConstraint(fields=('partner_id', 'order_id'), name='earnings_order_uniq', condition=None)),
        ('IdempotencyKey', UniqueConstraint(fields=('caller', 'key'), name='idempotency_keys_caller_key_uniq', condition=None)),
        ('Member', UniqueConstraint(fields=('card_number',), name='members_card_uniq', condition=None)),
        ('Partner', UniqueConstraint(fields=('code',), name='partners_code_uniq', condition=None)),
    ])
