"""Every CHECK and UNIQUE constraint the models declare, every foreign key, the append-only
triggers, migrations.

Each declared constraint has a case below: setup statements that must succeed, then statements
that violate that constraint (and only it) and must be rejected by the database, naming it.
A constraint added to a model without a case here fails `test_every_declared_constraint_...`.

Foreign keys are declared in the migrations, not in the models (0011_foreign_keys.py says why),
so they are read back from the database itself. Each has a case: a row naming a row that does
not exist, which differs from an accepted row (`test_every_builder_row_is_accepted`) only in that
column, so on SQLite too, whose message names no key, it is that key that refuses it. A key in
the database without a case fails `test_every_foreign_key_has_a_case`; so does one that a later
table rebuild lost.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from tortoise.exceptions import IntegrityError
from tortoise.migrations.constraints import UniqueConstraint
from tortoise.migrations.executor import MigrationExecutor, MigrationTarget
from tortoise.models import Model
from tortoise.transactions import in_transaction

from exchange.db import (
    MODEL_MODULES,
    DatabaseNotMigrated,
    assert_migrated,
    close_database,
    connection,
    execute,
    fetch,
    is_postgres,
    migrate,
    open_database,
    pending_migrations,
    tortoise_config,
)
from exchange.ledger.kinds import TransferKind

MIGRATIONS = sorted(
    path.stem for path in (Path(__file__).resolve().parents[2] / "exchange" / "migrations")
    .glob("[0-9]*.py")
)


@dataclass(frozen=True)
class Case:
    setup: tuple[str, ...]
    violations: tuple[str, ...]


def _insert(table: str, **values: object) -> str:
    literals = ", ".join(
        "NULL" if v is None else repr(v) if isinstance(v, str) else str(v)
        for v in values.values()
    )
    return f"INSERT INTO {table} ({', '.join(values)}) VALUES ({literals})"


def account(**changes: object) -> str:
    return _insert("accounts", **{"kind": "member_available", "owner_id": 7, "balance": 0,
                                  "created_at": 0, **changes})


def transfer(**changes: object) -> str:
    return _insert("transfers", **{
        "kind": "earn", "debit_account_id": 1, "credit_account_id": 2, "points": 5,
        "caller": "test", "reason": "", "created_at": 0, "dated_at": 0, **changes,
    })


def before_prices(statement: str) -> str:
    """A row as it was inserted before 0012, which added transfers.dated_at."""
    if not statement.startswith("INSERT INTO transfers "):
        return statement
    head, values = statement.split(" VALUES ")
    columns = head[head.index("(") + 1:-1].split(", ")
    literals = values[1:-1].split(", ")
    kept = [(c, v) for c, v in zip(columns, literals, strict=True) if c != "dated_at"]
    return (f"INSERT INTO transfers ({', '.join(c for c, _ in kept)}) "
            f"VALUES ({', '.join(v for _, v in kept)})")


def lot(**changes: object) -> str:
    return _insert("lots", **{
        "member_id": 1, "issuer_account_id": 1, "earn_transfer_id": 1, "points": 10,
        "points_remaining": 10, "is_pending": False, "earned_at": 0, "available_at": 0,
        "expires_at": 100, **changes,
    })


def allocation(**changes: object) -> str:
    return _insert("lot_allocations", **{"transfer_id": 1, "lot_id": 1, "points": 5, **changes})


def hold(**changes: object) -> str:
    return _insert("holds", **{
        "member_id": 1, "partner_id": 1, "points": 10, "points_captured": 0,
        "points_refunded": 0, "points_discount": 0, "status": "authorized",
        "authorize_transfer_id": 1, "created_at": 0, "expires_at": 100, **changes,
    })


def earning(**changes: object) -> str:
    return _insert("earnings", **{
        "member_id": 1, "partner_id": 1, "order_id": "o-1", "currency": "EUR",
        "amount_minor": 100, "amount_refunded_minor": 0, "points": 10, "points_reversed": 0,
        "occurred_at": 0, "created_at": 0, **changes,
    })


def idempotency_key(**changes: object) -> str:
    return _insert("idempotency_keys", **{
        "caller": "partner:a", "key": "k", "fingerprint": "f", "created_at": 0, **changes,
    })


def member(**changes: object) -> str:
    return _insert("members", **{"card_number": "6299000000000000", "created_at": 0, **changes})


def partner(**changes: object) -> str:
    return _insert("partners", **{
        "code": "grocer", "name": "Grocer", "status": "active", "return_window_days": 14,
        "settlement_currency": "EUR", "created_at": 0, **changes,
    })


def rate(**changes: object) -> str:
    return _insert("partner_rates", **{
        "partner_id": 1, "purchase_currency": "EUR", "valid_from": 0, "earn_rate": "1",
        "category_multipliers": "{}", "issue_price": "0.01", "redemption_price": "0.008",
        "created_at": 0, **changes,
    })


def partner_key(**changes: object) -> str:
    return _insert("partner_keys", **{
        "key_id": "grocer/2026-01", "partner_id": 1, "algorithm": "ed25519",
        "key_material": "AAAA", "status": "active", "created_at": 0, **changes,
    })


def nonce(**changes: object) -> str:
    return _insert("signature_nonces", **{"key_id": "k", "nonce": "n", "expires_at": 0, **changes})


def activity(**changes: object) -> str:
    return _insert("partner_activities", **{
        "partner_id": 1, "kind": "review", "points": 10, "daily_count_max": 1, "created_at": 0,
        **changes,
    })


def link(**changes: object) -> str:
    return _insert("member_links", **{
        "member_id": 1, "partner_id": 1, "customer_ref": "c-1", "created_at": 0, **changes,
    })


def admin_token(**changes: object) -> str:
    return _insert("admin_tokens", **{
        "name": "ops", "token_hash": "ab" * 32, "created_at": 0, "expires_at": 100, **changes,
    })


def settlement_period(**changes: object) -> str:
    return _insert("settlement_periods", **{"period": "2026-09", "status": "open",
                                            "created_at": 0, **changes})


def settlement_start(**changes: object) -> str:
    return _insert("settlement_start", **{"id": 1, "first_period": "2026-02",
                                          "set_by": "admin:a", "set_at": 0, **changes})


def settlement_run(**changes: object) -> str:
    return _insert("settlement_runs", **{
        "period": "2026-03", "run_by": "admin:a", "started_at": 0, "finished_at": 1,
        "outcome": "succeeded", "message": "", "checksum": "", "through_transfer_id": 0,
        "breakage_points": 0, **changes,
    })


def statement(**changes: object) -> str:
    return _insert("settlement_statements", **{
        "period": "2026-03", "partner_id": 1, "currency": "EUR", "net": "0", "run_id": 1,
        **changes,
    })


def statement_line(**changes: object) -> str:
    return _insert("settlement_lines", **{
        "statement_id": 1, "position": 0, "kind": "issued", "points": 1, "price": "0.01",
        "amount": "-0.01", "is_late": False, "description": "d", **changes,
    })


def provenance(**changes: object) -> str:
    return _insert("settlement_provenance", **{
        "period": "2026-03", "issuer": "a", "burned_at": "b", "points": 1, "value": "0.01",
        "currency": "EUR", **changes,
    })


def adjustment(**changes: object) -> str:
    return _insert("settlement_adjustments", **{
        "period": "2026-03", "partner_id": 1, "amount": "1.00", "currency": "EUR",
        "reason": "r", "created_by": "admin:a", "idempotency_key": "k", "created_at": 0,
        **changes,
    })


def offer(**changes: object) -> str:
    return _insert("offers", **{
        "funding_partner_id": 1, "title": "t", "kind": "bonus_points", "bonus_points": 10,
        "percent": 0,
        "segment": "everyone", "segment_days": 0, "spend_currency": "", "spend_min_minor": 0,
        "starts_at": 0, "ends_at": 10, "requires_activation": False, "budget_points": 100,
        "points_awarded": 0, "per_member_uses_max": 1, "pacing": "none", "status": "active",
        "created_by": "admin:a", "created_at": 0, "updated_at": 0, **changes,
    })


def offer_target(**changes: object) -> str:
    return _insert("offer_targets", **{"offer_id": 1, "kind": "partner", "value": "fuel",
                                       **changes})


def activity_award(**changes: object) -> str:
    return _insert("activity_awards", **{
        "member_id": 1, "partner_id": 1, "activity": "review", "points": 5, "created_at": 0,
        **changes,
    })


def offer_activation(**changes: object) -> str:
    return _insert("offer_activations", **{
        "offer_id": 1, "member_id": 1, "activated_by": "partner:a", "activated_at": 0, **changes,
    })


def offer_award(**changes: object) -> str:
    return _insert("offer_awards", **{
        "offer_id": 1, "member_id": 1, "earning_id": 1, "points": 5, "created_at": 0, **changes,
    })


def purchase_item(**changes: object) -> str:
    return _insert("purchase_items", **{
        "member_id": 1, "partner_id": 1, "earning_id": 1, "sku": "s", "category": "c",
        "amount_minor": 100, "currency": "EUR", "occurred_at": 0, **changes,
    })


def update(table: str, assignment: str) -> str:
    return f"UPDATE {table} SET {assignment}"


# Rows the builders' defaults refer to, inserted before every case: partners and members 1 and 2,
# earning 1, transfer 1 (operator account 1 to 2), hold 1, lots 1 and 2, partner keys "k" and
# "k2", offer 1, periods 2026-02 and 2026-03, run 1 and statement 1 (both of 2026-02).
PARENTS = (
    partner(code="p1"), partner(code="p2"),
    member(card_number="6299000000000101"), member(card_number="6299000000000102"),
    earning(order_id="parent"), transfer(), hold(), lot(), lot(),
    partner_key(key_id="k"), partner_key(key_id="k2"), offer(),
    settlement_period(period="2026-02"), settlement_period(period="2026-03"),
    settlement_run(period="2026-02"), statement(period="2026-02"),
)


async def insert_parents(*, old_schema: bool = False) -> None:
    for statement in PARENTS:
        await execute(connection(), before_prices(statement) if old_schema else statement)


CASES: dict[str, Case] = {
    "accounts_kind_owner_uniq": Case(
        (account(),), (account(), account(kind="operator_bonus", owner_id=0, balance=0)),
    ),
    "accounts_kind_known": Case((), (account(kind="member_savings"),)),
    "accounts_balance_not_negative": Case(
        (account(),),
        (account(owner_id=8, balance=-1), update("accounts", "balance = -1 WHERE owner_id = 7"),
         account(kind="partner_redeemed", balance=-1)),
    ),
    "accounts_source_not_positive": Case(
        (),
        (account(kind="partner_issued", balance=1), account(kind="member_clawback", balance=1),
         update("accounts", "balance = 1 WHERE kind = 'operator_bonus'")),
    ),
    "transfers_points_positive": Case((), (transfer(points=0), transfer(points=-5))),
    "transfers_distinct_accounts": Case((), (transfer(credit_account_id=1),)),
    "transfers_kind_known": Case((transfer(),), (transfer(kind="gift"), transfer(kind="EARN"))),
    "lots_points_positive": Case((), (lot(points=0, points_remaining=0),)),
    "lots_remaining_in_range": Case(
        (lot(),),
        (lot(points_remaining=-1), lot(points_remaining=11),
         update("lots", "points_remaining = points + 1")),
    ),
    "lots_available_before_expiry": Case(
        (lot(),), (lot(available_at=100), update("lots", "available_at = expires_at + 1")),
    ),
    "lot_allocations_uniq": Case((allocation(),), (allocation(points=3),)),
    "lot_allocations_points_positive": Case((), (allocation(points=0),)),
    "holds_points_positive": Case((), (hold(points=0),)),
    "holds_captured_in_range": Case(
        (hold(),),
        (hold(points_captured=11),
         update("holds", "points_captured = 11, status = 'captured'")),
    ),
    "holds_refunded_in_range": Case(
        (hold(points_captured=5, status="captured"),),
        (hold(points_refunded=-1), hold(points_captured=5, points_refunded=6),
         update("holds", "points_refunded = 6")),
    ),
    "holds_discount_in_range": Case(
        (hold(points_captured=5, points_discount=4, status="captured"),),
        (hold(points_captured=5, points_discount=5, status="captured"),
         hold(points_discount=-1), update("holds", "points_discount = 6")),
    ),
    "activity_awards_points_positive": Case((), (activity_award(points=0),)),
    "holds_status_known": Case((hold(),), (hold(status="pending"), update("holds", "status = ''"))),
    "earnings_order_uniq": Case((earning(),), (earning(member_id=2, amount_minor=50),)),
    "earnings_amount_positive": Case((), (earning(amount_minor=0), earning(amount_minor=-1))),
    "earnings_refund_in_range": Case(
        (earning(),),
        (earning(order_id="o-2", amount_refunded_minor=-1),
         earning(order_id="o-3", amount_refunded_minor=101),
         update("earnings", "amount_refunded_minor = amount_minor + 1")),
    ),
    "earnings_reversed_in_range": Case(
        (earning(),),
        (earning(order_id="o-2", points=-1), earning(order_id="o-3", points_reversed=-1),
         earning(order_id="o-4", points_reversed=11),
         update("earnings", "points_reversed = points + 1")),
    ),
    "idempotency_keys_caller_key_uniq": Case(
        (idempotency_key(), idempotency_key(caller="partner:b")),
        (idempotency_key(fingerprint="g"),),
    ),
    "members_card_uniq": Case((member(),), (member(created_at=5),)),
    "partners_code_uniq": Case((partner(),), (partner(name="Other"),)),
    "partners_return_window_range": Case(
        (partner(),),
        (partner(code="a1", return_window_days=-1), partner(code="a2", return_window_days=366),
         update("partners", "return_window_days = 366")),
    ),
    "partners_status": Case(
        (partner(),), (partner(code="a1", status="closed"), update("partners", "status = ''")),
    ),
    "partner_rates_from_uniq": Case((rate(),), (rate(earn_rate="2"),)),
    "partner_keys_key_id_uniq": Case((partner_key(),), (partner_key(partner_id=2),)),
    "partner_keys_algorithm": Case(
        (partner_key(),),
        (partner_key(key_id="g/2", algorithm="rsa"), update("partner_keys", "algorithm = 'x'")),
    ),
    "partner_keys_status": Case(
        (partner_key(),),
        (partner_key(key_id="g/2", status="lost"), update("partner_keys", "status = ''")),
    ),
    "signature_nonces_uniq": Case((nonce(), nonce(key_id="k2")), (nonce(expires_at=5),)),
    "partner_activities_uniq": Case((activity(),), (activity(points=5),)),
    "partner_activities_points_positive": Case(
        (activity(),),
        (activity(kind="quiz", points=0), update("partner_activities", "points = 0")),
    ),
    "partner_activities_daily_count_positive": Case(
        (activity(),), (activity(kind="quiz", daily_count_max=0),),
    ),
    "member_links_uniq": Case((link(),), (link(customer_ref="c-2"),)),
    "member_links_customer_ref_uniq": Case((link(),), (link(member_id=2),)),
    "members_referral_code_uniq": Case(
        (member(referral_code="ABCD2345"),),
        (member(card_number="6299000000000018", referral_code="ABCD2345"),),
    ),
    "admin_tokens_hash_uniq": Case((admin_token(),), (admin_token(name="other"),)),
    "admin_tokens_expiry_after_creation": Case(
        (admin_token(),),
        (admin_token(token_hash="cd" * 32, expires_at=0),
         admin_token(token_hash="ef" * 32, created_at=100, expires_at=99),
         update("admin_tokens", "expires_at = created_at")),
    ),
    "settlement_periods_period_uniq": Case((settlement_period(),), (settlement_period(),)),
    "settlement_periods_status": Case(
        (settlement_period(),),
        (settlement_period(period="2026-04", status="done"),
         update("settlement_periods", "status = 'done'")),
    ),
    "settlement_periods_closed_watermark": Case(
        (settlement_period(),),
        (settlement_period(period="2026-04", status="closed"),
         settlement_period(period="2026-05", closed_through_transfer_id=5),
         update("settlement_periods", "status = 'closed'")),
    ),
    "settlement_start_one_row": Case(
        (settlement_start(),), (settlement_start(id=2), update("settlement_start", "id = 3")),
    ),
    "settlement_runs_outcome": Case(
        (settlement_run(),), (settlement_run(outcome="maybe"), update("settlement_runs",
                                                                      "outcome = ''")),
    ),
    "settlement_statements_partner_uniq": Case((statement(),), (statement(net="1"),)),
    "settlement_lines_uniq": Case((statement_line(),), (statement_line(points=2),)),
    "settlement_lines_kind": Case(
        (statement_line(),),
        (statement_line(position=1, kind="fee"), update("settlement_lines", "kind = 'fee'")),
    ),
    "settlement_provenance_uniq": Case((provenance(),), (provenance(points=2),)),
    "settlement_adjustments_key_uniq": Case((adjustment(),), (adjustment(amount="2.00"),)),
    "offers_kind_known": Case((), (offer(kind="cashback"),)),
    "offers_status_known": Case(
        (offer(),), (offer(status="draft"), update("offers", "status = ''")),
    ),
    "offers_window": Case((), (offer(starts_at=10), offer(starts_at=11))),
    "offers_budget_positive": Case((), (offer(budget_points=0),)),
    "offers_awarded_within_budget": Case(
        (offer(),),
        (offer(points_awarded=-1), offer(points_awarded=101),
         update("offers", "points_awarded = budget_points + 1")),
    ),
    "offers_uses_positive": Case((), (offer(per_member_uses_max=0),)),
    "offer_targets_kind_known": Case(
        (offer(), offer_target()),
        (offer_target(kind="brand"), update("offer_targets", "kind = 'partners'")),
    ),
    "offer_targets_uniq": Case((offer(), offer_target()), (offer_target(),)),
    "offer_activations_uniq": Case((offer_activation(),), (offer_activation(activated_at=5),)),
    "offer_awards_points_positive": Case((), (offer_award(points=0),)),
    "offer_awards_earning_uniq": Case((offer_award(),), (offer_award(member_id=2, points=7),)),
}


def declared_constraints() -> dict[str, tuple[str, object]]:
    """Constraint name -> (table, constraint) for every model of the exchange."""
    found: dict[str, tuple[str, object]] = {}
    for module_name in MODEL_MODULES:
        module = importlib.import_module(module_name)
        for value in vars(module).values():
            is_model = isinstance(value, type) and issubclass(value, Model) and value is not Model
            if is_model and value.__module__ == module_name:
                for constraint in value._meta.constraints:
                    assert constraint.name not in found, f"{constraint.name} declared twice"
                    found[constraint.name] = (value._meta.db_table, constraint)
    return found


DECLARED = declared_constraints()


def expected_message(name: str) -> str:
    """How the backend names the violated constraint in its error."""
    table, constraint = DECLARED[name]
    if is_postgres(connection()) or not isinstance(constraint, UniqueConstraint):
        return name
    return ", ".join(f"{table}.{field}" for field in constraint.fields)


def test_every_declared_constraint_has_a_case() -> None:
    # given
    declared = set(DECLARED)
    # when
    tested = set(CASES)
    # then
    assert tested == declared
    assert len(declared) >= 24


@pytest.mark.parametrize("name", sorted(CASES))
async def test_a_violating_row_is_rejected(db: str, name: str) -> None:
    # given
    conn = connection()
    await insert_parents()
    for statement in CASES[name].setup:
        await execute(conn, statement)
    for statement in CASES[name].violations:
        # when
        with pytest.raises(IntegrityError) as error:
            await execute(conn, statement)
        # then
        assert expected_message(name) in str(error.value), statement


# Foreign keys

MISSING = 999_999  # no row has this id
FOREIGN_KEY_MIGRATION = importlib.import_module("exchange.migrations.0011_foreign_keys")
# Keys of tables made after 0008 with their keys in place (0010), and those 0011 adds.
FOREIGN_KEYS = (("offer_targets", "offer_id", "offers", "id"), *FOREIGN_KEY_MIGRATION.FOREIGN_KEYS)

FOREIGN_KEY_CASES: dict[str, tuple[str, ...]] = {
    "transfers.debit_account_id": (transfer(debit_account_id=MISSING),),
    "transfers.credit_account_id": (transfer(credit_account_id=MISSING),),
    "transfers.linked_transfer_id": (transfer(linked_transfer_id=MISSING),),
    "transfers.hold_id": (transfer(hold_id=MISSING),),
    "transfers.earning_id": (transfer(earning_id=MISSING),),
    "lots.member_id": (lot(member_id=MISSING), update("lots", f"member_id = {MISSING}")),
    "lots.issuer_account_id": (lot(issuer_account_id=MISSING),),
    "lots.earn_transfer_id": (lot(earn_transfer_id=MISSING),),
    "lots.earning_id": (lot(earning_id=MISSING), update("lots", f"earning_id = {MISSING}")),
    "lot_allocations.transfer_id": (allocation(transfer_id=MISSING),),
    "lot_allocations.lot_id": (allocation(lot_id=MISSING),),
    "holds.member_id": (hold(member_id=MISSING),),
    "holds.partner_id": (hold(partner_id=MISSING), update("holds", f"partner_id = {MISSING}")),
    # 0 was the placeholder until the authorize transfer was posted; NULL is now
    "holds.authorize_transfer_id": (
        hold(authorize_transfer_id=MISSING), hold(authorize_transfer_id=0),
        update("holds", "authorize_transfer_id = 0"),
    ),
    "holds.capture_transfer_id": (
        hold(capture_transfer_id=MISSING), update("holds", f"capture_transfer_id = {MISSING}"),
    ),
    "earnings.member_id": (earning(member_id=MISSING),),
    "earnings.partner_id": (earning(partner_id=MISSING),),
    "members.referred_by_member_id": (
        member(referred_by_member_id=MISSING),
        update("members", f"referred_by_member_id = {MISSING}"),
    ),
    "member_links.member_id": (link(member_id=MISSING),),
    "member_links.partner_id": (link(partner_id=MISSING), link(partner_id=0)),
    "partner_rates.partner_id": (rate(partner_id=MISSING),),
    "partner_keys.partner_id": (
        partner_key(partner_id=MISSING), update("partner_keys", f"partner_id = {MISSING}"),
    ),
    "partner_activities.partner_id": (activity(partner_id=MISSING),),
    "signature_nonces.key_id": (nonce(key_id="unknown"),),
    "settlement_runs.period": (
        settlement_run(period="2030-01"), update("settlement_runs", "period = '2030-01'"),
    ),
    "settlement_statements.period": (statement(period="2030-01"),),
    "settlement_statements.partner_id": (statement(partner_id=MISSING),),
    "settlement_statements.run_id": (
        statement(run_id=MISSING), update("settlement_statements", f"run_id = {MISSING}"),
    ),
    "settlement_lines.statement_id": (statement_line(statement_id=MISSING),),
    "settlement_provenance.period": (provenance(period="2030-01"),),
    "settlement_adjustments.period": (adjustment(period="2030-01"),),
    "settlement_adjustments.partner_id": (adjustment(partner_id=MISSING),),
    "offers.funding_partner_id": (
        offer(funding_partner_id=MISSING), update("offers", f"funding_partner_id = {MISSING}"),
    ),
    "offer_activations.offer_id": (offer_activation(offer_id=MISSING),),
    "offer_activations.member_id": (offer_activation(member_id=MISSING),),
    "offer_awards.offer_id": (offer_award(offer_id=MISSING),),
    "offer_awards.member_id": (offer_award(member_id=MISSING),),
    "offer_awards.earning_id": (offer_award(earning_id=MISSING),),
    "offer_awards.hold_id": (offer_award(hold_id=MISSING),),
    "purchase_items.member_id": (purchase_item(member_id=MISSING),),
    "purchase_items.partner_id": (purchase_item(partner_id=MISSING),),
    "purchase_items.earning_id": (purchase_item(earning_id=MISSING),),
    "offer_targets.offer_id": (offer_target(offer_id=MISSING),),
    "activity_awards.member_id": (activity_award(member_id=MISSING),),
    "activity_awards.partner_id": (activity_award(partner_id=MISSING),),
}

# Deleting a row that another row names is refused (ON DELETE RESTRICT), for every referenced
# table but transfers, whose append-only trigger refuses any delete first.
DELETE_CASES: dict[str, Case] = {
    "accounts": Case((), ("DELETE FROM accounts WHERE id = 1",)),
    "members": Case((), ("DELETE FROM members WHERE id = 1",)),
    "partners": Case((), ("DELETE FROM partners WHERE id = 1",)),
    "earnings": Case((transfer(earning_id=1),), ("DELETE FROM earnings",)),
    "holds": Case((transfer(hold_id=1),), ("DELETE FROM holds",)),
    "lots": Case((allocation(),), ("DELETE FROM lots WHERE id = 1",)),
    "partner_keys": Case((nonce(),), ("DELETE FROM partner_keys WHERE key_id = 'k'",)),
    "offers": Case((offer_activation(),), ("DELETE FROM offers",)),
    "settlement_periods": Case((), ("DELETE FROM settlement_periods WHERE period = '2026-02'",)),
    "settlement_runs": Case((), ("DELETE FROM settlement_runs",)),
    "settlement_statements": Case((statement_line(),), ("DELETE FROM settlement_statements",)),
}

# One row of every builder as it is, in an order where each names only rows that exist.
BUILDERS: tuple[Callable[..., str], ...] = (
    account, transfer, lot, allocation, hold, earning, idempotency_key, member, partner, rate,
    partner_key, nonce, activity, link, admin_token, settlement_period, settlement_run,
    statement, statement_line, provenance, adjustment, offer, offer_activation, offer_award,
    purchase_item, offer_target, activity_award,
)


@dataclass(frozen=True)
class ForeignKey:
    name: str  # the constraint's name; SQLite keeps none
    parent: str
    parent_column: str
    on_delete: str


_PG_FOREIGN_KEYS = """
SELECT c.conname AS name, t.relname AS child, a.attname AS column, pt.relname AS parent,
       pa.attname AS parent_column, c.confdeltype::text AS on_delete, cardinality(c.conkey) AS width
FROM pg_constraint c
JOIN pg_class t ON t.oid = c.conrelid
JOIN pg_class pt ON pt.oid = c.confrelid
JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
JOIN pg_attribute pa ON pa.attrelid = c.confrelid AND pa.attnum = c.confkey[1]
WHERE c.contype = 'f'
"""
_PG_ACTIONS = {
    "r": "RESTRICT", "a": "NO ACTION", "c": "CASCADE", "n": "SET NULL", "d": "SET DEFAULT",
}


async def database_foreign_keys() -> dict[str, ForeignKey]:
    """"table.column" -> its foreign key, as the database has them (single-column keys only)."""
    conn = connection()
    found: dict[str, ForeignKey] = {}
    if is_postgres(conn):
        for row in await fetch(conn, _PG_FOREIGN_KEYS):
            assert row["width"] == 1, row
            found[f"{row['child']}.{row['column']}"] = ForeignKey(
                row["name"], row["parent"], row["parent_column"], _PG_ACTIONS[row["on_delete"]]
            )
        return found
    tables = await fetch(conn, "SELECT name FROM sqlite_master WHERE type = 'table'")
    for table in (row["name"] for row in tables):
        for row in await fetch(conn, f'PRAGMA foreign_key_list("{table}")'):
            assert row["seq"] == 0, row
            found[f"{table}.{row['from']}"] = ForeignKey(
                "", row["table"], row["to"], row["on_delete"]
            )
    return found


def refused_reference(key: ForeignKey) -> str:
    """How the backend says a foreign key refused a row."""
    return key.name if is_postgres(connection()) else "FOREIGN KEY constraint failed"


async def test_every_foreign_key_has_a_case(db: str) -> None:
    # given
    declared = {f"{table}.{column}" for table, column, *_ in FOREIGN_KEYS}
    # when
    in_database = await database_foreign_keys()
    # then
    assert set(in_database) == set(FOREIGN_KEY_CASES) == declared
    parents = {key.parent for key in in_database.values()}
    assert parents - {"transfers"} == set(DELETE_CASES)


async def test_every_foreign_key_names_its_row_and_restricts_deletes(db: str) -> None:
    # when
    in_database = await database_foreign_keys()
    # then
    assert {
        f"{table}.{column}": (parent, parent_column, "RESTRICT")
        for table, column, parent, parent_column in FOREIGN_KEYS
    } == {
        name: (key.parent, key.parent_column, key.on_delete)
        for name, key in in_database.items()
    }


async def test_every_builder_row_is_accepted(db: str) -> None:
    # given
    await insert_parents()
    for builder in BUILDERS:
        # when
        await execute(connection(), builder())
    # then
    rows = await fetch(connection(), "SELECT COUNT(*) AS n FROM purchase_items")
    assert rows[0]["n"] == 1


@pytest.mark.parametrize("name", sorted(FOREIGN_KEY_CASES))
async def test_a_row_naming_a_missing_row_is_refused(db: str, name: str) -> None:
    # given
    key = (await database_foreign_keys())[name]
    await insert_parents()
    table = name.split(".")[0]
    before = await fetch(connection(), f"SELECT * FROM {table} ORDER BY id")
    for statement in FOREIGN_KEY_CASES[name]:
        # when
        with pytest.raises(IntegrityError) as error:
            await execute(connection(), statement)
        # then
        assert refused_reference(key) in str(error.value), statement
    assert await fetch(connection(), f"SELECT * FROM {table} ORDER BY id") == before


@pytest.mark.parametrize("table", sorted(DELETE_CASES))
async def test_deleting_a_named_row_is_refused(db: str, table: str) -> None:
    # given
    await insert_parents()
    for statement in DELETE_CASES[table].setup:
        await execute(connection(), statement)
    before = await fetch(connection(), f"SELECT * FROM {table} ORDER BY id")
    for statement in DELETE_CASES[table].violations:
        # when
        with pytest.raises(IntegrityError) as error:
            await execute(connection(), statement)
        # then
        expected = "foreign key constraint" if is_postgres(connection()) else "FOREIGN KEY"
        assert expected in str(error.value), statement
    assert await fetch(connection(), f"SELECT * FROM {table} ORDER BY id") == before


async def test_sqlite_connections_enforce_foreign_keys(db: str) -> None:
    if is_postgres(connection()):
        pytest.skip("PostgreSQL always enforces them")
    # when
    outside = await fetch(connection(), "PRAGMA foreign_keys")
    async with in_transaction("default") as conn:
        inside = await fetch(conn, "PRAGMA foreign_keys")
    # then
    assert outside == inside == [{"foreign_keys": 1}]


# Append-only tables


async def one_row_each() -> None:
    await insert_parents()  # one transfer among them
    await execute(connection(), allocation())


@pytest.mark.parametrize("table", ["transfers", "lot_allocations"])
@pytest.mark.parametrize("statement", ["UPDATE {} SET points = points + 1", "DELETE FROM {}"])
async def test_append_only_tables_refuse_updates_and_deletes(
    db: str, table: str, statement: str
) -> None:
    # given
    await one_row_each()
    before = await fetch(connection(), f"SELECT * FROM {table}")
    # when
    with pytest.raises(IntegrityError) as error:
        await execute(connection(), statement.format(table))
    # then
    assert f"{table} is append-only" in str(error.value)
    assert await fetch(connection(), f"SELECT * FROM {table}") == before


@pytest.mark.parametrize("table", ["transfers", "lot_allocations"])
async def test_append_only_tables_accept_inserts(db: str, table: str) -> None:
    # given
    await one_row_each()
    # when
    statement = transfer(points=7) if table == "transfers" else allocation(lot_id=2)
    await execute(connection(), statement)
    # then
    assert len(await fetch(connection(), f"SELECT id FROM {table}")) == 2


async def test_the_database_accepts_every_transfer_kind_the_code_knows(db: str) -> None:
    # given
    await one_row_each()
    # when a transfer of each kind is posted (a kind added without a migration is refused)
    for kind in TransferKind:
        await execute(connection(), transfer(kind=kind.value))
    # then
    rows = await fetch(connection(), "SELECT DISTINCT kind FROM transfers")
    assert {row["kind"] for row in rows} >= {kind.value for kind in TransferKind}


# Migrations


async def test_an_unmigrated_database_is_refused(empty_database_url: str) -> None:
    # given
    await open_database(empty_database_url)
    try:
        # when
        with pytest.raises(DatabaseNotMigrated) as error:
            await assert_migrated()
    finally:
        await close_database()
    # then
    assert "Run `exchange migrate`" in str(error.value)
    assert all(name in str(error.value) for name in MIGRATIONS)


async def test_migrate_applies_every_migration_once(empty_database_url: str) -> None:
    # given
    applied = await migrate(empty_database_url)
    # when
    again = await migrate(empty_database_url)
    # then
    assert (applied, again) == (MIGRATIONS, [])
    await open_database(empty_database_url)
    try:
        await assert_migrated()
        operator = await fetch(connection(), "SELECT kind FROM accounts ORDER BY kind")
    finally:
        await close_database()
    assert [row["kind"] for row in operator] == [
        "operator_bonus", "operator_breakage", "operator_clawback",
    ]


async def test_the_test_database_is_migrated(db: str) -> None:
    # when
    await assert_migrated()
    # then
    rows = await fetch(connection(), "SELECT COUNT(*) AS n FROM accounts")
    assert rows[0]["n"] == 3


# 0011: foreign keys on a database in use

BEFORE_FOREIGN_KEYS = MigrationTarget("exchange", "0010_offer_targets")
FOREIGN_KEYS_ADDED = MigrationTarget("exchange", "0011_foreign_keys")


async def migrate_open_database(target: MigrationTarget | None = None) -> None:
    executor = MigrationExecutor(connection(), tortoise_config("")["apps"])
    await executor.migrate(None if target is None else [target])


async def table_rows() -> dict[str, list[dict[str, object]]]:
    tables = {key[0] for key in FOREIGN_KEY_MIGRATION.FOREIGN_KEYS} | {
        key[2] for key in FOREIGN_KEY_MIGRATION.FOREIGN_KEYS
    }
    return {
        table: await fetch(connection(), f"SELECT * FROM {table} ORDER BY id")
        for table in sorted(tables)
    }


async def index_names() -> set[str]:
    if is_postgres(connection()):
        rows = await fetch(connection(), "SELECT indexname AS name FROM pg_indexes "
                                         "WHERE schemaname = current_schema()")
    else:
        rows = await fetch(connection(), "SELECT name FROM sqlite_master WHERE type = 'index'")
    return {row["name"] for row in rows}


async def test_foreign_keys_are_added_to_a_populated_database(
    empty_database_url: str,
) -> None:
    # given a database before 0011 with a row of every kind (transfers as they were then), and
    # the placeholders it removes
    await open_database(empty_database_url)
    try:
        await migrate_open_database(BEFORE_FOREIGN_KEYS)
        await insert_parents(old_schema=True)
        for builder in BUILDERS:
            await execute(connection(), before_prices(builder()))
        await execute(connection(), hold(authorize_transfer_id=0))
        await execute(connection(), link(partner_id=0, customer_ref=None))
        before, indexes = await table_rows(), await index_names()
        # when
        await migrate_open_database(FOREIGN_KEYS_ADDED)
        # then
        after = await table_rows()
        keys = await database_foreign_keys()
        assert "0011_foreign_keys" not in await pending_migrations()
        with pytest.raises(IntegrityError, match="transfers is append-only"):
            await execute(connection(), "UPDATE transfers SET points = points + 1")
        with pytest.raises(IntegrityError, match="lot_allocations is append-only"):
            await execute(connection(), "DELETE FROM lot_allocations")
        with pytest.raises(IntegrityError):
            await execute(connection(), lot(member_id=MISSING))
        assert await index_names() == indexes | {"transfers_earning_id_idx", "lots_earning_id_idx"}
    finally:
        await close_database()
    assert set(keys) == set(FOREIGN_KEY_CASES)
    placeholder_hold, placeholder_link = before["holds"][-1], before["member_links"][-1]
    assert after["holds"] == [*before["holds"][:-1], {**placeholder_hold,
                                                      "authorize_transfer_id": None}]
    assert placeholder_link["partner_id"] == 0
    assert after["member_links"] == before["member_links"][:-1]
    assert {t: r for t, r in after.items() if t not in ("holds", "member_links")} == {
        t: r for t, r in before.items() if t not in ("holds", "member_links")
    }


async def test_a_row_naming_a_missing_row_stops_the_migration(empty_database_url: str) -> None:
    # given a database before 0011 with a lot of a member that does not exist
    await open_database(empty_database_url)
    try:
        await migrate_open_database(BEFORE_FOREIGN_KEYS)
        await insert_parents(old_schema=True)
        await execute(connection(), lot(member_id=MISSING))
        before = await table_rows()
        # when
        with pytest.raises((IntegrityError, RuntimeError)) as error:
            await migrate_open_database()
        # then
        pending = await pending_migrations()
        keys = await database_foreign_keys()
        after = await table_rows()
    finally:
        await close_database()
    assert "lots" in str(error.value)
    assert pending[0] == "0011_foreign_keys"
    # offer_targets is made with its key (0010); 0011 added none
    assert (set(keys), after) == ({"offer_targets.offer_id"}, before)
