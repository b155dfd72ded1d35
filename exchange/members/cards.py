"""Card numbers: 16 digits with a Luhn check digit, so a mistyped card is caught at the till."""

from __future__ import annotations

import secrets

CARD_PREFIX = "6299"
CARD_LENGTH = 16


def luhn_check_digit(digits: str) -> str:
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2 == 0:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return str((10 - total % 10) % 10)


def is_valid_card_number(card_number: str) -> bool:
    return (
        len(card_number) == CARD_LENGTH
        and card_number.isascii()
        and card_number.isdigit()
        and luhn_check_digit(card_number[:-1]) == card_number[-1]
    )


def new_card_number() -> str:
    body_length = CARD_LENGTH - len(CARD_PREFIX) - 1
    body = CARD_PREFIX + "".join(str(secrets.randbelow(10)) for _ in range(body_length))
    return body + luhn_check_digit(body)
