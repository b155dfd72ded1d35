"""Prices fixed when points move, and an explicit first settlement month.

Every transfer now carries the date settlement gives it (`dated_at`) and the prices charged when
it was posted (`issue_price`, `redemption_price`), so no later rate can re-price history.
Existing transfers are filled in as settlement priced them until now: a partner's price in its
settlement currency in force at the transfer's date, a reversal at the time of the purchase it
reverses, a redemption refund at the time of the burn it refunds. Transfers are append-only, so
the trigger that refuses updates is lifted for this one backfill and put back.

`settlement_start` holds the first settlement month; an existing database starts at the
earliest period it ever settled (which took everything dated before it, as a first month does).
"""

from __future__ import annotations

import time
from typing import Any

from tortoise import fields, migrations
from tortoise.migrations import operations as ops
from tortoise.migrations.constraints import CheckConstraint

from exchange.migrations._constraints import add_constraints

_PURCHASE_DATED_KINDS = "'earn', 'debt_payment', 'offer', 'offer_debt_payment'"

_DATED = (
    "UPDATE transfers SET dated_at = CASE WHEN earning_id IS NOT NULL AND kind IN "
    f"({_PURCHASE_DATED_KINDS}) THEN (SELECT e.occurred_at FROM earnings e "
    "WHERE e.id = transfers.earning_id) ELSE created_at END"
)


def _price(column: str, account_kind: str, side: str, at: str) -> str:
    """Set `column` on transfers whose `side` account is a partner's `account_kind`, to the
    partner's price in force at `at`."""
    return (
        f"UPDATE transfers SET {column} = (SELECT r.{column} FROM accounts a "
        "JOIN partners p ON p.id = a.owner_id JOIN partner_rates r ON r.partner_id = p.id "
        "AND r.purchase_currency = p.settlement_currency "
        f"WHERE a.id = transfers.{side}_account_id AND r.valid_from <= {at} "
        f"ORDER BY r.valid_from DESC LIMIT 1) WHERE {side}_account_id IN "
        f"(SELECT id FROM accounts WHERE kind = '{account_kind}')"
    )


_PURCHASE_TIME = (
    "COALESCE((SELECT e.occurred_at FROM earnings e WHERE e.id = transfers.earning_id), "
    "transfers.created_at)"
)
_BURN_TIME = (
    "COALESCE((SELECT c.created_at FROM transfers c WHERE c.id = transfers.linked_transfer_id), "
    "transfers.created_at)"
)
_BACKFILL = (
    _DATED,
    _price("issue_price", "partner_issued", "debit", "transfers.dated_at"),
    _price("issue_price", "partner_issued", "credit", _PURCHASE_TIME),
    _price("redemption_price", "partner_redeemed", "credit", "transfers.created_at"),
    _price("redemption_price", "partner_redeemed", "debit", _BURN_TIME),
)
_SQLITE_TRIGGER = (
    'CREATE TRIGGER "transfers_append_only_update" BEFORE UPDATE ON "transfers" '
    "BEGIN SELECT RAISE(ABORT, 'transfers is append-only'); END"
)


async def _backfill(_apps: Any, schema_editor: Any) -> None:
    client = schema_editor.client
    postgres = client.capabilities.dialect == "postgres"
    if postgres:
        await client.execute_script('ALTER TABLE transfers DISABLE TRIGGER "transfers_append_only"')
    else:
        await client.execute_script('DROP TRIGGER "transfers_append_only_update"')
    for statement in _BACKFILL:
        await client.execute_script(statement)
    if postgres:
        await client.execute_script('ALTER TABLE transfers ENABLE TRIGGER "transfers_append_only"')
    else:
        await client.execute_script(_SQLITE_TRIGGER)
    await client.execute_script(
        "INSERT INTO settlement_start (id, first_period, set_by, set_at) "
        f"SELECT 1, MIN(period), 'migration', {int(time.time() * 1_000_000)} "
        "FROM settlement_periods HAVING COUNT(*) > 0"
    )


class Migration(migrations.Migration):
    dependencies = [("exchange", "0011_foreign_keys")]

    initial = False

    operations = [
        ops.AddField(model_name="Transfer", name="dated_at",
                     field=fields.BigIntField(db_default=0)),
        ops.AddField(model_name="Transfer", name="issue_price",
                     field=fields.CharField(max_length=32, null=True)),
        ops.AddField(model_name="Transfer", name="redemption_price",
                     field=fields.CharField(max_length=32, null=True)),
        ops.CreateModel(
            name="SettlementStart",
            fields=[
                ("id", fields.BigIntField(generated=True, primary_key=True, unique=True,
                                          db_index=True)),
                ("first_period", fields.CharField(max_length=7)),
                ("set_by", fields.CharField(max_length=64)),
                ("set_at", fields.BigIntField()),
            ],
            options={"table": "settlement_start", "app": "exchange", "pk_attr": "id"},
            bases=["Model"],
        ),
        *add_constraints([
            ("SettlementStart", CheckConstraint(check="id = 1", name="settlement_start_one_row")),
        ]),
        ops.RunPython(_backfill),
    ]
