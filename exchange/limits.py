"""Every bound the exchange enforces, in one place. Units and qualifiers come last in names.

Exceeding a limit is a coded error for the caller, never a silent clamp.
"""

from __future__ import annotations

from typing import Final

# Ledger amounts: a bound far above any real purchase, far below 2**63 so sums cannot overflow.
transfer_points_max: Final = 100_000_000
purchase_amount_minor_max: Final = 10_000_000_000  # 100 million in a two-decimal currency
reason_length_max: Final = 200
order_id_length_max: Final = 64
idempotency_key_length_max: Final = 128

# Purchases as partners send them.
purchase_lines_max: Final = 200
purchase_line_quantity_max: Final = 10_000
purchase_text_length_max: Final = 64  # a line's sku and category
# The defaults of two settings a coalition may change (EXCHANGE_PURCHASE_AGE_DAYS_MAX,
# EXCHANGE_POINTS_LIFETIME_DAYS), and their bounds. The lifetime must also exceed the longest
# return window plus the purchase age allowed (points_lifetime_days_min below).
purchase_age_days_max: Final = 30  # a purchase is accepted up to this old (dated by occurredAt)
purchase_age_days_max_min: Final = 1
purchase_age_days_max_max: Final = 90
clock_skew_seconds_max: Final = 300  # a purchase dated this far ahead of our clock is accepted
points_lifetime_days: Final = 730  # earned points expire after this long
activity_daily_count_max: Final = 100  # the highest daily cap a rewarded activity may have

# Time windows.
hold_ttl_seconds_min: Final = 1
hold_ttl_seconds_max: Final = 7 * 24 * 3600
hold_ttl_seconds_default: Final = 15 * 60
return_window_days_max: Final = 365
lot_lifetime_days_max: Final = 10 * 365
# Admin bearer tokens: a lost token works until it expires or is revoked, so none lives forever.
admin_token_ttl_days_min: Final = 1
admin_token_ttl_days_max: Final = 365
admin_token_ttl_days_default: Final = 30
# An admin acts as "admin:<name>", kept in 64-character columns (run_by, created_by, ...).
admin_name_length_max: Final = 58

# Sweeps work in bounded batches so one run never holds locks for long.
sweep_batch_size_max: Final = 500

# A settlement run holds its period's lease; a run that died leaves it, and it lapses after this.
settlement_lease_seconds: Final = 15 * 60

# Partners' dated rates.
rate_earn_points_per_unit_max: Final = 1_000  # points per unit of the purchase currency
rate_multiplier_max: Final = 100
rate_price_max: Final = 1_000  # settlement currency per point, issued or burned
rate_category_length_max: Final = 64

# Settlement periods: a calendar month of a year in this range.
period_year_min: Final = 2000
period_year_max: Final = 2100
# The admin page's liability and breakage charts: months back from the current one.
report_months_default: Final = 12
report_months_max: Final = 36

# Caches and bounded work.
account_ids_cached_max: Final = 100_000  # partner and operator account ids kept per process
graphql_documents_cached_max: Final = 1_024  # parsed and validated queries kept per process
card_number_attempts_max: Final = 5  # random card numbers tried before giving up
rate_decimals_max: Final = 6  # decimals of an earn rate, multiplier or price

# Retries of serialization and deadlock failures inside the service.
transaction_attempts_max: Final = 8

# GraphQL request shape.
query_depth_max: Final = 10
query_aliases_max: Final = 15
query_tokens_max: Final = 2_000
request_body_bytes_max: Final = 64 * 1024
page_size_max: Final = 100

# Offers: a partner's live offers, and every size an offer has.
offers_live_max: Final = 10_000  # across the coalition; ranking is measured at 5,000
offers_live_per_partner_max: Final = 2_000
offer_title_length_max: Final = 120
offer_targets_max: Final = 50
offer_bonus_points_max: Final = 1_000_000
offer_multiplier_percent_max: Final = 900  # extra percent: at most x10 points
offer_budget_points_max: Final = 1_000_000_000
offer_uses_per_member_max: Final = 1_000
offer_window_days_max: Final = 366
offer_segment_days_max: Final = 3_650
offers_applied_per_purchase_max: Final = 3  # the largest bonuses win; bounds a purchase's work
spend_window_days: Final = 365  # the spend a SPEND_BAND segment looks at
ranking_first_max: Final = 100
ranking_history_events_max: Final = 500  # a member's most recent purchase lines scored
popularity_items_max: Final = 100_000  # items counted for the popularity-only ranking
ranking_history_days: Final = 730  # points live two years; older purchases say little today
training_batch_rows_max: Final = 50_000  # purchase lines read per statement by training
training_tokens_per_member_max: Final = 64  # pairs grow with its square: no member blows memory
training_pairs_per_chunk_max: Final = 4_000_000  # pairs expanded at once, ~200 MB of temporaries
history_file_rows_max: Final = 5_000_000  # purchase lines an evaluation file may hold
history_file_field_length_max: Final = 128
history_file_times_cached_max: Final = 65_536  # each distinct date is parsed once, up to this
offer_targets_ids_per_read_max: Final = 1_000  # offer ids bound in one read of their targets
catalogue_ttl_seconds: Final = 5.0  # live offers cached per process at most this long
model_check_seconds: Final = 30.0  # how stale a process's view of the newest model may be



def points_lifetime_days_min(purchase_age_days_max: int) -> int:
    """The shortest points lifetime allowed with that purchase age: points of the oldest purchase
    accepted, behind the longest return window, must become available before they expire."""
    return return_window_days_max + purchase_age_days_max + 1


assert points_lifetime_days_min(purchase_age_days_max) <= points_lifetime_days
assert points_lifetime_days <= lot_lifetime_days_max
