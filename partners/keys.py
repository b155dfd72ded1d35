"""Ed25519 signing keys and their formats: PEM (PKCS#8 / SPKI), JWK (RFC 8037) and raw bytes.

The exchange registers a partner's raw 32-byte public key; partners keep the private key in
whichever format their secret store prefers. Every reader refuses anything but Ed25519.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Mapping
from typing import Any

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

_RAW = serialization.Encoding.Raw
_PEM = serialization.Encoding.PEM
_KEY_BYTES = 32
_BASE64URL = re.compile(r"^[A-Za-z0-9_-]+$")


class KeyFormatError(ValueError):
    """Key material is malformed, encrypted without the right password, or not Ed25519."""


def generate_private_key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


def private_key_to_pem(key: Ed25519PrivateKey, password: bytes | None = None) -> bytes:
    encryption: serialization.KeySerializationEncryption = (
        serialization.BestAvailableEncryption(password) if password
        else serialization.NoEncryption()
    )
    return key.private_bytes(_PEM, serialization.PrivateFormat.PKCS8, encryption)


def private_key_from_pem(pem: bytes | str, password: bytes | None = None) -> Ed25519PrivateKey:
    try:
        key = serialization.load_pem_private_key(_as_bytes(pem), password=password)
    except (ValueError, TypeError, UnsupportedAlgorithm) as error:
        raise KeyFormatError(f"not a readable PKCS#8 PEM private key: {error}") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise KeyFormatError(f"expected an Ed25519 private key, got {type(key).__name__}")
    return key


def public_key_to_pem(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(_PEM, serialization.PublicFormat.SubjectPublicKeyInfo)


def public_key_from_pem(pem: bytes | str) -> Ed25519PublicKey:
    try:
        key = serialization.load_pem_public_key(_as_bytes(pem))
    except (ValueError, TypeError, UnsupportedAlgorithm) as error:
        raise KeyFormatError(f"not a readable SPKI PEM public key: {error}") from None
    if not isinstance(key, Ed25519PublicKey):
        raise KeyFormatError(f"expected an Ed25519 public key, got {type(key).__name__}")
    return key


def public_key_bytes(key: Ed25519PublicKey) -> bytes:
    """The raw 32 bytes the exchange's registry stores."""
    return key.public_bytes(_RAW, serialization.PublicFormat.Raw)


def public_key_from_bytes(raw: bytes) -> Ed25519PublicKey:
    if len(raw) != _KEY_BYTES:
        raise KeyFormatError(f"an Ed25519 public key is {_KEY_BYTES} bytes, got {len(raw)}")
    return Ed25519PublicKey.from_public_bytes(raw)


def public_key_to_jwk(key: Ed25519PublicKey, key_id: str | None = None) -> dict[str, str]:
    jwk = {"kty": "OKP", "crv": "Ed25519", "x": _b64url(public_key_bytes(key))}
    if key_id is not None:
        jwk["kid"] = key_id
    return jwk


def private_key_to_jwk(key: Ed25519PrivateKey, key_id: str | None = None) -> dict[str, str]:
    seed = key.private_bytes(_RAW, serialization.PrivateFormat.Raw, serialization.NoEncryption())
    return {**public_key_to_jwk(key.public_key(), key_id), "d": _b64url(seed)}


def public_key_from_jwk(jwk: Mapping[str, Any]) -> Ed25519PublicKey:
    _check_okp(jwk)
    return public_key_from_bytes(_jwk_bytes(jwk, "x"))


def private_key_from_jwk(jwk: Mapping[str, Any]) -> Ed25519PrivateKey:
    _check_okp(jwk)
    key = Ed25519PrivateKey.from_private_bytes(_jwk_bytes(jwk, "d"))
    # RFC 8037 requires "x" beside "d"; a mismatch means the two halves were mixed up.
    if public_key_bytes(key.public_key()) != _jwk_bytes(jwk, "x"):
        raise KeyFormatError('JWK "x" is not the public half of "d"')
    return key


def _check_okp(jwk: Mapping[str, Any]) -> None:
    if jwk.get("kty") != "OKP" or jwk.get("crv") != "Ed25519":
        raise KeyFormatError('expected a JWK with "kty": "OKP" and "crv": "Ed25519"')


def _jwk_bytes(jwk: Mapping[str, Any], name: str) -> bytes:
    value = jwk.get(name)
    # The decoder would skip stray characters silently; the alphabet check makes it strict.
    if not isinstance(value, str) or not _BASE64URL.match(value):
        raise KeyFormatError(f'JWK "{name}" must be base64url text without padding')
    try:
        raw = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
    except binascii.Error:
        raise KeyFormatError(f'JWK "{name}" is not base64url') from None
    if len(raw) != _KEY_BYTES:
        raise KeyFormatError(f'JWK "{name}" must decode to {_KEY_BYTES} bytes, got {len(raw)}')
    return raw


def _b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _as_bytes(text: bytes | str) -> bytes:
    return text.encode("ascii") if isinstance(text, str) else text
