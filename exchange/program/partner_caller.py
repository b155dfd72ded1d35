"""Who is asking: a verified partner, as the program's operations need it."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class PartnerCaller:
    partner_id: int
    code: str

    @property
    def ledger_caller(self) -> str:
        return f"partner:{self.code}"
