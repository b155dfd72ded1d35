"""Purchase refunds: points reversed in proportion to the refunded amount, the purchase's own
and the funded points on it (bonuses) alike, each back to whoever issued them, at the price it
charged. Points of the purchase that already expired come back out of breakage, not from the
member."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal

from exchange.db import execute, fetch, fetch_one
from exchange.errors import DomainError
from exchange.ledger.accounts import (
    MemberAccounts,
    operator_account_id,
    partner_issued_account_id,
)
from exchange.ledger.errors import LedgerErrorCode
from exchange.ledger.expiry import lock_settled_member
from exchange.ledger.journal import Journal
from exchange.ledger.kinds import AccountKind, TransferKind
from exchange.ledger.lots import Draw, draw_lots, take_from_lot
from exchange.ledger.prices import Price
from exchange.ledger.validation import check_amount_minor, check_currency
from exchange.money import parse_decimal


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
    """The transfer kinds of one source of a purchase's points: the partner's own or funded."""

    lot_kind: TransferKind
    reversal_kind: TransferKind
    clawback_kind: TransferKind


_PURCHASE = _Reversal(TransferKind.EARN, TransferKind.REVERSAL, TransferKind.CLAWBACK)
_FUNDED = _Reversal(TransferKind.OFFER, TransferKind.OFFER_REVERSAL, TransferKind.OFFER_CLAWBACK)
_PURCHASE_CREDIT_KINDS = (TransferKind.EARN, TransferKind.DEBT_PAYMENT)
_FUNDED_CREDIT_KINDS = (TransferKind.OFFER, TransferKind.OFFER_DEBT_PAYMENT)
_FUNDED_REVERSAL_KINDS = (TransferKind.OFFER_REVERSAL, TransferKind.OFFER_CLAWBACK)


@dataclass(frozen=True, slots=True)
class _Earning:
    id: int
    member_id: int
    partner_id: int
    currency: str
    amount_minor: int
    amount_refunded_minor: int
    points: int
    points_reversed: int


_EARNING_SELECT = (
    "SELECT id, member_id, partner_id, currency, amount_minor, amount_refunded_minor, points, "
    "points_reversed FROM earnings WHERE partner_id = $1 AND order_id = $2"
)


async def _read_earning(journal: Journal, partner_id: int, order_id: str) -> _Earning | None:
    row = await fetch_one(journal.conn, _EARNING_SELECT, partner_id, order_id)
    if row is None:
        return None
    return _Earning(
        id=int(row["id"]), member_id=int(row["member_id"]), partner_id=int(row["partner_id"]),
        currency=str(row["currency"]), amount_minor=int(row["amount_minor"]),
        amount_refunded_minor=int(row["amount_refunded_minor"]), points=int(row["points"]),
        points_reversed=int(row["points_reversed"]),
    )


async def refund_purchase(journal: Journal, request: PurchaseRefund) -> RefundResult:
    check_amount_minor(request.amount_minor, "amount")
    check_currency(request.currency)
    earning, accounts = await _earning_for_update(journal, request)
    new_refunded = earning.amount_refunded_minor + request.amount_minor
    if new_refunded > earning.amount_minor:
        raise DomainError(
            LedgerErrorCode.REFUND_EXCEEDS_PURCHASE,
            "the refunds would exceed the purchase amount",
            "amount",
        )
    target = reversal_target(earning.points, earning.amount_minor, new_refunded)
    to_reverse = target - earning.points_reversed
    assert to_reverse >= 0
    issued_id = await partner_issued_account_id(journal.conn, earning.partner_id)
    to_debt = await _reverse(journal, accounts, earning.id, issued_id, to_reverse,
                             _PURCHASE)
    funded_reversed, funded_debt = await _reverse_funded(journal, accounts, earning, new_refunded)
    await execute(
        journal.conn,
        "UPDATE earnings SET amount_refunded_minor = $1, points_reversed = $2 WHERE id = $3",
        new_refunded, target, earning.id,
    )
    return RefundResult(earning.id, to_reverse + funded_reversed, to_debt + funded_debt,
                        request.amount_minor)


async def _reverse_funded(
    journal: Journal, accounts: MemberAccounts, earning: _Earning, refunded_minor: int
) -> tuple[int, int]:
    """Offer points go back in the same proportion as the purchase's, each to its funder.
    What was given and taken back so far is read from the transfers themselves."""
    given = await _sums_by_account(journal, earning.id, "debit", _FUNDED_CREDIT_KINDS)
    if not given:
        return 0, 0
    taken = await _sums_by_account(journal, earning.id, "credit", _FUNDED_REVERSAL_KINDS)
    reversed_total = debt_total = 0
    for issued_id in sorted(given):
        target = reversal_target(given[issued_id], earning.amount_minor, refunded_minor)
        points = target - taken.get(issued_id, 0)
        assert points >= 0
        debt_total += await _reverse(journal, accounts, earning.id, issued_id, points,
                                     _FUNDED)
        reversed_total += points
    return reversed_total, debt_total


async def _issue_price(journal: Journal, earning_id: int, issued_id: int,
                       kinds: _Reversal) -> Price:
    """The issue price the purchase's credits from `issued_id` were charged: all of them were
    posted at once, at one price, which their reversal is charged too."""
    credit_kinds = _FUNDED_CREDIT_KINDS if kinds is _FUNDED else _PURCHASE_CREDIT_KINDS
    rows = await fetch(
        journal.conn,
        "SELECT DISTINCT issue_price FROM transfers WHERE earning_id = $1 "
        "AND debit_account_id = $2 AND kind IN ($3, $4)",
        earning_id, issued_id, *credit_kinds,
    )
    assert len(rows) == 1, (earning_id, issued_id, rows)
    text = rows[0]["issue_price"]
    return Price(issue=None if text is None else parse_decimal(str(text)))


async def _sums_by_account(
    journal: Journal, earning_id: int, side: str, kinds: tuple[TransferKind, ...]
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
) -> tuple[_Earning, MemberAccounts]:
    found = await _read_earning(journal, request.partner_id, request.order_id)
    if found is None:
        raise DomainError(
            LedgerErrorCode.PURCHASE_NOT_FOUND, f"no purchase {request.order_id!r}", "orderId"
        )
    if found.currency != request.currency:
        raise DomainError(
            LedgerErrorCode.CURRENCY_MISMATCH,
            f"the purchase was in {found.currency}, not {request.currency}",
            "currency",
        )
    # Earnings change only under their member's lock: take it, then read the row afresh.
    accounts = await lock_settled_member(journal, found.member_id)
    earning = await _read_earning(journal, request.partner_id, request.order_id)
    assert earning is not None
    return earning, accounts


async def _reverse(
    journal: Journal,
    accounts: MemberAccounts,
    earning_id: int,
    issued_id: int,
    points: int,
    kinds: _Reversal,
) -> int:
    """Take `points` back to the issuer, at the price it charged for them: from what is left
    of the purchase's own lots, then out of breakage what of them expired, then from the
    member's available balance (the member spent them), and whatever is left becomes clawback
    debt. Return the debt added."""
    if not points:
        return 0
    price = await _issue_price(journal, earning_id, issued_id, kinds)
    still = points - await _reverse_own_lots(journal, accounts, earning_id, issued_id, points,
                                             kinds, price)
    still -= await _reverse_expired(journal, earning_id, issued_id, still, kinds, price)
    from_available = min(still, accounts.available)
    if from_available:
        transfer_id = await journal.post(
            kinds.reversal_kind, accounts.available_id, issued_id, from_available,
            earning_id=earning_id, price=price,
        )
        await draw_lots(journal, accounts.member_id, from_available, transfer_id)
        accounts.available -= from_available
        still -= from_available
    if still:
        await journal.post(
            kinds.clawback_kind, accounts.clawback_id, issued_id, still, earning_id=earning_id,
            price=price,
        )
        accounts.clawback -= still
    return still


async def _reverse_expired(
    journal: Journal, earning_id: int, issued_id: int, points: int, kinds: _Reversal,
    price: Price,
) -> int:
    """Take back, out of breakage, the purchase's points that expired there: the member no
    longer has them, so a refund takes them from where they went, not from the member. Return
    the points taken."""
    if not points:
        return 0
    breakage_id = await operator_account_id(journal.conn, AccountKind.OPERATOR_BREAKAGE)
    row = await fetch_one(
        journal.conn,
        "SELECT (SELECT COALESCE(SUM(la.points), 0) FROM lots l "
        "JOIN transfers e ON e.id = l.earn_transfer_id AND e.kind = $3 "
        "JOIN lot_allocations la ON la.lot_id = l.id "
        "JOIN transfers x ON x.id = la.transfer_id AND x.kind = $4 "
        "WHERE l.earning_id = $1 AND l.issuer_account_id = $2) - "
        "(SELECT COALESCE(SUM(points), 0) FROM transfers WHERE earning_id = $1 "
        "AND debit_account_id = $5 AND credit_account_id = $2 AND kind = $6) AS points",
        earning_id, issued_id, kinds.lot_kind, TransferKind.EXPIRY, breakage_id,
        kinds.reversal_kind,
    )
    assert row is not None and int(row["points"]) >= 0, row
    take = min(points, int(row["points"]))
    if take:
        await journal.post(kinds.reversal_kind, breakage_id, issued_id, take,
                           earning_id=earning_id, price=price)
    return take


async def _reverse_own_lots(
    journal: Journal,
    accounts: MemberAccounts,
    earning_id: int,
    issued_id: int,
    points: int,
    kinds: _Reversal,
    price: Price,
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
            kinds.reversal_kind, source_id, issued_id, take, earning_id=earning_id, price=price
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
