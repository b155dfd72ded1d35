"""JSON logs, each line carrying the id of the request it belongs to."""

from __future__ import annotations

import logging
import sys
from contextvars import ContextVar

from pythonjsonlogger.json import JsonFormatter

request_id: ContextVar[str] = ContextVar("request_id", default="-")


class _RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id.get()
        return True


def configure_logging(level: str, *, json_lines: bool) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(_RequestIdFilter())
    fields = "%(asctime)s %(levelname)s %(name)s %(request_id)s %(message)s"
    if json_lines:
        handler.setFormatter(JsonFormatter(fields, rename_fields={"levelname": "level"}))
    else:
        handler.setFormatter(logging.Formatter(fields.replace(" %(message)s", ": %(message)s")))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # Tortoise logs every SQL statement at DEBUG; keep that out unless asked for explicitly.
    logging.getLogger("tortoise").setLevel(max(logging.INFO, logging.getLevelName(level)))
    # Strawberry logs every client mistake (a misspelt field) as an ERROR; the API masks and
    # logs the unexpected ones itself (exchange/api/errors.py).
    logging.getLogger("strawberry.execution").setLevel(logging.CRITICAL)
