"""The Starlette application: POST /graphql, health, readiness and metrics."""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import AsyncIterator
from pathlib import Path

from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL

from exchange.api.authentication import Authenticate
from exchange.api.context import ADMIN_SCOPE_KEY, PARTNER_SCOPE_KEY, ExchangeContext
from exchange.api.middleware import BodyLimit, RequestContext
from exchange.api.schema import schema
from exchange.config import Settings, load_settings
from exchange.db import (
    assert_migrated,
    close_database,
    connection,
    open_database,
    pending_migrations,
)

logger = logging.getLogger("exchange.app")


async def healthz(_: Request) -> Response:
    return JSONResponse({"status": "ok"})


async def readyz(_: Request) -> Response:
    """Ready when the database answers and has every migration applied."""
    try:
        await connection().execute_query("SELECT 1")
        missing = await pending_migrations()
    except Exception:
        logger.exception("readiness check failed")
        return JSONResponse({"status": "unavailable", "reason": "database unreachable"}, 503)
    if missing:
        return JSONResponse({"status": "unavailable", "reason": "migrations pending"}, 503)
    return JSONResponse({"status": "ready"})


def _metrics_registry() -> CollectorRegistry:
    # With several workers each process counts alone; prometheus-client's multiprocess mode
    # (PROMETHEUS_MULTIPROC_DIR) adds them up.
    if "PROMETHEUS_MULTIPROC_DIR" not in os.environ:
        return REGISTRY
    from prometheus_client import multiprocess

    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry)
    return registry


_ADMIN_PAGE = Path(__file__).resolve().parents[1] / "web" / "admin.html"


async def admin_page(_: Request) -> Response:
    # The page holds no data: it asks /graphql with the admin's token, like any other client.
    return HTMLResponse(
        _ADMIN_PAGE.read_bytes(),
        headers={"content-security-policy": "default-src 'self'; script-src 'unsafe-inline'; "
                 "style-src 'unsafe-inline'; img-src 'self' data:", "cache-control": "no-store"},
    )


async def metrics_endpoint(_: Request) -> Response:
    return Response(generate_latest(_metrics_registry()), media_type=CONTENT_TYPE_LATEST)


class ExchangeGraphQL(GraphQL):
    """Strawberry's ASGI app, giving resolvers an ExchangeContext."""

    async def get_context(  # type: ignore[override]
        self, request: Request | WebSocket, response: Response | WebSocket
    ) -> ExchangeContext:
        assert isinstance(request, Request) and isinstance(response, Response), "HTTP only"
        # Set by Authenticate from the verified key or admin token; never from the request body.
        scope = request.scope
        return ExchangeContext(
            request, response, scope.get(PARTNER_SCOPE_KEY), scope.get(ADMIN_SCOPE_KEY)
        )


def create_app(settings: Settings | None = None, *, manage_database: bool = True) -> Starlette:
    """Build the app; with `manage_database` its lifespan opens (and checks) the database."""
    settings = settings or load_settings()

    @contextlib.asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        if not manage_database:
            yield
            return
        await open_database(settings.database_url)
        try:
            await assert_migrated()
            yield
        finally:
            await close_database()

    graphql = ExchangeGraphQL(schema, graphql_ide=None, allow_queries_via_get=False)
    routes = [
        # A Route, not a Mount: a Mount redirects POST /graphql to /graphql/, and a redirected
        # request no longer matches the URL its signature covers.
        # Authentication wraps this route alone: health and metrics stay open to probes. The
        # app-wide BodyLimit runs first, so an oversize body is refused before it is read.
        Route("/graphql", Authenticate(graphql, settings), methods=["POST"]),
        Route("/healthz", healthz, methods=["GET"]),
        Route("/readyz", readyz, methods=["GET"]),
        Route("/metrics", metrics_endpoint, methods=["GET"]),
        Route("/admin", admin_page, methods=["GET"]),
    ]
    middleware = [Middleware(RequestContext), Middleware(BodyLimit)]
    return Starlette(routes=routes, middleware=middleware, lifespan=lifespan)
