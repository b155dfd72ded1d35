"""Time as the database stores it: integer microseconds since the Unix epoch, UTC.

One exact, totally ordered representation on SQLite and PostgreSQL alike; datetimes exist only
at the edges (API, CLI). A naive datetime is a programming error, never silently taken as local.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

MICROSECONDS_PER_SECOND = 1_000_000
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def to_us(moment: datetime) -> int:
    assert moment.tzinfo is not None, "naive datetime: attach a time zone first"
    return (moment - _EPOCH) // timedelta(microseconds=1)


def from_us(moment_us: int) -> datetime:
    return _EPOCH + timedelta(microseconds=moment_us)


def seconds_to_us(seconds: int | float) -> int:
    return int(seconds * MICROSECONDS_PER_SECOND)


def days_to_us(days: int) -> int:
    return days * 86_400 * MICROSECONDS_PER_SECOND


def now_us() -> int:
    return to_us(datetime.now(UTC))
