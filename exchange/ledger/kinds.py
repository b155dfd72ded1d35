"""The ledger's vocabulary: kinds of accounts and transfers, and the states of a hold.

They are `StrEnum`s because they are stored as text: a member compares equal to its stored
value, and the migrations build CHECK constraints from these lists, so the database refuses a
kind the code does not know.
"""

from __future__ import annotations

from enum import StrEnum


class AccountKind(StrEnum):
    MEMBER_AVAILABLE = "member_available"
    MEMBER_PENDING = "member_pending"
    MEMBER_HELD = "member_held"
    MEMBER_CLAWBACK = "member_clawback"  # negative balance = points the member owes
    PARTNER_ISSUED = "partner_issued"  # the source of the points a partner issues
    PARTNER_REDEEMED = "partner_redeemed"  # the sink of the points burned at a partner
    OPERATOR_BONUS = "operator_bonus"
    OPERATOR_BREAKAGE = "operator_breakage"
    OPERATOR_CLAWBACK = "operator_clawback"


MEMBER_KINDS = (
    AccountKind.MEMBER_AVAILABLE, AccountKind.MEMBER_PENDING, AccountKind.MEMBER_HELD,
    AccountKind.MEMBER_CLAWBACK,
)
PARTNER_KINDS = (AccountKind.PARTNER_ISSUED, AccountKind.PARTNER_REDEEMED)
# Sources may go negative (they issue points); sinks and member wallets may not.
NEGATIVE_KINDS = (
    AccountKind.PARTNER_ISSUED, AccountKind.OPERATOR_BONUS, AccountKind.MEMBER_CLAWBACK,
    AccountKind.OPERATOR_CLAWBACK,
)
OPERATOR_OWNER_ID = 0


class TransferKind(StrEnum):
    # A purchase's own points, from the partner's issued account to the member.
    EARN = "earn"
    DEBT_PAYMENT = "debt_payment"  # the part of a credit that paid clawback debt
    # Points a partner funds beyond a purchase's own (a bonus), credited like earned points.
    OFFER = "offer"
    OFFER_DEBT_PAYMENT = "offer_debt_payment"
    ACTIVITY = "activity"  # points for a non-purchase action, available at once
    MATURITY = "maturity"  # pending to available at the end of the return window
    EXPIRY = "expiry"  # an expired lot's remainder to breakage
    # A purchase refund takes points back: from its lots, out of breakage what of them expired,
    # from the member's available points, then as clawback debt.
    REVERSAL = "reversal"
    CLAWBACK = "clawback"
    OFFER_REVERSAL = "offer_reversal"
    OFFER_CLAWBACK = "offer_clawback"
    # Burning: reserve, then capture or release; or redeem in one step.
    AUTHORIZE = "authorize"
    CAPTURE = "capture"
    RELEASE = "release"
    HOLD_EXPIRY = "hold_expiry"
    REDEEM = "redeem"
    REDEMPTION_REFUND = "redemption_refund"
    # Part of a burn paid by a funding partner, straight from its issued account to the
    # partner where the points are burned; refunded, that part goes to breakage.
    DISCOUNT = "discount"
    DISCOUNT_REFUND = "discount_refund"


# Credits a partner funds beyond a purchase's own points, and what takes them back.
FUNDED_KINDS = (
    TransferKind.OFFER, TransferKind.OFFER_DEBT_PAYMENT, TransferKind.OFFER_REVERSAL,
    TransferKind.OFFER_CLAWBACK, TransferKind.DISCOUNT,
)
# Credits dated by the purchase they belong to rather than when they were recorded.
PURCHASE_DATED_KINDS = (
    TransferKind.EARN, TransferKind.DEBT_PAYMENT, TransferKind.OFFER,
    TransferKind.OFFER_DEBT_PAYMENT,
)


class HoldStatus(StrEnum):
    AUTHORIZED = "authorized"
    CAPTURED = "captured"
    VOIDED = "voided"
    EXPIRED = "expired"


def sql_list(values: tuple[str, ...] | type[StrEnum]) -> str:
    """`'a', 'b'` for a CHECK constraint or an IN list; the values are this module's constants."""
    return ", ".join(f"'{value}'" for value in values)
