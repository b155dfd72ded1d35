"""Prometheus metrics shared by the domain and the web layer."""

from __future__ import annotations

from collections import Counter as Tally

from prometheus_client import Counter, Histogram

TRANSFERS = Counter(
    "exchange_ledger_transfers_total", "Ledger transfers committed, by kind", ["kind"]
)
TRANSACTION_RETRIES = Counter(
    "exchange_ledger_transaction_retries_total",
    "Ledger transactions retried after a serialization or deadlock failure",
)
SIGNATURE_REJECTIONS = Counter(
    "exchange_signature_rejections_total", "Partner requests refused at the signature check",
    ["code"],
)
ADMIN_TOKEN_REJECTIONS = Counter(
    "exchange_admin_token_rejections_total", "Admin requests refused at the bearer-token check",
    ["code"],
)
HTTP_REQUESTS = Counter(
    "exchange_http_requests_total", "HTTP requests served", ["method", "route", "status"]
)
HTTP_LATENCY = Histogram(
    "exchange_http_request_duration_seconds",
    "HTTP request latency",
    ["method", "route"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5),
)


def count_transfers(kinds: Tally[str]) -> None:
    for kind, count in kinds.items():
        TRANSFERS.labels(kind=kind).inc(count)
