"""The exchange's signing profile of RFC 9421 (HTTP signatures) and RFC 9530 (body digests).

Partners sign with it and the exchange verifies with it, so both read the same rules.
http-message-signatures builds the signature base and checks the cryptography; this module adds
what the profile demands beyond RFC 9421: one signature, `sig1`, covering the four components;
every parameter present; the algorithm fixed by the key record, never chosen by the request; the
tag; the time window; a sha-256 digest of the body actually received. Key lookup and nonce reuse
need the exchange's database, so they are the server's checks.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

import http_sf
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from http_message_signatures import (
    ContentDigest,
    HTTPMessageSignaturesException,
    HTTPMessageSigner,
    HTTPMessageVerifier,
    InvalidSignature,
    MappingKeyResolver,
    VerifyResult,
    algorithms,
)

from partners import headers as h

Headers = Mapping[str, str] | Iterable[tuple[str, str]]
SigningKey = Ed25519PrivateKey | bytes  # bytes: an HMAC secret
VerifyingKey = Ed25519PublicKey | bytes

_ALGORITHMS = {"ed25519": algorithms.ED25519, "hmac-sha256": algorithms.HMAC_SHA256}
_NONCE_BYTES = 16  # 128 random bits, 22 base64url characters


class SignatureErrorCode(StrEnum):
    SIGNATURE_MISSING = "SIGNATURE_MISSING"
    SIGNATURE_INVALID = "SIGNATURE_INVALID"
    SIGNATURE_EXPIRED = "SIGNATURE_EXPIRED"
    DIGEST_MISMATCH = "DIGEST_MISMATCH"
    # The exchange's own checks: they need its key registry and its nonce store.
    KEY_UNKNOWN = "KEY_UNKNOWN"
    KEY_REVOKED = "KEY_REVOKED"
    NONCE_REPLAYED = "NONCE_REPLAYED"


class SignatureRejected(Exception):
    """A request's signature breaks the profile; the message says which rule."""

    def __init__(self, code: SignatureErrorCode, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


def _invalid(message: str) -> SignatureRejected:
    return SignatureRejected(SignatureErrorCode.SIGNATURE_INVALID, message)


def _expired(message: str) -> SignatureRejected:
    return SignatureRejected(SignatureErrorCode.SIGNATURE_EXPIRED, message)


def _digest_mismatch(message: str) -> SignatureRejected:
    return SignatureRejected(SignatureErrorCode.DIGEST_MISMATCH, message)


@dataclass(frozen=True, slots=True)
class VerifiedSignature:
    key_id: str
    nonce: str
    created: int  # Unix seconds, as signed
    expires: int  # Unix seconds, as signed


@dataclass(frozen=True, slots=True)
class _Request:
    """The request as the library's component resolver reads it."""

    method: str
    url: str
    headers: Any


class _FieldLines(list[tuple[str, str]]):
    """Header lines in wire order; `items()` is all the library's resolver asks of them."""

    def items(self) -> list[tuple[str, str]]:
        return self


class _ProfileVerifier(HTTPMessageVerifier):
    """The library's verifier without its wall-clock checks (1 day age, 5 s skew).

    `_check_window` has applied the profile's stricter window, to an injectable `now`, before
    the library runs; a second, looser check here could only disagree with it.
    """

    def validate_created_and_expires(self, sig_input: Any, max_age: Any = None) -> None:
        return None


def sign_request(
    method: str,
    url: str,
    headers: Headers,
    body: bytes,
    *,
    key_id: str,
    private_key: SigningKey,
    algorithm: str = "ed25519",
    now: float | None = None,
    nonce: str | None = None,
    ttl_seconds: int = h.SIGNATURE_TTL_SECONDS_MAX,
) -> dict[str, str]:
    """The Content-Digest, Signature-Input and Signature headers to add to this request.

    `url` is the full URL as sent (the exchange's public URL plus the path); `headers` must hold
    the Content-Type that will be sent, since the signature covers it.
    """
    _check_key(algorithm, private_key, Ed25519PrivateKey)
    if not 0 < ttl_seconds <= h.SIGNATURE_TTL_SECONDS_MAX:
        raise ValueError(f"ttl_seconds must be 1 to {h.SIGNATURE_TTL_SECONDS_MAX}")
    nonce = secrets.token_urlsafe(_NONCE_BYTES) if nonce is None else nonce
    if not h.NONCE_LENGTH_MIN <= len(nonce) <= h.NONCE_LENGTH_MAX:
        raise ValueError(f"a nonce has {h.NONCE_LENGTH_MIN} to {h.NONCE_LENGTH_MAX} characters")
    content_type = _combine(_lines(headers)).get(h.CONTENT_TYPE)
    if content_type is None:
        raise ValueError("the request needs a Content-Type header: the signature covers it")
    created = int(time.time() if now is None else now)
    message = _Request(method, url, {h.CONTENT_TYPE: content_type})
    resolver = MappingKeyResolver(public_keys={}, private_keys={key_id: private_key})
    signer = HTTPMessageSigner(signature_algorithm=_ALGORITHMS[algorithm], key_resolver=resolver)
    signer.sign(
        message, key_id=key_id, created=_at(created), expires=_at(created + ttl_seconds),
        nonce=nonce, label=h.LABEL, tag=h.TAG, covered_component_ids=h.COVERED_COMPONENTS,
        body=body,
    )
    added = {name.lower(): value for name, value in message.headers.items()}
    return {name: added[name] for name in (h.CONTENT_DIGEST, h.SIGNATURE_INPUT, h.SIGNATURE)}


def signature_key_id(headers: Headers) -> str:
    """The key id a request claims, so the caller can look the key up before verifying."""
    _, params = _signature_input(_combine(_lines(headers)))
    key_id = params.get("keyid")
    if not isinstance(key_id, str) or not key_id:
        raise _invalid('the signature has no "keyid" parameter')
    return key_id


def verify_request(
    method: str,
    url: str,
    headers: Headers,
    body: bytes,
    *,
    algorithm: str,
    key: VerifyingKey,
    now: float | None = None,
) -> VerifiedSignature:
    """Check a request against the whole profile with the key its key id is registered to.

    `algorithm` and `key` come from the key record; `url` is rebuilt by the server from its
    own public URL. Raises SignatureRejected; the nonce still has to be checked for reuse.
    """
    _check_key(algorithm, key, Ed25519PublicKey)
    lines = _FieldLines(_lines(headers))
    fields = _combine(lines)
    components, params = _signature_input(fields)
    _check_parameters(params, algorithm)
    _check_window(params["created"], params["expires"], time.time() if now is None else now)
    _check_components(components, fields)
    result = _verify_signature(_Request(method, url, lines), algorithm, key, params["keyid"])
    _check_digest(result.covered_components[f'"{h.CONTENT_DIGEST}"'], body)
    return VerifiedSignature(params["keyid"], params["nonce"], params["created"], params["expires"])


def _signature_input(fields: Mapping[str, str]) -> tuple[list[Any], dict[str, Any]]:
    if h.SIGNATURE_INPUT not in fields and h.SIGNATURE not in fields:
        raise SignatureRejected(
            SignatureErrorCode.SIGNATURE_MISSING,
            "the request is not signed: Signature-Input and Signature headers are required",
        )
    if h.SIGNATURE_INPUT not in fields or h.SIGNATURE not in fields:
        raise _invalid("Signature-Input and Signature headers must come together")
    labels = _parse_dictionary(fields[h.SIGNATURE_INPUT], "Signature-Input")
    if list(labels) != [h.LABEL]:
        raise _invalid(f"expected exactly one signature, labelled {h.LABEL}; got {list(labels)}")
    components, params = labels[h.LABEL]
    if not isinstance(components, list):
        raise _invalid(f"{h.LABEL} must be an inner list of covered components")
    return components, params


def _check_parameters(params: Mapping[str, Any], algorithm: str) -> None:
    missing = [name for name in h.REQUIRED_PARAMETERS if name not in params]
    if missing:
        required = ", ".join(h.REQUIRED_PARAMETERS)
        raise _invalid(f"the signature lacks {', '.join(missing)}; required: {required}")
    for name in h.REQUIRED_PARAMETERS:
        expected = int if name in ("created", "expires") else str
        if type(params[name]) is not expected:
            raise _invalid(f'"{name}" must be a structured-field {expected.__name__}')
    if params["alg"] != algorithm:
        raise _invalid(
            f'alg "{params["alg"]}" is not the key\'s registered algorithm "{algorithm}"'
        )
    if params["tag"] != h.TAG:
        raise _invalid(f'tag "{params["tag"]}" is not "{h.TAG}"')
    if not h.NONCE_LENGTH_MIN <= len(params["nonce"]) <= h.NONCE_LENGTH_MAX:
        raise _invalid(
            f"the nonce must have {h.NONCE_LENGTH_MIN} to {h.NONCE_LENGTH_MAX} characters"
        )


def _check_window(created: int, expires: int, now: float) -> None:
    if created > now + h.CREATED_FUTURE_SECONDS_MAX:
        raise _invalid(
            f"created is {created - now:.0f} s in the future (at most "
            f"{h.CREATED_FUTURE_SECONDS_MAX} s are tolerated): check the signer's clock"
        )
    if not 0 < expires - created <= h.SIGNATURE_TTL_SECONDS_MAX:
        raise _invalid(f"expires must be 1 to {h.SIGNATURE_TTL_SECONDS_MAX} s after created")
    if now - created > h.SIGNATURE_AGE_SECONDS_MAX:
        raise _expired(f"the signature is {now - created:.0f} s old; at most "
                       f"{h.SIGNATURE_AGE_SECONDS_MAX} s are accepted")
    if now > expires:
        raise _expired(f"the signature expired {now - expires:.0f} s ago")


def _check_components(components: list[Any], fields: Mapping[str, str]) -> None:
    # Only plain components count: "content-type";sf would sign a re-serialised value.
    covered = {value for value, item_params in components if not item_params}
    uncovered = [name for name in h.COVERED_COMPONENTS if name not in covered]
    if uncovered:
        raise _invalid(
            f"the signature must cover {' '.join(h.COVERED_COMPONENTS)}; "
            f"missing: {' '.join(uncovered)}"
        )
    if h.CONTENT_DIGEST not in fields:
        raise _digest_mismatch("the Content-Digest header is missing (sha-256 of the body)")
    if h.CONTENT_TYPE not in fields:
        raise _invalid("the Content-Type header is missing")


def _verify_signature(
    message: _Request, algorithm: str, key: VerifyingKey, key_id: str
) -> VerifyResult:
    resolver = MappingKeyResolver(public_keys={key_id: key}, private_keys={})
    verifier = _ProfileVerifier(signature_algorithm=_ALGORITHMS[algorithm], key_resolver=resolver)
    try:
        [result] = verifier.verify(
            message, max_age=None, expect_tag=h.TAG, expect_label=h.LABEL,
            require_components=h.COVERED_COMPONENTS,
        )
    except HTTPMessageSignaturesException as error:
        detail = str(error) or "made with another key, or the signed request was altered"
        raise _invalid(f"the signature does not verify: {detail}") from None
    return result


def _check_digest(content_digest: str, body: bytes) -> None:
    """Check the signed Content-Digest against the bytes actually received."""
    members = _parse_dictionary(content_digest, "Content-Digest", _digest_mismatch)
    if h.DIGEST_ALGORITHM not in members:
        raise _digest_mismatch(f"Content-Digest must carry a {h.DIGEST_ALGORITHM} member")
    try:
        ContentDigest.verify(content_digest, body)
    except InvalidSignature as error:
        raise _digest_mismatch(str(error)) from None


def _parse_dictionary(
    value: str, name: str, failure: Callable[[str], SignatureRejected] = _invalid
) -> dict[str, Any]:
    def reject_duplicate(key: str, context: str) -> None:
        raise ValueError(f'duplicate "{key}" in {context}')

    try:
        parsed = http_sf.parse(value.encode("ascii"), tltype="dictionary",
                               on_duplicate_key=reject_duplicate)
    except ValueError as error:  # UnicodeEncodeError and StructuredFieldError included
        raise failure(f"{name} is not a valid structured field: {error}") from None
    assert isinstance(parsed, dict)
    return parsed


def _lines(headers: Headers) -> list[tuple[str, str]]:
    return list(headers.items()) if isinstance(headers, Mapping) else list(headers)


def _combine(lines: Iterable[tuple[str, str]]) -> dict[str, str]:
    """Field values by lowercase name, repeated lines joined as RFC 9110 section 5.3 says."""
    fields: dict[str, str] = {}
    for name, value in lines:
        key = name.lower()
        fields[key] = f"{fields[key]}, {value.strip()}" if key in fields else value.strip()
    return fields


def _check_key(algorithm: str, key: object, asymmetric: type) -> None:
    # Programming errors, not request errors: the key record and the caller pick these.
    if algorithm not in _ALGORITHMS:
        raise ValueError(f"algorithm must be one of {', '.join(_ALGORITHMS)}")
    expected = asymmetric if algorithm == "ed25519" else bytes
    if not isinstance(key, expected):
        raise TypeError(f"{algorithm} needs a {expected.__name__}, got {type(key).__name__}")


def _at(unix_seconds: int) -> datetime:
    return datetime.fromtimestamp(unix_seconds, UTC)
