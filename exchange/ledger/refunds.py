"""Purchase refunds: points reversed in proportion to the refunded amount, the purchase's own
and its offers' alike, each back to whoever issued them."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

from exchange.db import execute, fetch, fetch_one
from exchange.errors import DomainError
from exchange.ledger.accounts import MemberAccounts, lock_member, partner_issued_account_id
from exchange.ledger.errors import LedgerErrorCode
from exchange.ledger.expiry import settle_member_lots
from exchange.ledger.journal import Journal
from exchange.ledger.lots import Draw, draw_lots, take_from_lot
from exchange.ledger.validation import check_amount_minor, check_currency


@dataclass(frozen=True, slots=True)
class PurchaseRefund:
    partner_id: int
    order_id: str
    currency: str
    amount_minor: int


@dataclass(frozen=True, slots=True)
class RefundResult:
    earning_id: int
    points_reversed: int
    points_to_debt: int
    amount_refunded_minor: int


def reversal_target(points: int, amount_minor: int, refunded_minor: int) -> int:
    """Points reversed in total once `refunded_minor` of `amount_minor` is refunded.

    Computed on the cumulative refund, so partial refunds never add up to more than a full one.
    """
    exact = Decimal(points) * Decimal(refunded_minor) / Decimal(amount_minor)
    return int(exact.to_integral_value(rounding=ROUND_HALF_EVEN))


@dataclass(frozen=True, slots=True)
class _Reversal:
    """The transfer kinds of one source of a purchase's points: the partner's own or offers'."""

    lot_kind: str
    reversal_kind: str
    clawback_kind: str


_PURCHASE = _Reversal("earn", "reversal", "clawback")
_OFFER = _Reversal("offer", "offer_reversal", "offer_clawback")
OFFER_CREDIT_KINDS = ("offer", "offer_debt_payment")
OFFER_REVERSAL_KINDS = ("offer_reversal", "offer_clawback")


async def refund_purchase(journal: Journal, request: PurchaseRefund) -> RefundResult:
    check_amount_minor(request.amount_minor, "amount")
    check_currency(request.currency)
    earning, accounts = await _earning_for_update(journal, request)
    new_refunded = int(earning["amount_refunded_minor"]) + request.amount_minor
    if new_refunded > int(earning["amount_minor"]):
        raise DomainError(
            LedgerErrorCode.REFUND_EXCEEDS_PURCHASE,
            "the refunds would exceed the purchase amount",
            "amount",
        )
    target = reversal_target(int(earning["points"]), int(earning["amount_minor"]), new_refunded)
    to_reverse = target - int(earning["points_reversed"])
    assert to_reverse >= 0
    issued_id = await partner_issued_account_id(journal.conn, int(earning["partner_id"]))
    to_debt = await _reverse(journal, accounts, int(earning["id"]), issued_id, to_reverse,
                             _PURCHASE)
    offer_reversed, offer_debt = await _reverse_offers(journal, accounts, earning, new_refunded)
    await execute(
        journal.conn,
        "UPDATE earnings SET amount_refunded_minor = $1, points_reversed = $2 WHERE id = $3",
        new_refunded, target, earning["id"],
    )
    return RefundResult(int(earning["id"]), to_reverse + offer_reversed, to_debt + offer_debt,
                        request.amount_minor)


async def _reverse_offers(
    journal: Journal, accounts: MemberAccounts, earning: dict[str, Any], refunded_minor: int
) -> tuple[int, int]:
    """Offer points go back in the same proportion as the purchase's, each to its funder.
    What was given and taken back so far is read from the transfers themselves."""
    given = await _sums_by_account(journal, int(earning["id"]), "debit", OFFER_CREDIT_KINDS)
    if not given:
        return 0, 0
    taken = await _sums_by_account(journal, int(earning["id"]), "credit", OFFER_REVERSAL_KINDS)
    reversed_total = debt_total = 0
    for issued_id in sorted(given):
        target = reversal_target(given[issued_id], int(earning["amount_minor"]), refunded_minor)
        points = target - taken.get(issued_id, 0)
        assert points >= 0
        debt_total += await _reverse(journal, accounts, int(earning["id"]), issued_id, points,
                                     _OFFER)
        reversed_total += points
    return reversed_total, debt_total


async def _sums_by_account(
    journal: Journal, earning_id: int, side: str, kinds: tuple[str, ...]
) -> dict[int, int]:
    assert side in ("debit", "credit")
    rows = await fetch(
        journal.conn,
        f"SELECT {side}_account_id AS account_id, SUM(points) AS points FROM transfers "
        f"WHERE earning_id = $1 AND kind IN ($2, $3) GROUP BY {side}_account_id",
        earning_id, *kinds,
    )
    return {int(r["account_id"]): int(r["points"]) for r in rows}


async def _earning_for_update(
    journal: Journal, request: PurchaseRefund
) -> tuple[dict[str, Any], MemberAccounts]:
    sql = "SELECT * FROM earnings WHERE partner_id = $1 AND order_id = $2"
    found = await fetch_one(journal.conn, sql, request.partner_id, request.order_id)
    if found is None:
        raise DomainError(
            LedgerErrorCode.PURCHASE_NOT_FOUND, f"no purchase {request.order_id!r}", "orderId"
        )
    if found["currency"] != request.currency:
        raise DomainError(
            LedgerErrorCode.CURRENCY_MISMATCH,
            f"the purchase was in {found['currency']}, not {request.currency}",
            "currency",
        )
    # Earnings change only under their member's lock: take it, then read the row afresh.
    accounts = await lock_member(journal, int(found["member_id"]))
    await settle_member_lots(journal, accounts)
    row = await fetch_one(journal.conn, sql, request.partner_id, request.order_id)
    assert row is not None
    return row, accounts


async def _reverse(
    journal: Journal,
    accounts: MemberAccounts,
    earning_id: int,
    issued_id: int,
    points: int,
    kinds: _Reversal,
) -> int:
    """Take `points` back to the issuer: from the purchase's own lots, then from the member's
    available balance, and whatever is left becomes clawback debt. Return the debt added."""
    if not points:
        return 0
    still = points - await _reverse_own_lots(journal, accounts, earning_id, issued_id, points,
                                             kinds)
    from_available = min(still, accounts.available)
    if from_available:
        transfer_id = await journal.post(
            kinds.reversal_kind, accounts.available_id, issued_id, from_available,
            earning_id=earning_id,
        )
        await draw_lots(journal, accounts.member_id, from_available, transfer_id)
        accounts.available -= from_available
        still -= from_available
    if still:
        await journal.post(
            kinds.clawback_kind, accounts.clawback_id, issued_id, still, earning_id=earning_id
        )
        accounts.clawback -= still
    return still


async def _reverse_own_lots(
    journal: Journal,
    accounts: MemberAccounts,
    earning_id: int,
    issued_id: int,
    points: int,
    kinds: _Reversal,
) -> int:
    rows = await fetch(
        journal.conn,
        "SELECT l.id, l.points_remaining, l.is_pending, l.expires_at FROM lots l "
        "JOIN transfers t ON t.id = l.earn_transfer_id WHERE l.earning_id = $1 "
        "AND l.issuer_account_id = $2 AND t.kind = $3 AND l.points_remaining > 0 ORDER BY l.id",
        earning_id, issued_id, kinds.lot_kind,
    )
    taken = 0
    for row in rows:
        take = min(points - taken, int(row["points_remaining"]))
        if not take:
            break
        is_pending = bool(row["is_pending"])
        source_id = accounts.pending_id if is_pending else accounts.available_id
        transfer_id = await journal.post(
            kinds.reversal_kind, source_id, issued_id, take, earning_id=earning_id
        )
        await take_from_lot(
            journal, Draw(int(row["id"]), take, int(row["expires_at"])), transfer_id
        )
        if is_pending:
            accounts.pending -= take
        else:
            accounts.available -= take
        taken += take
    return taken
