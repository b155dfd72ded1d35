"""schema.graphql is generated from the code; it must never drift from it."""

from __future__ import annotations

from pathlib import Path

from exchange.api.schema import schema_sdl

SCHEMA_FILE = Path(__file__).resolve().parents[1] / "schema.graphql"


def test_schema_file_matches_the_code() -> None:
    assert SCHEMA_FILE.read_text() == schema_sdl(), (
        "schema.graphql is stale: run `exchange schema > schema.graphql`"
    )
