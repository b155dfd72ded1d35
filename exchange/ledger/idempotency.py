"""Idempotency keys: a write's key and payload fingerprint ride in the write's own transaction.

Claiming a key is an INSERT ... ON CONFLICT DO NOTHING. When two requests with one key race on
PostgreSQL, the second INSERT waits for the first transaction to finish: if it committed, the
second sees its row and returns its stored result; if it rolled back, the second claims the key.
A failed write (a domain error) rolls back the claim too, so a retry runs the write afresh.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from typing import Any, TypeVar

from exchange import limits
from exchange.db import execute, fetch_one
from exchange.errors import DomainError
from exchange.ledger.errors import LedgerErrorCode
from exchange.ledger.journal import Journal
from exchange.ledger.validation import check_text

R = TypeVar("R")


def fingerprint(operation: str, payload: Any) -> str:
    is_record = dataclasses.is_dataclass(payload) and not isinstance(payload, type)
    body = dataclasses.asdict(payload) if is_record else payload
    canonical = json.dumps([operation, body], sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def check_key(key: str) -> None:
    check_text(
        key, "idempotencyKey", limits.idempotency_key_length_max,
        LedgerErrorCode.INVALID_IDEMPOTENCY_KEY,
    )


async def claim(journal: Journal, key: str, print_: str, result_type: type[R]) -> R | None:
    """Claim the key for this write; return the stored result if it was already done."""
    claimed = await fetch_one(
        journal.conn,
        "INSERT INTO idempotency_keys (caller, key, fingerprint, created_at) "
        "VALUES ($1, $2, $3, $4) ON CONFLICT (caller, key) DO NOTHING RETURNING id",
        journal.caller, key, print_, journal.now_us,
    )
    if claimed is not None:
        return None
    existing = await fetch_one(
        journal.conn,
        "SELECT fingerprint, result FROM idempotency_keys WHERE caller = $1 AND key = $2",
        journal.caller, key,
    )
    assert existing is not None and existing["result"] is not None
    if existing["fingerprint"] != print_:
        raise DomainError(
            LedgerErrorCode.IDEMPOTENCY_KEY_REUSED,
            "this idempotency key was used for a different request",
            "idempotencyKey",
        )
    return result_type(**json.loads(existing["result"]))


async def store(journal: Journal, key: str, result: Any) -> None:
    changed = await execute(
        journal.conn,
        "UPDATE idempotency_keys SET result = $1 WHERE caller = $2 AND key = $3",
        json.dumps(dataclasses.asdict(result)), journal.caller, key,
    )
    assert changed == 1
