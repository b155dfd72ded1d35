"""The GraphQL schema and its request-shape limits.

Limit rules are built once at import: the validation cache keys on the rule classes, so rules
built per request (as QueryDepthLimiter and MaxAliasesLimiter do) would never hit the cache
(DESIGN.md section 9).
"""

from __future__ import annotations

from collections.abc import Callable

import strawberry
from strawberry.extensions import (
    AddValidationRules,
    MaskErrors,
    MaxTokensLimiter,
    ParserCache,
    SchemaExtension,
    ValidationCache,
)
from strawberry.extensions.max_aliases import create_validator as aliases_rule
from strawberry.extensions.query_depth_limiter import create_validator as depth_rule
from strawberry.schema.config import StrawberryConfig

from exchange import __version__, limits
from exchange.api.errors import should_mask_error

_LIMIT_RULES = [depth_rule(limits.query_depth_max, None), aliases_rule(limits.query_aliases_max)]
_CACHE_SIZE = 1024


@strawberry.type(description="What this exchange is.")
class ServiceInfo:
    name: str
    version: str


@strawberry.type
class Query:
    @strawberry.field(description="The exchange's name and version; needs no credentials.")
    def service_info(self) -> ServiceInfo:
        return ServiceInfo(name="coalition-exchange", version=__version__)


def schema_extensions() -> list[Callable[[], SchemaExtension]]:
    # Factories, not shared instances: extensions keep per-request state (section 9).
    return [
        lambda: AddValidationRules(_LIMIT_RULES),
        lambda: MaxTokensLimiter(limits.query_tokens_max),
        lambda: ParserCache(maxsize=_CACHE_SIZE),
        lambda: ValidationCache(maxsize=_CACHE_SIZE),
        lambda: MaskErrors(should_mask_error=should_mask_error),
    ]


def build_schema(query: type = Query) -> strawberry.Schema:
    return strawberry.Schema(
        query=query,
        config=StrawberryConfig(disable_field_suggestions=True),
        extensions=schema_extensions(),  # type: ignore[arg-type]
    )


schema = build_schema()


def schema_sdl() -> str:
    return schema.as_str() + "\n"
