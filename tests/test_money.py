"""Money: exact conversion between Decimal amounts and integer minor units."""

from __future__ import annotations

from decimal import Decimal

import pytest

from exchange.money import MoneyError, from_minor, minor_unit_digits, parse_decimal, to_minor


@pytest.mark.parametrize(("currency", "digits"), [
    ("EUR", 2), ("USD", 2), ("JPY", 0), ("KRW", 0), ("KWD", 3), ("BHD", 3),
])
def test_minor_units_follow_iso_4217(currency: str, digits: int) -> None:
    assert minor_unit_digits(currency) == digits


@pytest.mark.parametrize("currency", ["eur", "EU", "EURO", "", "€UR"])
def test_a_malformed_currency_code_is_refused(currency: str) -> None:
    with pytest.raises(MoneyError):
        minor_unit_digits(currency)


@pytest.mark.parametrize(("amount", "currency", "minor"), [
    ("12.34", "EUR", 1234),
    ("12.3", "EUR", 1230),
    ("12.340000", "EUR", 1234),  # trailing zeros are not extra precision
    ("-0.01", "EUR", -1),
    ("1E+2", "EUR", 10000),
    ("1500", "JPY", 1500),
    ("1.234", "KWD", 1234),
    ("99999999999999999.99", "EUR", 9999999999999999999),
])
def test_to_minor_is_exact(amount: str, currency: str, minor: int) -> None:
    assert to_minor(Decimal(amount), currency) == minor


@pytest.mark.parametrize(("amount", "currency"), [
    ("0.001", "EUR"),
    ("1.5", "JPY"),
    ("0.0001", "KWD"),
    ("1.0000000000000000000000000001", "EUR"),  # 29 digits: more than a default context holds
    ("123456789012345678901234567.891", "EUR"),
])
def test_more_decimals_than_the_currency_has_are_refused(amount: str, currency: str) -> None:
    with pytest.raises(MoneyError):
        to_minor(Decimal(amount), currency)


@pytest.mark.parametrize("amount", ["NaN", "sNaN", "Infinity", "-Infinity"])
def test_a_non_finite_amount_is_refused(amount: str) -> None:
    with pytest.raises(MoneyError):
        to_minor(Decimal(amount), "EUR")


@pytest.mark.parametrize(("minor", "currency", "text"), [
    (1234, "EUR", "12.34"),
    (1230, "EUR", "12.30"),
    (-1, "EUR", "-0.01"),
    (0, "EUR", "0.00"),
    (1500, "JPY", "1500"),
    (1234, "KWD", "1.234"),
])
def test_from_minor_shows_the_currency_decimals(minor: int, currency: str, text: str) -> None:
    assert str(from_minor(minor, currency)) == text


def test_a_round_trip_changes_nothing() -> None:
    for currency in ("EUR", "JPY", "KWD"):
        for minor in (0, 1, 7, 99, 100, 123_456_789, -42):
            assert to_minor(from_minor(minor, currency), currency) == minor


@pytest.mark.parametrize("text", ["NaN", "Infinity", "-inf", "abc", "", "1,00"])
def test_parse_decimal_refuses_what_is_not_a_finite_number(text: str) -> None:
    with pytest.raises(MoneyError):
        parse_decimal(text)


def test_parse_decimal_keeps_the_exact_text() -> None:
    assert parse_decimal("0.10") == Decimal("0.10")
    assert str(parse_decimal("0.10")) == "0.10"
