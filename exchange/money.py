"""Money: Decimal amounts in ISO 4217 currencies, converted exactly to and from minor units."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

# ISO 4217 minor units that are not 2; every other well-formed code uses 2.
_MINOR_UNIT_EXCEPTIONS = {
    "BIF": 0, "CLP": 0, "DJF": 0, "GNF": 0, "ISK": 0, "JPY": 0, "KMF": 0, "KRW": 0, "PYG": 0,
    "RWF": 0, "UGX": 0, "VND": 0, "VUV": 0, "XAF": 0, "XOF": 0, "XPF": 0,
    "BHD": 3, "IQD": 3, "JOD": 3, "KWD": 3, "LYD": 3, "OMR": 3, "TND": 3,
}
_CURRENCY = re.compile(r"^[A-Z]{3}$")


class MoneyError(ValueError):
    pass


def minor_unit_digits(currency: str) -> int:
    if not _CURRENCY.match(currency):
        raise MoneyError(f"{currency!r} is not an ISO 4217 currency code")
    return _MINOR_UNIT_EXCEPTIONS.get(currency, 2)


def to_minor(amount: Decimal, currency: str) -> int:
    """Exact minor units of `amount`; more decimals than the currency has is an error."""
    if not amount.is_finite():
        raise MoneyError("an amount must be a finite number")
    digits = minor_unit_digits(currency)
    # Integer arithmetic on the exact digits: Decimal arithmetic (scaleb, quantize) rounds to
    # the context's 28 significant digits, which would drop decimals silently.
    sign, coefficient_digits, exponent = amount.as_tuple()
    assert isinstance(exponent, int)
    coefficient = int("".join(map(str, coefficient_digits)))
    shift = exponent + digits
    scale: int = 10 ** abs(shift)
    if shift >= 0:
        minor = coefficient * scale
    else:
        minor, rest = divmod(coefficient, scale)
        if rest:
            raise MoneyError(f"{currency} amounts have at most {digits} decimals")
    return -minor if sign else minor


def from_minor(amount_minor: int, currency: str) -> Decimal:
    digits = minor_unit_digits(currency)
    return Decimal(amount_minor).scaleb(-digits).quantize(Decimal(1).scaleb(-digits))


def parse_decimal(text: str) -> Decimal:
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise MoneyError(f"{text!r} is not a decimal number") from None
    if not value.is_finite():
        raise MoneyError("a decimal must be finite")
    return value
