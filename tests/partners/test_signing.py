"""The signing profile, rule by rule: each broken rule is refused with its code and says why."""

from __future__ import annotations

import re
import secrets
from typing import Any

import pytest

from partners.headers import COVERED_COMPONENTS, REQUIRED_PARAMETERS
from partners.keys import generate_private_key
from partners.signing import (
    SignatureErrorCode,
    SignatureRejected,
    VerifiedSignature,
    sign_request,
    signature_key_id,
    verify_request,
)
from tests.partners.forging import forge, sha256_digest

URL = "https://exchange.example/graphql"
BODY = b'{"query":"{ serviceInfo { name } }","variables":{}}'
KEY_ID = "grocer/2026-11"
NOW = 1_790_000_000
PRIVATE_KEY = generate_private_key()
PUBLIC_KEY = PRIVATE_KEY.public_key()
JSON = {"content-type": "application/json"}

INVALID = SignatureErrorCode.SIGNATURE_INVALID
EXPIRED = SignatureErrorCode.SIGNATURE_EXPIRED
DIGEST_MISMATCH = SignatureErrorCode.DIGEST_MISMATCH


def signed(**options: Any) -> dict[str, str]:
    """Content-Type plus the three headers sign_request adds, made at NOW unless told."""
    options = {"key_id": KEY_ID, "private_key": PRIVATE_KEY, "now": NOW, **options}
    return {**JSON, **sign_request("POST", URL, JSON, BODY, **options)}


def verify(headers: dict[str, str], *, method: str = "POST", url: str = URL, body: bytes = BODY,
           now: float = NOW, algorithm: str = "ed25519", key: Any = PUBLIC_KEY
           ) -> VerifiedSignature:
    return verify_request(method, url, headers, body, algorithm=algorithm, key=key, now=now)


def rejection(headers: dict[str, str], **options: Any) -> SignatureRejected:
    with pytest.raises(SignatureRejected) as caught:
        verify(headers, **options)
    return caught.value


def forged(**options: Any) -> dict[str, str]:
    defaults: dict[str, Any] = {
        "private_key": PRIVATE_KEY, "key_id": KEY_ID, "url": URL, "body": BODY,
        "created": NOW, "expires": NOW + 300,
    }
    return forge(**{**defaults, **options})


def without_parameter(headers: dict[str, str], name: str) -> dict[str, str]:
    signature_input = re.sub(rf';{name}=("[^"]*"|\d+)', "", headers["signature-input"])
    assert signature_input != headers["signature-input"]
    return {**headers, "signature-input": signature_input}


# Round trips.


def test_an_ed25519_signature_round_trips() -> None:
    headers = signed(nonce="n" * 22)
    assert verify(headers) == VerifiedSignature(KEY_ID, "n" * 22, NOW, NOW + 300)


def test_an_hmac_signature_round_trips() -> None:
    secret = secrets.token_bytes(32)
    headers = signed(private_key=secret, algorithm="hmac-sha256", ttl_seconds=60)
    verified = verify(headers, algorithm="hmac-sha256", key=secret)
    assert (verified.created, verified.expires) == (NOW, NOW + 60)


def test_the_headers_follow_the_profile() -> None:
    added = sign_request("POST", URL, JSON, BODY, key_id=KEY_ID, private_key=PRIVATE_KEY, now=NOW)
    assert set(added) == {"content-digest", "signature-input", "signature"}
    assert added["content-digest"] == sha256_digest(BODY)
    signature_input = added["signature-input"]
    assert signature_input.startswith(
        'sig1=("@method" "@target-uri" "content-type" "content-digest");'
    )
    for parameter in (f"created={NOW}", f"expires={NOW + 300}", f'keyid="{KEY_ID}"',
                      'alg="ed25519"', 'tag="exchange-v1"', "nonce="):
        assert parameter in signature_input
    assert re.fullmatch(r"sig1=:[A-Za-z0-9+/]{86}==:", added["signature"])


def test_each_signature_gets_a_fresh_nonce() -> None:
    first, second = verify(signed()), verify(signed())
    assert first.nonce != second.nonce
    assert len(first.nonce) >= 16


def test_the_key_id_is_read_before_verifying() -> None:
    assert signature_key_id(signed()) == KEY_ID
    assert signature_key_id(list(signed().items())) == KEY_ID


def test_header_names_are_case_insensitive() -> None:
    headers = {name.title(): value for name, value in signed().items()}
    assert verify(headers).key_id == KEY_ID


# Missing or malformed signatures.


def test_an_unsigned_request_is_signature_missing() -> None:
    assert rejection(JSON).code == SignatureErrorCode.SIGNATURE_MISSING
    with pytest.raises(SignatureRejected) as caught:
        signature_key_id(JSON)
    assert caught.value.code == SignatureErrorCode.SIGNATURE_MISSING


@pytest.mark.parametrize("dropped", ["signature", "signature-input"])
def test_half_a_signature_is_invalid(dropped: str) -> None:
    headers = {k: v for k, v in signed().items() if k != dropped}
    assert rejection(headers).code == INVALID


def test_malformed_signature_input_is_invalid() -> None:
    headers = {**signed(), "signature-input": 'sig1=("@method"'}
    refused = rejection(headers)
    assert refused.code == INVALID
    assert "Signature-Input" in refused.message


def test_another_label_is_invalid() -> None:
    refused = rejection(forged(label="sig2"))
    assert refused.code == INVALID
    assert "sig1" in refused.message


def test_two_signatures_are_invalid() -> None:
    first, second = signed(), forged(label="sig2")
    headers = {
        **first,
        "signature-input": f"{first['signature-input']}, {second['signature-input']}",
        "signature": f"{first['signature']}, {second['signature']}",
    }
    assert rejection(headers).code == INVALID


def test_a_signature_without_keyid_has_no_key_id() -> None:
    with pytest.raises(SignatureRejected) as caught:
        signature_key_id(without_parameter(signed(), "keyid"))
    assert caught.value.code == INVALID


# Tampering.


def test_a_tampered_body_is_a_digest_mismatch() -> None:
    assert rejection(signed(), body=BODY + b" ").code == DIGEST_MISMATCH


def test_a_tampered_body_with_a_recomputed_digest_is_invalid() -> None:
    tampered = BODY.replace(b"name", b"version")
    headers = {**signed(), "content-digest": sha256_digest(tampered)}
    assert rejection(headers, body=tampered).code == INVALID


@pytest.mark.parametrize(
    "change",
    [
        {"method": "PUT"},
        {"url": "https://exchange.example/graphql?x=1"},
        {"url": "https://exchange.example/admin/graphql"},
        {"url": "https://mirror.example/graphql"},
    ],
)
def test_a_tampered_method_or_target_is_invalid(change: dict[str, str]) -> None:
    assert rejection(signed(), **change).code == INVALID


def test_a_tampered_content_type_is_invalid() -> None:
    assert rejection({**signed(), "content-type": "text/plain"}).code == INVALID


def test_another_key_is_invalid() -> None:
    refused = rejection(signed(), key=generate_private_key().public_key())
    assert refused.code == INVALID
    assert "does not verify" in refused.message


# Coverage and parameters.


@pytest.mark.parametrize("component", COVERED_COMPONENTS)
def test_every_component_must_be_covered(component: str) -> None:
    covered = tuple(c for c in COVERED_COMPONENTS if c != component)
    refused = rejection(forged(components=covered))
    assert refused.code == INVALID
    assert f"missing: {component}" in refused.message


def test_a_component_covered_only_as_a_structured_field_does_not_count() -> None:
    components = ("@method", "@target-uri", '"content-type";sf', "content-digest")
    assert rejection(forged(components=components)).code == INVALID


@pytest.mark.parametrize("parameter", REQUIRED_PARAMETERS)
def test_every_parameter_is_required(parameter: str) -> None:
    refused = rejection(without_parameter(signed(), parameter))
    assert refused.code == INVALID
    assert parameter in refused.message


def test_a_signature_forged_without_a_nonce_is_invalid() -> None:
    assert "nonce" in rejection(forged(nonce=None)).message


def test_a_signature_forged_without_alg_is_invalid() -> None:
    assert "alg" in rejection(forged(include_alg=False)).message


def test_alg_must_match_the_registered_algorithm() -> None:
    secret = secrets.token_bytes(32)
    hmac_signed = signed(private_key=secret, algorithm="hmac-sha256")
    # an HMAC signature presented for an Ed25519 key, and the other way round
    ed25519_refused = rejection(hmac_signed)
    hmac_refused = rejection(signed(), algorithm="hmac-sha256", key=secret)
    assert ed25519_refused.code == hmac_refused.code == INVALID
    assert 'registered algorithm "ed25519"' in ed25519_refused.message
    assert 'registered algorithm "hmac-sha256"' in hmac_refused.message


def test_another_tag_is_invalid() -> None:
    refused = rejection(forged(tag="someone-else-v1"))
    assert refused.code == INVALID
    assert "tag" in refused.message


@pytest.mark.parametrize("nonce", ["short", "n" * 65])
def test_a_nonce_out_of_bounds_is_invalid(nonce: str) -> None:
    assert rejection(forged(nonce=nonce)).code == INVALID


def test_an_unknown_parameter_is_invalid() -> None:
    headers = signed()
    headers["signature-input"] += ';extra="x"'
    assert rejection(headers).code == INVALID


# The time window.


def test_created_up_to_30_s_ahead_is_tolerated() -> None:
    assert verify(signed(now=NOW + 30)).created == NOW + 30


def test_created_more_than_30_s_ahead_is_invalid() -> None:
    refused = rejection(signed(now=NOW + 31))
    assert refused.code == INVALID
    assert "future" in refused.message


def test_a_signature_is_accepted_until_300_s_old() -> None:
    assert verify(signed(), now=NOW + 300).created == NOW


def test_a_signature_over_300_s_old_is_expired() -> None:
    assert rejection(signed(), now=NOW + 301).code == EXPIRED


def test_a_signature_past_its_expires_is_expired() -> None:
    refused = rejection(signed(ttl_seconds=10), now=NOW + 11)
    assert refused.code == EXPIRED
    assert "expired" in refused.message


def test_expires_more_than_300_s_after_created_is_invalid() -> None:
    refused = rejection(forged(expires=NOW + 301))
    assert refused.code == INVALID
    assert "expires" in refused.message


def test_expires_before_created_is_invalid() -> None:
    assert rejection(forged(expires=NOW - 1)).code == INVALID


# The digest.


def test_a_missing_content_digest_is_a_digest_mismatch() -> None:
    headers = {k: v for k, v in signed().items() if k != "content-digest"}
    assert rejection(headers).code == DIGEST_MISMATCH


def test_a_signed_digest_of_other_bytes_is_a_digest_mismatch() -> None:
    headers = forged(content_digest=sha256_digest(b"other bytes"))
    assert rejection(headers).code == DIGEST_MISMATCH


def test_a_digest_without_sha_256_is_a_digest_mismatch() -> None:
    sha512 = "sha-512=:" + "A" * 86 + "==:"
    refused = rejection(forged(content_digest=sha512))
    assert refused.code == DIGEST_MISMATCH
    assert "sha-256" in refused.message


# What the signer itself refuses (programming errors, caught before sending).


@pytest.mark.parametrize(
    "options",
    [
        {"ttl_seconds": 301},
        {"ttl_seconds": 0},
        {"nonce": "short"},
        {"algorithm": "rsa-v1_5-sha256"},
    ],
)
def test_the_signer_refuses_settings_outside_the_profile(options: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        signed(**options)


def test_the_signer_needs_the_content_type() -> None:
    with pytest.raises(ValueError, match="Content-Type"):
        sign_request("POST", URL, {}, BODY, key_id=KEY_ID, private_key=PRIVATE_KEY)


def test_the_signer_refuses_a_key_of_the_wrong_kind() -> None:
    with pytest.raises(TypeError):
        signed(private_key=secrets.token_bytes(32))
    with pytest.raises(TypeError):
        signed(algorithm="hmac-sha256")
