"""Top-level GraphQL errors the API raises on purpose, each with an `extensions.code`."""

from __future__ import annotations

import json
import logging

from graphql import GraphQLError
from starlette.types import Send

logger = logging.getLogger("exchange.api")


class CodedError(Exception):
    """An error the client may see: authentication, permission, limits."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.extensions = {"code": code}


def should_mask_error(error: GraphQLError) -> bool:
    """Mask anything unexpected (and log it); keep syntax, validation and coded errors."""
    original = error.original_error
    if original is None or isinstance(original, (CodedError, GraphQLError)):
        return False
    logger.error("unexpected error in %s", error.path, exc_info=original)
    return True


async def send_error(send: Send, status: int, code: str, message: str) -> None:
    """Answer from ASGI middleware with a GraphQL-shaped error, before any resolver runs."""
    body = json.dumps({"errors": [{"message": message, "extensions": {"code": code}}]}).encode()
    await send({"type": "http.response.start", "status": status, "headers": [
        (b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
    ]})
    await send({"type": "http.response.body", "body": body})
