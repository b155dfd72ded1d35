"""The kit's client against a live `exchange serve` on loopback, set up with the CLI only:
what a partner's integration engineer does on day one."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from partners import AuthenticationError, ExchangeClient, payload_or_raise, private_key_from_pem
from tests.serving import free_port, wait_ready

ENROLL = """mutation($input: MemberEnrollInput!) {
  memberEnroll(input: $input) { member { cardNumber } errors { code } } }"""
RECORD = """mutation($input: PurchaseRecordInput!) {
  purchaseRecord(input: $input) { purchase { points pointsPending } errors { code } } }"""
MEMBER = """query($card: String!) { member(cardNumber: $card) { balances { pending } } }"""


def _exchange(env: dict[str, str], *args: str) -> str:
    result = subprocess.run([sys.executable, "-m", "exchange.cli", *args], env=env,
                            capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 0, result.stderr
    return result.stdout


@pytest.fixture
def live(tmp_path: Path) -> Iterator[tuple[str, dict[str, str], str, Path]]:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = {**os.environ, "EXCHANGE_DATABASE_URL": f"sqlite://{tmp_path / 'live.db'}",
           "EXCHANGE_PUBLIC_URL": url, "EXCHANGE_LOG_LEVEL": "WARNING"}
    _exchange(env, "migrate")
    _exchange(env, "partner", "add", "grocer", "--name", "Green Grocer")
    _exchange(env, "partner", "rates", "set", "grocer", "--from", "2020-01-01", "--backdate",
              "--earn-rate", "2", "--issue-price", "0.01", "--redemption-price", "0.008")
    key_file = tmp_path / "grocer.pem"
    key_id = _exchange(env, "partner", "key", "add", "grocer", "--generate", "--out",
                       str(key_file)).strip()
    server = subprocess.Popen([sys.executable, "-m", "exchange.cli", "serve", "--port", str(port)],
                              env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_ready(f"{url}/readyz")
        yield url, env, key_id, key_file
    finally:
        server.terminate()
        server.wait(timeout=30)


async def test_a_partner_integrates_with_the_kit(live: tuple[str, dict, str, Path]) -> None:
    url, _, key_id, key_file = live
    key = private_key_from_pem(key_file.read_bytes())
    async with ExchangeClient(url, key_id, key) as client:
        # given an enrolled customer
        enrolled = payload_or_raise((await client.execute(
            ENROLL, {"input": {"customerRef": "c-1"}}))["memberEnroll"])
        card = enrolled["member"]["cardNumber"]
        # when the till records a purchase, and its retry arrives with the same key
        purchase = {"input": {
            "cardNumber": card, "orderId": "o-1", "occurredAt": datetime.now(UTC).isoformat(),
            "currency": "EUR", "total": "10.00", "idempotencyKey": str(uuid.uuid4()),
        }}
        first = payload_or_raise((await client.execute(RECORD, purchase))["purchaseRecord"])
        again = payload_or_raise((await client.execute(RECORD, purchase))["purchaseRecord"])
        member = (await client.execute(MEMBER, {"card": card}))["member"]
    # then the points were earned once
    assert first == again
    assert first["purchase"] == {"points": 20, "pointsPending": 20}
    assert member == {"balances": {"pending": 20}}


async def test_a_revoked_key_is_refused_at_once(live: tuple[str, dict, str, Path]) -> None:
    url, env, key_id, key_file = live
    key = private_key_from_pem(key_file.read_bytes())
    async with ExchangeClient(url, key_id, key) as client:
        await client.execute("{ partner { code } }")
        _exchange(env, "partner", "key", "revoke", key_id)
        with pytest.raises(AuthenticationError) as refused:
            await client.execute("{ partner { code } }")
    assert refused.value.code == "KEY_REVOKED"
