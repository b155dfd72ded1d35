from __future__ import annotations

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from partners.keys import (
    KeyFormatError,
    generate_private_key,
    private_key_from_jwk,
    private_key_from_pem,
    private_key_to_jwk,
    private_key_to_pem,
    public_key_bytes,
    public_key_from_bytes,
    public_key_from_jwk,
    public_key_from_pem,
    public_key_to_jwk,
    public_key_to_pem,
)

# RFC 8037 appendix A.1 and A.2: an Ed25519 key pair as JWK.
RFC_8037_JWK = {
    "kty": "OKP",
    "crv": "Ed25519",
    "d": "nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A",
    "x": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo",
}


def test_private_key_pem_round_trip_is_pkcs8() -> None:
    key = generate_private_key()
    pem = private_key_to_pem(key)
    assert pem.startswith(b"-----BEGIN PRIVATE KEY-----")
    assert public_key_bytes(private_key_from_pem(pem).public_key()) == public_key_bytes(
        key.public_key()
    )


def test_an_encrypted_pem_needs_its_password() -> None:
    key = generate_private_key()
    pem = private_key_to_pem(key, password=b"correct horse")
    assert pem.startswith(b"-----BEGIN ENCRYPTED PRIVATE KEY-----")
    restored = private_key_from_pem(pem.decode(), password=b"correct horse")
    assert public_key_bytes(restored.public_key()) == public_key_bytes(key.public_key())
    with pytest.raises(KeyFormatError):
        private_key_from_pem(pem, password=b"wrong")


def test_public_key_pem_round_trip_is_spki() -> None:
    public = generate_private_key().public_key()
    pem = public_key_to_pem(public)
    assert pem.startswith(b"-----BEGIN PUBLIC KEY-----")
    assert public_key_bytes(public_key_from_pem(pem)) == public_key_bytes(public)


def test_raw_public_bytes_round_trip() -> None:
    public = generate_private_key().public_key()
    raw = public_key_bytes(public)
    assert len(raw) == 32
    assert public_key_bytes(public_key_from_bytes(raw)) == raw


def test_jwk_matches_the_rfc_8037_example() -> None:
    key = private_key_from_jwk(RFC_8037_JWK)
    assert private_key_to_jwk(key) == RFC_8037_JWK
    assert public_key_to_jwk(key.public_key()) == {
        "kty": "OKP", "crv": "Ed25519", "x": RFC_8037_JWK["x"],
    }


def test_jwk_round_trip_carries_the_key_id_and_no_padding() -> None:
    key = generate_private_key()
    private_jwk = private_key_to_jwk(key, key_id="grocer/2026-11")
    public_jwk = public_key_to_jwk(key.public_key(), key_id="grocer/2026-11")
    assert private_jwk["kid"] == public_jwk["kid"] == "grocer/2026-11"
    assert "d" not in public_jwk
    assert not any(value.endswith("=") for value in private_jwk.values())
    assert public_key_bytes(public_key_from_jwk(public_jwk)) == public_key_bytes(key.public_key())
    assert private_key_to_jwk(private_key_from_jwk(private_jwk)) == {
        k: v for k, v in private_jwk.items() if k != "kid"
    }


@pytest.mark.parametrize(
    "change",
    [
        {"kty": "EC"},
        {"crv": "X25519"},
        {"x": RFC_8037_JWK["x"] + "="},  # padded
        {"x": RFC_8037_JWK["x"][:-4]},  # too short
        {"x": RFC_8037_JWK["x"][:-1] + "!"},  # outside the alphabet
        {"x": 12},
    ],
)
def test_malformed_public_jwk_is_refused(change: dict[str, object]) -> None:
    with pytest.raises(KeyFormatError):
        public_key_from_jwk({**RFC_8037_JWK, **change})


def test_private_jwk_whose_halves_disagree_is_refused() -> None:
    other = public_key_to_jwk(generate_private_key().public_key())
    with pytest.raises(KeyFormatError, match='"x" is not the public half'):
        private_key_from_jwk({**RFC_8037_JWK, "x": other["x"]})


def test_private_jwk_without_d_is_refused() -> None:
    with pytest.raises(KeyFormatError):
        private_key_from_jwk({k: v for k, v in RFC_8037_JWK.items() if k != "d"})


def test_pem_of_another_algorithm_is_refused() -> None:
    ec_key = ec.generate_private_key(ec.SECP256R1())
    private_pem = ec_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    public_pem = ec_key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    with pytest.raises(KeyFormatError, match="expected an Ed25519 private key"):
        private_key_from_pem(private_pem)
    with pytest.raises(KeyFormatError, match="expected an Ed25519 public key"):
        public_key_from_pem(public_pem)


@pytest.mark.parametrize("text", [b"", b"not a key", "-----BEGIN PUBLIC KEY-----\nüü\n"])
def test_garbage_pem_is_refused(text: bytes | str) -> None:
    with pytest.raises(KeyFormatError):
        private_key_from_pem(text)
    with pytest.raises(KeyFormatError):
        public_key_from_pem(text)


def test_raw_public_key_of_the_wrong_length_is_refused() -> None:
    with pytest.raises(KeyFormatError, match="32 bytes"):
        public_key_from_bytes(b"\x01" * 31)
