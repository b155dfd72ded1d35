"""ASGI middleware: request ids, access logs and metrics, and a body-size cap.

Pure ASGI rather than BaseHTTPMiddleware: it adds no task per request and can stop an oversize
body before the application reads it.
"""

from __future__ import annotations

import logging
import re
import time
import uuid

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from exchange import limits, metrics
from exchange.api.errors import send_error
from exchange.logs import request_id

logger = logging.getLogger("exchange.access")
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
_KNOWN_PATHS = frozenset({"/graphql", "/healthz", "/readyz", "/metrics", "/admin", "/"})


class BodyTooLarge(Exception):
    pass


class RequestContext:
    """Give each request an id (the caller's X-Request-Id if well formed), log and measure it."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = dict(scope["headers"]).get(b"x-request-id", b"").decode("latin-1")
        rid = given if _REQUEST_ID.match(given) else uuid.uuid4().hex
        token = request_id.set(rid)
        started = time.perf_counter()
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", []), (b"x-request-id", rid.encode())]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            self._record(scope, status, time.perf_counter() - started)
            request_id.reset(token)

    @staticmethod
    def _record(scope: Scope, status: int, seconds: float) -> None:
        route = scope["path"] if scope["path"] in _KNOWN_PATHS else "other"
        metrics.HTTP_REQUESTS.labels(scope["method"], route, str(status)).inc()
        metrics.HTTP_LATENCY.labels(scope["method"], route).observe(seconds)
        logger.info(
            "%s %s %s", scope["method"], scope["path"], status,
            extra={"status": status, "duration_ms": round(seconds * 1000, 2)},
        )


class BodyLimit:
    """Refuse a request body over `request_body_bytes_max` before anything reads all of it."""

    def __init__(self, app: ASGIApp, body_bytes_max: int = limits.request_body_bytes_max) -> None:
        self.app = app
        self.body_bytes_max = body_bytes_max

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.body_bytes_max):
            await self._refuse(send)
            return
        received = 0

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            received += len(message.get("body", b""))
            if received > self.body_bytes_max:
                raise BodyTooLarge
            return message

        try:
            await self.app(scope, counting_receive, send)
        except BodyTooLarge:
            await self._refuse(send)

    async def _refuse(self, send: Send) -> None:
        await send_error(send, 413, "REQUEST_TOO_LARGE",
                         f"The request body is over {self.body_bytes_max} bytes.")
