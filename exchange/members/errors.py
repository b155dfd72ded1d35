"""Expected member failures, each with a code."""

from __future__ import annotations

from enum import Enum


class MemberErrorCode(Enum):
    MEMBER_NOT_FOUND = "MEMBER_NOT_FOUND"
    INVALID_CARD_NUMBER = "INVALID_CARD_NUMBER"
    INVALID_CUSTOMER_REF = "INVALID_CUSTOMER_REF"
    CUSTOMER_REF_TAKEN = "CUSTOMER_REF_TAKEN"
    INVALID_EMAIL = "INVALID_EMAIL"
    INVALID_BIRTH_DATE = "INVALID_BIRTH_DATE"
    INVALID_REFERRAL_CODE = "INVALID_REFERRAL_CODE"

