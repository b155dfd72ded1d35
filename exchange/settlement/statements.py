"""Statements from aggregates: lines, half-even rounding at the line, nets, the operator's result.
Pure functions: every figure here can be recomputed by hand from its inputs."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal

from exchange.errors import DomainError
from exchange.ledger.reporting import PointsAtPrice
from exchange.money import minor_unit_digits
from exchange.settlement.errors import SettlementErrorCode


@dataclass(frozen=True, slots=True)
class PartnerInfo:
    partner_id: int
    code: str
    currency: str


@dataclass(frozen=True, slots=True)
class Adjustment:
    partner_id: int
    amount: Decimal  # positive: owed to the partner
    reason: str


@dataclass(frozen=True, slots=True)
class Line:
    kind: str  # issued | offer | burned | adjustment
    points: int
    price: Decimal
    amount: Decimal  # signed: positive is owed to the partner
    is_late: bool
    description: str


@dataclass(frozen=True, slots=True)
class Statement:
    partner_id: int
    code: str
    currency: str
    lines: tuple[Line, ...]

    @property
    def net(self) -> Decimal:
        return sum((line.amount for line in self.lines), Decimal(0))


@dataclass(frozen=True, slots=True)
class OperatorResult:
    currency: str
    issue_revenue: Decimal
    redemption_cost: Decimal
    adjustments: Decimal

    @property
    def result(self) -> Decimal:
        return self.issue_revenue - self.redemption_cost - self.adjustments


def round_money(amount: Decimal, currency: str) -> Decimal:
    return amount.quantize(Decimal(1).scaleb(-minor_unit_digits(currency)), ROUND_HALF_EVEN)


def _line(kind: str, entry: PointsAtPrice, partner: PartnerInfo) -> Line:
    if entry.price is None:
        raise DomainError(
            SettlementErrorCode.NO_PRICE,
            f"{partner.code} has no {partner.currency} rate in force for some {kind} points",
        )
    value = round_money(entry.price * entry.points, partner.currency)
    late = " (late items, dated in an earlier period)" if entry.is_late else ""
    verb = {"issued": "issued by", "offer": "issued for offers funded by"}.get(kind, "burned at")
    return Line(
        kind=kind, points=entry.points, price=entry.price,
        amount=value if kind == "burned" else -value, is_late=entry.is_late,
        description=f"{entry.points} points {verb} {partner.code} at {entry.price} "
                    f"{partner.currency}{late}",
    )


def build_statements(
    partners: dict[int, PartnerInfo],
    issued: list[PointsAtPrice],
    burned: list[PointsAtPrice],
    adjustments: list[Adjustment],
) -> list[Statement]:
    """One statement per partner with anything to settle, lines in a stable order."""
    lines: dict[int, list[Line]] = defaultdict(list)
    for kind, entries in (("issued", issued), ("burned", burned)):
        # The price's text breaks ties: "0.01" and "0.010" are equal but print differently,
        # and a run must not depend on the order the database returned them in.
        ordered = sorted(entries, key=lambda e: (e.is_funded, e.is_late, e.price or Decimal(0),
                                                 str(e.price)))
        for entry in ordered:
            line_kind = "offer" if entry.is_funded else kind
            lines[entry.partner_id].append(_line(line_kind, entry, partners[entry.partner_id]))
    for adjustment in adjustments:
        currency = partners[adjustment.partner_id].currency
        lines[adjustment.partner_id].append(Line(
            kind="adjustment", points=0, price=Decimal(0),
            amount=round_money(adjustment.amount, currency), is_late=False,
            description=adjustment.reason,
        ))
    return [
        Statement(pid, partners[pid].code, partners[pid].currency, tuple(lines[pid]))
        for pid in sorted(lines, key=lambda pid: partners[pid].code)
    ]


def operator_results(statements: list[Statement]) -> list[OperatorResult]:
    """The operator's side, per currency: it receives issue prices and pays redemptions."""
    sums: dict[str, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    for statement in statements:
        for line in statement.lines:
            sums[statement.currency][line.kind] += line.amount
    # Sums of rounded lines are exact already; rounding only gives an empty sum its decimals
    # ("0.00", as a finance reader expects, not "0").
    return [
        OperatorResult(
            currency=currency,
            issue_revenue=round_money(-sums[currency]["issued"] - sums[currency]["offer"],
                                      currency),
            redemption_cost=round_money(sums[currency]["burned"], currency),
            adjustments=round_money(sums[currency]["adjustment"], currency),
        )
        for currency in sorted(sums)
    ]


def check_zero_sum(statements: list[Statement], results: list[OperatorResult]) -> None:
    """Statements plus the operator's result sum to zero, exactly, in every currency. The
    result is computed from the partner accounts' own movements (service.py), so this fails
    when a statement is priced differently from what the ledger charged."""
    for result in results:
        nets = sum((s.net for s in statements if s.currency == result.currency), Decimal(0))
        if nets + result.result != 0:
            raise DomainError(
                SettlementErrorCode.LEDGER_MISMATCH,
                f"{result.currency}: statements {nets} and operator {result.result} do not "
                "sum to zero",
            )


def _points_by_kind(statements: list[Statement]) -> dict[str, int]:
    points: defaultdict[str, int] = defaultdict(int)
    for statement in statements:
        for line in statement.lines:
            points["burned" if line.kind == "burned" else "issued"] += line.points
    return dict(points)


def check_ledger_agreement(statements: list[Statement], ledger_view: list[Statement]) -> None:
    """The points on the statements are the points the partner accounts moved, to the point."""
    on_statements, moved = _points_by_kind(statements), _points_by_kind(ledger_view)
    if on_statements != moved:
        raise DomainError(
            SettlementErrorCode.LEDGER_MISMATCH,
            f"statements show {on_statements} points; the partner accounts moved {moved}",
        )
