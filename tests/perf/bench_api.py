"""Load benchmark: signed purchaseRecord against `exchange serve --workers 2` on PostgreSQL,
next to a bare Starlette + asyncpg minimal earn (raw_earn_app.py) measured in the same run.

    python tests/perf/bench_api.py --url postgres://postgres@127.0.0.1:5432/test \
        --seconds 10 --connections 64

Needs `wrk` (Debian package `wrk`). Requests are signed before the timed run (each with its own
nonce, replayed by wrk_replay.lua), so the load generator's signing cost is not measured; both
servers get the same worker count, pool size, connections and duration. Prints requests/s,
p50 and p99 for both and the ratio; drops its scratch database.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import asyncpg
from rich.console import Console
from rich.table import Table

from partners.keys import generate_private_key, public_key_bytes
from partners.signing import sign_request

HERE = Path(__file__).resolve().parent
console = Console()
MEMBERS = 500
POOL_SIZE = 16
RECORD = (
    "mutation($input: PurchaseRecordInput!) { purchaseRecord(input: $input) { "
    "purchase { points pointsPending } errors { code } } }"
)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _with_database(url: str, name: str, **query: int) -> str:
    parts = urlsplit(url)._replace(path=f"/{name}")
    if query:
        parts = parts._replace(query="&".join(f"{k}={v}" for k, v in query.items()))
    return urlunsplit(parts)


async def _seed(url: str) -> tuple[str, object, list[str]]:
    from exchange.db import close_database, migrate, open_database
    from exchange.members.service import Enrolment, enrol
    from exchange.registry.keys import add_key
    from exchange.registry.partners import create_partner
    from exchange.registry.rates import Rate, set_rate

    await migrate(url)
    await open_database(url)
    try:
        partner = await create_partner("bench", "Bench", return_window_days=14)
        await set_rate(Rate(partner.id, "EUR", 0, Decimal(1), Decimal("0.01"), Decimal("0.008")))
        private = generate_private_key()
        public = public_key_bytes(private.public_key())
        key = await add_key(partner.id, "bench/k1", "ed25519", public)
        cards = [
            (await enrol(Enrolment(partner_id=partner.id, customer_ref=f"c{i}"))).member.card_number
            for i in range(MEMBERS)
        ]
    finally:
        await close_database()
    return key.key_id, private, cards


def _signed_lines(public_url: str, key_id: str, private: object, cards: list[str], count: int):
    now = datetime.now(UTC).isoformat()
    for i in range(count):
        body = json.dumps({"query": RECORD, "variables": {"input": {
            "cardNumber": cards[i % len(cards)], "orderId": f"o-{i}", "occurredAt": now,
            "currency": "EUR", "total": "12.34", "idempotencyKey": f"k-{i}",
        }}}, separators=(",", ":")).encode()
        signed = sign_request("POST", f"{public_url}/graphql",
                              {"content-type": "application/json"}, body,
                              key_id=key_id, private_key=private)  # type: ignore[arg-type]
        yield "\t".join([signed["content-digest"], signed["signature-input"],
                         signed["signature"], body.decode()])


def _wait_ready(url: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=1) as answer:
                if answer.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"{url} did not become ready")


def _wrk(port: int, path: str, requests_file: Path, seconds: float, connections: int) -> dict:
    out = subprocess.run(
        ["wrk", "-t2", f"-c{connections}", f"-d{int(seconds)}s", "--latency",
         "-s", str(HERE / "wrk_replay.lua"), f"http://127.0.0.1:{port}", "--",
         str(requests_file), path, "2"],
        capture_output=True, text=True, check=True,
    ).stdout
    found = re.search(r"RESULT (.*)", out)
    assert found, out
    result = {k: float(v) for k, v in (pair.split("=") for pair in found.group(1).split())}
    result["rps"] = result["requests"] / result["seconds"]
    return result


def _serve(command: list[str], env: dict[str, str], ready_url: str) -> subprocess.Popen:
    process = subprocess.Popen(command, env={**os.environ, **env},
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        _wait_ready(ready_url)
    except RuntimeError:
        process.kill()
        raise RuntimeError(process.stderr.read().decode() if process.stderr else "") from None
    return process


def _stop(process: subprocess.Popen) -> None:
    process.terminate()
    process.wait(timeout=30)


def bench_exchange(url: str, seconds: float, connections: int, work: Path) -> dict:
    port = _free_port()
    public_url = f"http://127.0.0.1:{port}"
    key_id, private, cards = asyncio.run(_seed(url))
    count = int(seconds * 4_000) + 2_000  # above any rate this machine reaches
    requests_file = work / "signed.tsv"
    started = time.perf_counter()
    requests_file.write_text("\n".join(_signed_lines(public_url, key_id, private, cards, count)))
    console.print(f"signed {count} requests in {time.perf_counter() - started:.1f} s")
    env = {"EXCHANGE_DATABASE_URL": _with_database(url, urlsplit(url).path[1:],
                                                   minsize=4, maxsize=POOL_SIZE),
           "EXCHANGE_PUBLIC_URL": public_url, "EXCHANGE_LOG_LEVEL": "WARNING"}
    server = _serve([sys.executable, "-m", "exchange.cli", "serve", "--workers", "2",
                     "--port", str(port)], env, f"{public_url}/readyz")
    try:
        return _wrk(port, "/graphql", requests_file, seconds, connections)
    finally:
        _stop(server)


async def _raw_tables(url: str) -> None:
    conn = await asyncpg.connect(url.replace("postgres://", "postgresql://", 1))
    await conn.execute(
        "CREATE TABLE raw_transfers (id BIGSERIAL PRIMARY KEY, member_id BIGINT NOT NULL, "
        "points BIGINT NOT NULL, created_at BIGINT NOT NULL);"
        "CREATE TABLE raw_balances (member_id BIGINT PRIMARY KEY, balance BIGINT NOT NULL)"
    )
    await conn.executemany("INSERT INTO raw_balances VALUES ($1, 0)",
                           [(i,) for i in range(MEMBERS)])
    await conn.close()


def bench_raw(url: str, seconds: float, connections: int, work: Path) -> dict:
    asyncio.run(_raw_tables(url))
    requests_file = work / "raw.tsv"
    requests_file.write_text("\n".join(
        "\t\t\t" + json.dumps({"member_id": i % MEMBERS, "points": 12}) for i in range(MEMBERS)
    ))
    port = _free_port()
    env = {"RAW_DATABASE_URL": url.replace("postgres://", "postgresql://", 1),
           "PYTHONPATH": str(HERE)}
    server = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "raw_earn_app:app", "--workers", "2", "--port",
         str(port), "--log-level", "warning", "--no-access-log"],
        env={**os.environ, **env}, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        _wait_port(port)
        return _wrk(port, "/earn", requests_file, seconds, connections)
    finally:
        _stop(server)


def _wait_port(port: int, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                time.sleep(1.0)  # both workers up
                return
        time.sleep(0.2)
    raise RuntimeError(f"port {port} did not open")


def main(url: str, seconds: float, connections: int) -> None:
    if shutil.which("wrk") is None:
        sys.exit("bench_api needs wrk: apt-get install wrk")
    name = f"exchange_bench_{uuid.uuid4().hex[:8]}"
    admin_url = url.replace("postgres://", "postgresql://", 1)
    asyncio.run(_admin(admin_url, f'CREATE DATABASE "{name}"'))
    scratch = _with_database(url, name)
    try:
        with tempfile.TemporaryDirectory() as work:
            exchange = bench_exchange(scratch, seconds, connections, Path(work))
            raw = bench_raw(scratch, seconds, connections, Path(work))
    finally:
        asyncio.run(_admin(admin_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    _report(exchange, raw, seconds, connections)


def _report(exchange: dict, raw: dict, seconds: float, connections: int) -> None:
    table = Table("endpoint", "requests/s", "p50 ms", "p99 ms", "failed",
                  title=f"2 workers each, {connections} connections, {seconds} s (wrk)")
    for label, result in (("exchange: signed purchaseRecord", exchange),
                          ("raw Starlette + asyncpg earn", raw)):
        table.add_row(label, f"{result['rps']:,.0f}", f"{result['p50_ms']:.2f}",
                      f"{result['p99_ms']:.2f}", f"{int(result['failures'])}")
    table.add_row("ratio exchange / raw", f"{exchange['rps'] / raw['rps']:.3f}", "", "", "")
    console.print(table)
    if exchange["wrapped"]:
        console.print("[yellow]the signed requests ran out: raise the count in bench_exchange")


async def _admin(url: str, sql: str) -> None:
    conn = await asyncpg.connect(url)
    await conn.execute(sql)
    await conn.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", default="postgres://postgres@127.0.0.1:5432/test")
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--connections", type=int, default=64)
    options = parser.parse_args()
    main(options.url, options.seconds, options.connections)
