"""Where every settlement period stands, from the first settlement month to the current one:
closed, open (run at least once, not closed) or never run, with its last run and its close."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from exchange.clock import now_us
from exchange.db import connection, fetch_as, fetch_value
from exchange.settlement import storage
from exchange.settlement.periods import label_of


class PeriodState(StrEnum):
    OPEN = "open"
    CLOSED = "closed"
    NEVER_RUN = "never_run"


@dataclass(frozen=True, slots=True)
class LastRun:
    period: str
    run_by: str
    finished_at: int
    outcome: str  # succeeded | refused
    message: str


@dataclass(frozen=True, slots=True)
class _PeriodRow:
    period: str
    status: str
    closed_at: int | None
    closed_by: str | None


@dataclass(frozen=True, slots=True)
class PeriodStatus:
    period: str
    state: PeriodState
    last_run: LastRun | None
    closed_at: int | None
    closed_by: str | None


def month_labels(first: str, last: str) -> list[str]:
    """Every month from `first` to `last` (YYYY-MM), both included; `first` alone when it is
    later than `last`."""
    year, month = int(first[:4]), int(first[5:])
    labels = [first]
    while labels[-1] < last:
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        labels.append(f"{year:04d}-{month:02d}")
    return labels


async def _first_month(current: str) -> str:
    """The coalition's first settlement month; before an admin has set it, the earliest period
    ever touched, or the current month."""
    first = await storage.first_period()
    if first is not None:
        return first
    earliest = await fetch_value(connection(), str,
                                 "SELECT period FROM settlement_periods ORDER BY period LIMIT 1")
    return earliest or current


async def period_statuses(timezone: str, at: int | None = None) -> list[PeriodStatus]:
    current = label_of(now_us() if at is None else at, timezone)
    labels = month_labels(await _first_month(current), current)
    rows = {r.period: r for r in await fetch_as(
        connection(), _PeriodRow,
        "SELECT period, status, closed_at, closed_by FROM settlement_periods "
        "WHERE period >= $1 AND period <= $2", labels[0], labels[-1])}
    runs = {r.period: r for r in await fetch_as(
        connection(), LastRun,
        "SELECT period, run_by, finished_at, outcome, message FROM settlement_runs "
        "WHERE id IN (SELECT MAX(id) FROM settlement_runs WHERE period >= $1 AND period <= $2 "
        "GROUP BY period)", labels[0], labels[-1])}
    return [_status(label, rows.get(label), runs.get(label)) for label in labels]


def _status(label: str, row: _PeriodRow | None, run: LastRun | None) -> PeriodStatus:
    if row is not None and row.status == "closed":
        state = PeriodState.CLOSED
    else:
        state = PeriodState.NEVER_RUN if run is None else PeriodState.OPEN
    closed_at, closed_by = (row.closed_at, row.closed_by) if row else (None, None)
    return PeriodStatus(label, state, run, closed_at, closed_by)
