"""Who is asking: a verified partner, an admin, or one of the exchange's own jobs.

The API builds a caller only from verified credentials (a partner's signing key, an admin's
bearer token), never from a request's body; every use case takes one.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class CallerKind(StrEnum):
    PARTNER = "partner"
    ADMIN = "admin"
    SYSTEM = "system"


@dataclass(frozen=True, slots=True)
class Caller:
    kind: CallerKind
    name: str  # the partner's code, the admin's name, or the job's name
    partner_id: int | None = None  # set for a partner, and only for a partner

    def __post_init__(self) -> None:
        assert (self.partner_id is not None) == (self.kind == CallerKind.PARTNER), self

    @classmethod
    def partner(cls, partner_id: int, code: str) -> Caller:
        return cls(CallerKind.PARTNER, code, partner_id)

    @classmethod
    def admin(cls, name: str) -> Caller:
        return cls(CallerKind.ADMIN, name)

    @property
    def label(self) -> str:
        """How the ledger records the caller (and scopes its idempotency keys): `kind:name`."""
        return f"{self.kind}:{self.name}"

    def partner_id_or_raise(self) -> int:
        assert self.partner_id is not None, f"{self.label} is not a partner"
        return self.partner_id
