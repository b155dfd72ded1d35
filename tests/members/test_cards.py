"""Card numbers: 16 digits with a Luhn check digit (exchange/members/cards.py)."""

from __future__ import annotations

import pytest

from exchange.members.cards import (
    CARD_LENGTH,
    CARD_PREFIX,
    is_valid_card_number,
    luhn_check_digit,
    new_card_number,
)

# Well-known numbers that pass the Luhn check.
VALID = ["4539148803436467", "4111111111111111", "5555555555554444", "6299000000000007"]


@pytest.mark.parametrize(("body", "digit"), [
    ("7992739871", "3"), ("0", "0"), ("1", "8"), ("629900000000000", "7"), ("", "0"),
])
def test_the_check_digit_is_luhns(body: str, digit: str) -> None:
    # when
    result = luhn_check_digit(body)
    # then
    assert result == digit


@pytest.mark.parametrize("number", VALID)
def test_numbers_with_the_right_check_digit_are_valid(number: str) -> None:
    # when
    valid = is_valid_card_number(number)
    # then
    assert valid


@pytest.mark.parametrize("number", [
    "4539148803436468",  # wrong check digit
    "453914880343646",  # 15 digits
    "45391488034364670",  # 17 digits
    "4539 1488 0343 64",  # spaces
    "453914880343646a",
    "",
    "٦٢٩٩٠٠٠٠٠٠٠٠٠٠٠7",  # Arabic-Indic digits, else valid
    "62990000000000²2",  # a superscript digit
])
def test_malformed_numbers_are_invalid(number: str) -> None:
    # when
    valid = is_valid_card_number(number)
    # then
    assert not valid


def test_every_single_digit_typo_is_caught() -> None:
    # given
    number = "4539148803436467"
    # when
    typos = [
        number[:i] + other + number[i + 1:]
        for i in range(len(number)) for other in "0123456789" if other != number[i]
    ]
    # then
    assert len(typos) == 9 * len(number)
    assert not any(is_valid_card_number(typo) for typo in typos)


def test_swapped_neighbours_are_caught_unless_they_are_0_and_9() -> None:
    # given
    number = "4539148803436467"
    # when
    swaps = {
        number[i:i + 2]: number[:i] + number[i + 1] + number[i] + number[i + 2:]
        for i in range(len(number) - 1) if number[i] != number[i + 1]
    }
    # then
    assert swaps
    assert not any(is_valid_card_number(swapped) for swapped in swaps.values())


def test_new_card_numbers_are_valid_and_carry_the_prefix() -> None:
    # when
    numbers = {new_card_number() for _ in range(200)}
    # then
    assert len(numbers) > 190
    assert all(len(n) == CARD_LENGTH and n.startswith(CARD_PREFIX) for n in numbers)
    assert all(is_valid_card_number(n) for n in numbers)
