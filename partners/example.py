"""A signed call a new partner can copy: enrol a customer, record a purchase, read the balance.

    python -m partners.example --url http://127.0.0.1:8000 \\
        --key-id grocer/2026-11 --key-file exchange-demo-keys/grocer.pem

Every call is signed with the partner's Ed25519 key (RFC 9421); retries reuse the same
idempotency key, so a purchase is never recorded twice.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import uuid
from datetime import UTC, datetime
from pathlib import Path

from partners.client import ExchangeClient, payload_or_raise
from partners.keys import private_key_from_pem

ENROLL = """
mutation Enroll($input: MemberEnrollInput!) {
  memberEnroll(input: $input) { member { cardNumber } isNewMember errors { field code message } }
}"""
RECORD = """
mutation Record($input: PurchaseRecordInput!) {
  purchaseRecord(input: $input) {
    purchase { points offerPoints pointsPending pendingUntil rulesApplied }
    errors { field code message }
  }
}"""
MEMBER = """
query Member($card: String!) {
  member(cardNumber: $card) {
    cardNumber balances { available pending held clawbackDebt }
    nextExpiry { points expiresAt }
  }
}"""


OFFERS = """
query Offers($card: String!) {
  offers(cardNumber: $card, first: 3) {
    offers { rank score reason offer { id title fundingPartnerCode requiresActivation } }
  }
}"""


async def run(url: str, key_id: str, key_pem: bytes) -> None:
    key = private_key_from_pem(key_pem)
    async with ExchangeClient(url, key_id, key) as client:
        enrolled = payload_or_raise((await client.execute(
            ENROLL, {"input": {"customerRef": f"example-{uuid.uuid4().hex[:8]}"}}
        ))["memberEnroll"])
        card = enrolled["member"]["cardNumber"]
        print("enrolled card", card)
        recorded = payload_or_raise((await client.execute(RECORD, {"input": {
            "cardNumber": card, "orderId": f"example-{uuid.uuid4().hex[:8]}",
            "occurredAt": datetime.now(UTC).isoformat(), "currency": "EUR",
            "lines": [{"sku": "coffee", "category": "fresh", "quantity": 2, "unitPrice": "3.20"}],
            "idempotencyKey": str(uuid.uuid4()),
        }}))["purchaseRecord"])
        print("purchase earned", json.dumps(recorded["purchase"], indent=2))
        member = (await client.execute(MEMBER, {"card": card}))["member"]
        print("member now", json.dumps(member, indent=2))
        ranked = (await client.execute(OFFERS, {"card": card}))["offers"]
        print("offers for them", json.dumps(ranked, indent=2))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", required=True, help="the exchange's public URL")
    parser.add_argument("--key-id", required=True)
    parser.add_argument("--key-file", type=Path, required=True, help="PEM private key")
    args = parser.parse_args()
    asyncio.run(run(args.url, args.key_id, args.key_file.read_bytes()))


if __name__ == "__main__":
    main()
