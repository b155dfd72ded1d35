"""Migration 0009: today's activity awards are copied from the ledger into activity_awards, so
a daily cap holds across the upgrade; older awards and purchases' debt payments are not."""

from __future__ import annotations

from tortoise.migrations.executor import MigrationExecutor, MigrationTarget

from exchange.clock import days_to_us, now_us
from exchange.db import (
    APP_LABEL,
    close_database,
    connection,
    execute,
    fetch,
    open_database,
    tortoise_config,
)

ACCOUNTS = (  # id, kind, owner: the partner's source, the member's wallet and debt
    (11, "partner_issued", 1), (21, "member_available", 7), (22, "member_clawback", 7),
)


async def _transfer(kind: str, credit: int, reason: str, at: int, **links: int) -> None:
    columns = ", ".join(["kind", "debit_account_id", "credit_account_id", "points", "caller",
                         "reason", "created_at", *links])
    values = [kind, 11, credit, 5, "partner:grocer", reason, at, *links.values()]
    marks = ", ".join(f"${n}" for n in range(1, len(values) + 1))
    await execute(connection(), f"INSERT INTO transfers ({columns}) VALUES ({marks})", *values)


async def _migrate_to(name: str) -> None:
    executor = MigrationExecutor(connection(), tortoise_config("")["apps"])
    await executor.migrate([MigrationTarget(APP_LABEL, name)])


async def _at_0008_with_transfers(url: str) -> None:
    await open_database(url)
    try:
        await _migrate_to("0008_offers")
        for account_id, kind, owner in ACCOUNTS:
            await execute(connection(), "INSERT INTO accounts (id, kind, owner_id, balance, "
                          "created_at) VALUES ($1, $2, $3, 0, 0)", account_id, kind, owner)
        now = now_us()
        await _transfer("activity", 21, "review", now)  # an award, to a lot
        await _transfer("debt_payment", 22, "quiz", now)  # an award that paid debt
        await _transfer("activity", 21, "quiz", now, linked_transfer_id=2)  # ... and its rest
        await _transfer("activity", 21, "review", now - days_to_us(2))  # not today
        await _transfer("debt_payment", 22, "", now, earning_id=1)  # a purchase's, not an award
    finally:
        await close_database()


async def test_todays_awards_are_copied(empty_database_url: str) -> None:
    # given a database at 0008 whose ledger holds today's awards and other transfers
    await _at_0008_with_transfers(empty_database_url)
    # when
    await open_database(empty_database_url)
    try:
        await _migrate_to("0009_ledger_vocabulary")
        # then one row per award of today, with its member, partner and activity
        rows = await fetch(connection(), "SELECT member_id, partner_id, activity "
                                         "FROM activity_awards ORDER BY activity")
    finally:
        await close_database()
    assert [(r["member_id"], r["partner_id"], r["activity"]) for r in rows] == [
        (7, 1, "quiz"), (7, 1, "review"),
    ]
