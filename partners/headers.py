"""The signing profile's names and numbers (see partners/signing.py), shared by client and server.

Header names are lowercase: HTTP field names are case-insensitive, and lowercase is how ASGI
servers and HTTP/2 carry them.
"""

from __future__ import annotations

from typing import Final

CONTENT_TYPE: Final = "content-type"
CONTENT_DIGEST: Final = "content-digest"
SIGNATURE_INPUT: Final = "signature-input"
SIGNATURE: Final = "signature"

JSON_CONTENT_TYPE: Final = "application/json"

# One signature per request, under this label, carrying this application tag.
LABEL: Final = "sig1"
TAG: Final = "exchange-v1"
COVERED_COMPONENTS: Final = ("@method", "@target-uri", "content-type", "content-digest")
REQUIRED_PARAMETERS: Final = ("created", "expires", "nonce", "keyid", "alg", "tag")
DIGEST_ALGORITHM: Final = "sha-256"
ALGORITHMS: Final = ("ed25519", "hmac-sha256")

# Validity window, in whole seconds as `created` and `expires` are.
CREATED_FUTURE_SECONDS_MAX: Final = 30  # tolerated clock skew of a signer that runs ahead
SIGNATURE_AGE_SECONDS_MAX: Final = 300
SIGNATURE_TTL_SECONDS_MAX: Final = 300  # expires - created

# Nonces: long enough to be random, short enough for the server's store (64 characters).
NONCE_LENGTH_MIN: Final = 16
NONCE_LENGTH_MAX: Final = 64
