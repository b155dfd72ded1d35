"""Purchase history as the ranker learns from it, and its CSV form.

The CSV is an operator's file (`exchange offers evaluate --purchases FILE.csv`), so every defect
is reported with its line and column instead of being skipped: a silently dropped row would
change the evaluation without anyone noticing.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Protocol

from exchange import limits
from exchange.clock import to_us

columns = ("member_id", "partner", "category", "item", "amount", "occurred_at")
# Plain digits only: Decimal() would also take "NaN", "1e9", " 7 " and "1_000".
_AMOUNT = re.compile(r"(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)", re.ASCII)


@dataclass(frozen=True, slots=True)
class PurchaseEvent:
    member_key: str
    partner: str
    category: str
    item: str  # globally unique, e.g. "partnercode/sku"
    amount: Decimal
    occurred_at_us: int


class _Rows(Protocol):
    line_num: int

    def __iter__(self) -> Iterator[list[str]]: ...

    def __next__(self) -> list[str]: ...


class HistoryError(Exception):
    def __init__(self, line: int, message: str) -> None:
        super().__init__(f"line {line}: {message}")
        self.line = line
        self.message = message


def read_purchases_csv(path: str | Path) -> list[PurchaseEvent]:
    with Path(path).open("rb") as handle:
        lines = _decoded_lines(handle)
        reader = csv.reader(lines, strict=True)
        try:
            positions = _header_positions(next(reader, None))
            return _read_rows(reader, positions)
        except csv.Error as error:
            raise HistoryError(reader.line_num, f"malformed CSV: {error}") from None


def _decoded_lines(handle: Iterable[bytes]) -> Iterator[str]:
    # Decode line by line so a bad byte is reported on its own line, and the file is streamed.
    for number, raw in enumerate(handle, start=1):
        try:
            yield raw.decode("utf-8-sig" if number == 1 else "utf-8")
        except UnicodeDecodeError as error:
            raise HistoryError(number, f"not UTF-8 text ({error.reason})") from None


def _header_positions(header: list[str] | None) -> tuple[int, ...]:
    if header is None:
        raise HistoryError(1, f"empty file: expected the header {','.join(columns)}")
    names = [name.strip() for name in header]
    unknown = sorted(set(names) - set(columns))
    missing = [name for name in columns if name not in names]
    if unknown or missing or len(names) != len(columns):
        raise HistoryError(1, f"header must name the columns {','.join(columns)} once each "
                              f"(missing: {missing or '-'}, unknown: {unknown or '-'})")
    return tuple(names.index(name) for name in columns)


def _read_rows(reader: _Rows, positions: tuple[int, ...]) -> list[PurchaseEvent]:
    events: list[PurchaseEvent] = []
    times: dict[str, int] = {}  # histories repeat the same dates; parse each once
    for row in reader:
        line = reader.line_num
        if not row:
            continue  # a blank line, typically the last one
        if len(row) != len(columns):
            raise HistoryError(line, f"expected {len(columns)} fields, found {len(row)}")
        if len(events) >= limits.history_file_rows_max:
            raise HistoryError(line, f"more than {limits.history_file_rows_max} purchases")
        values = [row[position] for position in positions]
        for name, value in zip(columns, values, strict=True):
            _check_text(line, name, value)
        member, partner, category, item, amount, occurred_at = values
        events.append(PurchaseEvent(member, partner, category, item, _amount(line, amount),
                                    _time_us(line, occurred_at, times)))
    return events


def _check_text(line: int, name: str, value: str) -> None:
    if not value.strip():
        raise HistoryError(line, f"{name}: empty")
    if len(value) > limits.history_file_field_length_max:
        length_max = limits.history_file_field_length_max
        raise HistoryError(line, f"{name}: longer than {length_max} characters")


def _amount(line: int, text: str) -> Decimal:
    if not _AMOUNT.fullmatch(text):
        raise HistoryError(line, f"amount: not a decimal number {text!r}")
    return Decimal(text)


def _time_us(line: int, text: str, cache: dict[str, int]) -> int:
    cached = cache.get(text)
    if cached is not None:
        return cached
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise HistoryError(line, f"occurred_at: not an ISO 8601 date or time {text!r}") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)  # the file's convention: naive times are UTC
    value = to_us(moment)
    if len(cache) < limits.history_file_times_cached_max:
        cache[text] = value
    return value
