"""Expected registry failures, each with a code."""

from __future__ import annotations

from enum import Enum


class RegistryErrorCode(Enum):
    INVALID_PARTNER = "INVALID_PARTNER"
    PARTNER_EXISTS = "PARTNER_EXISTS"
    PARTNER_NOT_FOUND = "PARTNER_NOT_FOUND"
    INVALID_RATE = "INVALID_RATE"
    RATE_NOT_FOUND = "RATE_NOT_FOUND"
    # A rate may not start inside a closed settlement period, and may replace an earlier rate
    # from a moment in the past only when asked to explicitly (--backdate).
    RATE_IN_CLOSED_PERIOD = "RATE_IN_CLOSED_PERIOD"
    RATE_IN_PAST = "RATE_IN_PAST"
    INVALID_KEY = "INVALID_KEY"
    KEY_EXISTS = "KEY_EXISTS"
    KEY_NOT_FOUND = "KEY_NOT_FOUND"
    KEY_REVOKED = "KEY_REVOKED"
    INVALID_ACTIVITY = "INVALID_ACTIVITY"
    INVALID_ADMIN_NAME = "INVALID_ADMIN_NAME"
    INVALID_TOKEN_TTL = "INVALID_TOKEN_TTL"
    TOKEN_NOT_FOUND = "TOKEN_NOT_FOUND"
    # Presenting a token: refused because it is malformed or unknown, lapsed, or revoked.
    # The revoke command also answers TOKEN_REVOKED for a token revoked before.
    TOKEN_INVALID = "TOKEN_INVALID"
    TOKEN_EXPIRED = "TOKEN_EXPIRED"
    TOKEN_REVOKED = "TOKEN_REVOKED"

