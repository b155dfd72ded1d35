"""Reading a purchase history: every defect names its line (the header is line 1)."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from exchange import limits
from exchange.clock import to_us
from exchange.offers.history import HistoryError, PurchaseEvent, read_purchases_csv

HEADER = "member_id,partner,category,item,amount,occurred_at\n"
GOOD_ROW = "m1,grocer,dairy,grocer/milk,1.99,2026-03-01\n"


def _write(tmp_path: Path, text: str | bytes) -> Path:
    path = tmp_path / "purchases.csv"
    if isinstance(text, str):
        path.write_text(text, encoding="utf-8")
    else:
        path.write_bytes(text)
    return path


def test_a_good_file_in_any_column_order(tmp_path: Path) -> None:
    # given columns in another order, a BOM, quoting, each accepted time form, a blank last line
    path = _write(tmp_path, "\ufeffitem,amount,occurred_at,member_id,partner,category\n"
                            "grocer/milk,1.99,2026-03-01,m1,grocer,dairy\n"
                            '"books/a,b",12,2026-03-01T10:30:00,m2,books,"fiction, new"\n'
                            "fuel/e10,60.50,2026-03-01T10:30:00Z,m1,fuel,fuel\n"
                            "fuel/e10,0,2026-03-01T12:30:00+02:00,m1,fuel,fuel\n"
                            "\n")
    # when it is read
    events = read_purchases_csv(path)
    # then each row is an event, naive times taken as UTC
    ten_thirty = to_us(datetime(2026, 3, 1, 10, 30, tzinfo=UTC))
    assert events == [
        PurchaseEvent("m1", "grocer", "dairy", "grocer/milk", Decimal("1.99"),
                      to_us(datetime(2026, 3, 1, tzinfo=UTC))),
        PurchaseEvent("m2", "books", "fiction, new", "books/a,b", Decimal("12"), ten_thirty),
        PurchaseEvent("m1", "fuel", "fuel", "fuel/e10", Decimal("60.50"), ten_thirty),
        PurchaseEvent("m1", "fuel", "fuel", "fuel/e10", Decimal("0"), ten_thirty),
    ]


@pytest.mark.parametrize(("header", "expected"), [
    ("member_id,partner,category,item,amount\n", "missing: ['occurred_at']"),
    ("member_id,partner,category,item,amount,occurred_at,store\n", "unknown: ['store']"),
    ("member_id,partner,category,item,amount,amount\n", "missing: ['occurred_at']"),
])
def test_a_bad_header_is_line_1(tmp_path: Path, header: str, expected: str) -> None:
    with pytest.raises(HistoryError) as raised:
        read_purchases_csv(_write(tmp_path, header + GOOD_ROW))
    assert raised.value.line == 1
    assert expected in raised.value.message


def test_an_empty_file_is_line_1(tmp_path: Path) -> None:
    with pytest.raises(HistoryError) as raised:
        read_purchases_csv(_write(tmp_path, ""))
    assert raised.value.line == 1 and "empty file" in raised.value.message


@pytest.mark.parametrize(("row", "expected"), [
    ("m1,grocer,dairy,grocer/milk,abc,2026-03-01", "line 3: amount: not a decimal number 'abc'"),
    ("m1,grocer,dairy,grocer/milk,-1,2026-03-01", "line 3: amount: not a decimal number '-1'"),
    ("m1,grocer,dairy,grocer/milk,NaN,2026-03-01", "line 3: amount: not a decimal number 'NaN'"),
    ("m1,grocer,dairy,grocer/milk,1e3,2026-03-01", "line 3: amount: not a decimal number '1e3'"),
    ("m1,grocer,dairy,grocer/milk,1.00,2026-13-01",
     "line 3: occurred_at: not an ISO 8601 date or time '2026-13-01'"),
    ("m1,grocer,dairy,grocer/milk,1.00,yesterday",
     "line 3: occurred_at: not an ISO 8601 date or time 'yesterday'"),
    ("m1,grocer,,grocer/milk,1.00,2026-03-01", "line 3: category: empty"),
    ("m1,grocer,dairy,grocer/milk,1.00", "line 3: expected 6 fields, found 5"),
    ("m1,grocer,dairy,grocer/milk,1.00,2026-03-01,x", "line 3: expected 6 fields, found 7"),
    (f"m1,grocer,dairy,{'x' * 129},1.00,2026-03-01", "line 3: item: longer than 128 characters"),
])
def test_a_bad_row_names_its_line_and_column(tmp_path: Path, row: str, expected: str) -> None:
    # given a good row on line 2 and a bad one on line 3, then good rows after it
    path = _write(tmp_path, HEADER + GOOD_ROW + row + "\n" + GOOD_ROW)
    with pytest.raises(HistoryError) as raised:
        read_purchases_csv(path)
    assert str(raised.value) == expected
    assert raised.value.line == 3


def test_a_field_of_128_characters_is_accepted(tmp_path: Path) -> None:
    path = _write(tmp_path, HEADER + f"m1,grocer,dairy,{'x' * 128},1.00,2026-03-01\n")
    assert read_purchases_csv(path)[0].item == "x" * 128


def test_bytes_that_are_not_utf8_name_their_line(tmp_path: Path) -> None:
    latin1_row = b"m1,caf\xe9,x,y,1,2026-03-01\n"
    path = _write(tmp_path, (HEADER + GOOD_ROW + GOOD_ROW).encode() + latin1_row)
    with pytest.raises(HistoryError) as raised:
        read_purchases_csv(path)
    assert raised.value.line == 4 and "UTF-8" in raised.value.message


def test_a_row_after_the_limit_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:

    monkeypatch.setattr(limits, "history_file_rows_max", 2)
    path = _write(tmp_path, HEADER + GOOD_ROW * 3)
    with pytest.raises(HistoryError) as raised:
        read_purchases_csv(path)
    assert raised.value.line == 4 and "more than 2 purchases" in raised.value.message
