"""Top-level GraphQL errors the API raises on purpose, each with an `extensions.code`."""

from __future__ import annotations

import logging

from graphql import GraphQLError

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
