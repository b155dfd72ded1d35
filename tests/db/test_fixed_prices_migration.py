"""Migration 0012: existing transfers get the date and the prices settlement gave them until
then, and an existing database's first settlement month is the earliest period it settled."""

from __future__ import annotations

from tortoise.migrations.executor import MigrationExecutor, MigrationTarget

from exchange.db import (
    APP_LABEL,
    close_database,
    connection,
    execute,
    fetch,
    migrate,
    open_database,
    tortoise_config,
)
from tests.db.test_constraints import account, before_prices, earning, member, partner, rate
from tests.db.test_constraints import transfer as transfer_row

DAY = 86_400_000_000
# Accounts by id: grocer's issued (101), fuel's redeemed (102), the member's available (103).
GROCER_ISSUED, FUEL_REDEEMED, AVAILABLE = 101, 102, 103
BREAKAGE_KIND = "operator_breakage"


def transfer(**changes: object) -> str:
    return before_prices(transfer_row(**changes))


ROWS = (
    partner(code="grocer"), partner(code="fuel"), member(),
    # grocer: 0.010 / 0.008, then 0.012 / 0.009 from day 15; fuel: 0.020 / 0.015, then 0.030 /
    # 0.025 from day 15
    rate(partner_id=1, issue_price="0.010", redemption_price="0.008"),
    rate(partner_id=1, valid_from=15 * DAY, issue_price="0.012", redemption_price="0.009"),
    rate(partner_id=2, issue_price="0.020", redemption_price="0.015"),
    rate(partner_id=2, valid_from=15 * DAY, issue_price="0.030", redemption_price="0.025"),
    account(id=GROCER_ISSUED, kind="partner_issued", owner_id=1),
    account(id=FUEL_REDEEMED, kind="partner_redeemed", owner_id=2),
    account(id=AVAILABLE, kind="member_available", owner_id=1),
    # a purchase made on day 10 and recorded on day 16, then partly refunded on day 20
    earning(occurred_at=10 * DAY, created_at=16 * DAY),
    transfer(id=1, debit_account_id=GROCER_ISSUED, credit_account_id=AVAILABLE, points=100,
             earning_id=1, created_at=16 * DAY),
    transfer(id=2, kind="reversal", debit_account_id=AVAILABLE, credit_account_id=GROCER_ISSUED,
             points=40, earning_id=1, created_at=20 * DAY),
    # a burn at fuel on day 12, a third of it refunded on day 18
    transfer(id=3, kind="redeem", debit_account_id=AVAILABLE, credit_account_id=FUEL_REDEEMED,
             points=30, created_at=12 * DAY),
    transfer(id=4, kind="redemption_refund", debit_account_id=FUEL_REDEEMED,
             credit_account_id=AVAILABLE, points=10, linked_transfer_id=3, created_at=18 * DAY),
    "INSERT INTO settlement_periods (period, status, closed_through_transfer_id, created_at) "
    "VALUES ('1970-01', 'closed', 0, 0), ('1970-02', 'open', NULL, 0)",
)


async def test_transfers_get_the_dates_and_prices_they_were_settled_at(
    empty_database_url: str,
) -> None:
    # given a database of 0011 with a purchase recorded late, its refund after a price change,
    # a burn and its refund after a price change, and a closed period
    await open_database(empty_database_url)
    try:
        executor = MigrationExecutor(connection(), tortoise_config("")["apps"])
        await executor.migrate([MigrationTarget(APP_LABEL, "0011_foreign_keys")])
        for statement in ROWS:
            await execute(connection(), statement)
    finally:
        await close_database()
    # when it is migrated
    applied = await migrate(empty_database_url)
    # then the purchase's credit is dated by the purchase and charged the price of day 10, its
    # reversal the same; the burn the price of day 12, its refund the same
    assert "0012_fixed_prices" in applied
    await open_database(empty_database_url)
    try:
        transfers = await fetch(connection(), "SELECT id, dated_at, issue_price, "
                                              "redemption_price FROM transfers ORDER BY id")
        start = await fetch(connection(), "SELECT first_period FROM settlement_start")
        with_trigger = await _update_refused()
    finally:
        await close_database()
    assert [tuple(t.values()) for t in transfers] == [
        (1, 10 * DAY, "0.010", None), (2, 20 * DAY, "0.010", None),
        (3, 12 * DAY, None, "0.015"), (4, 18 * DAY, None, "0.015"),
    ]
    assert start == [{"first_period": "1970-01"}]
    assert with_trigger


async def _update_refused() -> bool:
    """The append-only trigger lifted for the backfill is back."""
    try:
        await execute(connection(), "UPDATE transfers SET points = points + 1")
    except Exception as error:  # the backends raise different IntegrityErrors
        return "append-only" in str(error)
    return False
