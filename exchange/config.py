"""Settings from EXCHANGE_* environment variables, parsed once into a frozen object.

A bad value stops start-up with a message that names the variable: a typo in production
configuration must fail loudly, never fall back to a default silently.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TypeVar
from urllib.parse import urlsplit

from exchange import limits

T = TypeVar("T")

_LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")


class ConfigError(ValueError):
    """A setting is missing or malformed; the message names the variable."""


@dataclass(frozen=True, slots=True)
class Settings:
    database_url: str = "sqlite://./exchange.db"
    public_url: str = "http://127.0.0.1:8000"
    log_level: str = "INFO"
    log_json: bool = True
    program_timezone: str = "UTC"
    purchase_age_days_max: int = limits.purchase_age_days_max
    points_lifetime_days: int = limits.points_lifetime_days

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite://")


def _parse_database_url(raw: str) -> str:
    scheme = urlsplit(raw).scheme
    if scheme not in ("sqlite", "postgres", "postgresql", "asyncpg"):
        raise ValueError("expected sqlite://PATH or postgres://USER@HOST:PORT/DB")
    if scheme == "sqlite" and raw == "sqlite://":
        raise ValueError("sqlite:// needs a file path, e.g. sqlite://./exchange.db")
    return raw.replace("postgresql://", "postgres://", 1)


def _parse_public_url(raw: str) -> str:
    parts = urlsplit(raw)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError("expected an absolute http(s) URL, e.g. https://exchange.example.com")
    if parts.query or parts.fragment:
        raise ValueError("must not carry a query or fragment")
    return raw.rstrip("/")


def _parse_log_level(raw: str) -> str:
    level = raw.upper()
    if level not in _LOG_LEVELS:
        raise ValueError(f"expected one of {', '.join(_LOG_LEVELS)}")
    return level


def _parse_bool(raw: str) -> bool:
    lowered = raw.strip().lower()
    if lowered in ("1", "true", "yes", "on"):
        return True
    if lowered in ("0", "false", "no", "off"):
        return False
    raise ValueError("expected true or false")


def _parse_timezone(raw: str) -> str:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(raw)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise ValueError("expected an IANA time zone such as Europe/Berlin") from error
    return raw


def _days_between(low: int, high: int) -> Callable[[str], int]:
    def parse(raw: str) -> int:
        days = int(raw)
        if not low <= days <= high:
            raise ValueError(f"expected a number of days from {low} to {high}")
        return days

    return parse


def _read(env: Mapping[str, str], name: str, parse: Callable[[str], T], default: T) -> T:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        return parse(raw)
    except ValueError as error:
        raise ConfigError(f"{name}={raw!r} is invalid: {error}") from None


def load_settings(env: Mapping[str, str] | None = None) -> Settings:
    env = os.environ if env is None else env
    defaults = Settings()
    return Settings(
        database_url=_read(env, "EXCHANGE_DATABASE_URL", _parse_database_url,
                           defaults.database_url),
        public_url=_read(env, "EXCHANGE_PUBLIC_URL", _parse_public_url, defaults.public_url),
        log_level=_read(env, "EXCHANGE_LOG_LEVEL", _parse_log_level, defaults.log_level),
        log_json=_read(env, "EXCHANGE_LOG_JSON", _parse_bool, defaults.log_json),
        program_timezone=_read(env, "EXCHANGE_PROGRAM_TIMEZONE", _parse_timezone,
                               defaults.program_timezone),
        purchase_age_days_max=_read(
            env, "EXCHANGE_PURCHASE_AGE_DAYS_MAX",
            _days_between(1, limits.purchase_age_days_max_max), defaults.purchase_age_days_max),
        points_lifetime_days=_read(
            env, "EXCHANGE_POINTS_LIFETIME_DAYS",
            _days_between(limits.points_lifetime_days_min, limits.lot_lifetime_days_max),
            defaults.points_lifetime_days),
    )
