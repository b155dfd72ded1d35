"""The baseline for bench_api.py: a bare Starlette + asyncpg minimal earn, no framework above.

POST /earn {"member_id": n, "points": p}: one transaction that inserts one row and updates one
balance. Run by bench_api.py under uvicorn with the same worker count as the exchange.
"""

from __future__ import annotations

import contextlib
import json
import os
import time
from collections.abc import AsyncIterator

import asyncpg
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

_pool: asyncpg.Pool | None = None


async def earn(request: Request) -> Response:
    body = json.loads(await request.body())
    assert _pool is not None
    async with _pool.acquire() as conn, conn.transaction():
        await conn.execute(
            "INSERT INTO raw_transfers (member_id, points, created_at) VALUES ($1, $2, $3)",
            body["member_id"], body["points"], int(time.time() * 1_000_000),
        )
        await conn.execute(
            "UPDATE raw_balances SET balance = balance + $1 WHERE member_id = $2",
            body["points"], body["member_id"],
        )
    return Response(b'{"ok":true}', media_type="application/json")


@contextlib.asynccontextmanager
async def lifespan(_: Starlette) -> AsyncIterator[None]:
    global _pool
    _pool = await asyncpg.create_pool(os.environ["RAW_DATABASE_URL"], min_size=4, max_size=16)
    yield
    await _pool.close()


app = Starlette(routes=[Route("/earn", earn, methods=["POST"])], lifespan=lifespan)
