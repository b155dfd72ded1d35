"""Settings from EXCHANGE_* variables: defaults, parsing, and loud failures (exchange/config.py)."""

from __future__ import annotations

import dataclasses

import pytest

from exchange.config import ConfigError, Settings, load_settings

VARIABLES = [
    "EXCHANGE_DATABASE_URL", "EXCHANGE_PUBLIC_URL", "EXCHANGE_LOG_LEVEL", "EXCHANGE_LOG_JSON",
    "EXCHANGE_PROGRAM_TIMEZONE", "EXCHANGE_PURCHASE_AGE_DAYS_MAX", "EXCHANGE_POINTS_LIFETIME_DAYS",
]


def test_no_variables_give_the_defaults() -> None:
    # when
    settings = load_settings({})
    # then
    assert settings == Settings(
        database_url="sqlite://./exchange.db", public_url="http://127.0.0.1:8000",
        log_level="INFO", log_json=True, program_timezone="UTC", purchase_age_days_max=30,
        points_lifetime_days=730,
    )
    assert settings.is_sqlite


def test_empty_variables_give_the_defaults() -> None:
    # when
    settings = load_settings(dict.fromkeys(VARIABLES, ""))
    # then
    assert settings == Settings()


def test_good_values_are_parsed() -> None:
    # given
    env = {
        "EXCHANGE_DATABASE_URL": "postgresql://exchange@db:5432/exchange",
        "EXCHANGE_PUBLIC_URL": "https://exchange.example.com/",
        "EXCHANGE_LOG_LEVEL": "warning",
        "EXCHANGE_LOG_JSON": "off",
        "EXCHANGE_PROGRAM_TIMEZONE": "Europe/Berlin",
        "EXCHANGE_PURCHASE_AGE_DAYS_MAX": "10",
        "EXCHANGE_POINTS_LIFETIME_DAYS": "365",
    }
    # when
    settings = load_settings(env)
    # then
    assert settings.database_url == "postgres://exchange@db:5432/exchange"
    assert not settings.is_sqlite
    assert settings.public_url == "https://exchange.example.com"
    assert (settings.log_level, settings.log_json) == ("WARNING", False)
    assert settings.program_timezone == "Europe/Berlin"
    assert (settings.purchase_age_days_max, settings.points_lifetime_days) == (10, 365)


@pytest.mark.parametrize(("raw", "expected"), [
    ("1", True), ("true", True), ("YES", True), (" on ", True),
    ("0", False), ("False", False), ("no", False), ("off", False),
])
def test_log_json_takes_the_usual_booleans(raw: str, expected: bool) -> None:
    # when
    settings = load_settings({"EXCHANGE_LOG_JSON": raw})
    # then
    assert settings.log_json is expected


@pytest.mark.parametrize(("name", "raw"), [
    ("EXCHANGE_DATABASE_URL", "mysql://root@db/exchange"),
    ("EXCHANGE_DATABASE_URL", "sqlite://"),
    ("EXCHANGE_DATABASE_URL", "./exchange.db"),
    ("EXCHANGE_PUBLIC_URL", "ftp://exchange.example.com"),
    ("EXCHANGE_PUBLIC_URL", "exchange.example.com"),
    ("EXCHANGE_PUBLIC_URL", "https://"),
    ("EXCHANGE_PUBLIC_URL", "https://exchange.example.com/?debug=1"),
    ("EXCHANGE_PUBLIC_URL", "https://exchange.example.com/#top"),
    ("EXCHANGE_LOG_LEVEL", "verbose"),
    ("EXCHANGE_LOG_JSON", "maybe"),
    ("EXCHANGE_PROGRAM_TIMEZONE", "Mars/Olympus_Mons"),
    ("EXCHANGE_PROGRAM_TIMEZONE", "../etc/passwd"),
    ("EXCHANGE_PURCHASE_AGE_DAYS_MAX", "0"),
    ("EXCHANGE_PURCHASE_AGE_DAYS_MAX", "91"),
    ("EXCHANGE_PURCHASE_AGE_DAYS_MAX", "ten"),
    ("EXCHANGE_POINTS_LIFETIME_DAYS", "29"),
    ("EXCHANGE_POINTS_LIFETIME_DAYS", "3651"),
])
def test_a_bad_value_names_its_variable(name: str, raw: str) -> None:
    # when
    with pytest.raises(ConfigError) as error:
        load_settings({name: raw})
    # then
    assert str(error.value).startswith(f"{name}={raw!r} is invalid")


def test_settings_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    # given
    for name in VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("EXCHANGE_LOG_LEVEL", "debug")
    # when
    settings = load_settings()
    # then
    assert settings.log_level == "DEBUG"


def test_a_bad_environment_variable_fails_loudly(monkeypatch: pytest.MonkeyPatch) -> None:
    # given
    monkeypatch.setenv("EXCHANGE_LOG_JSON", "sometimes")
    # when
    with pytest.raises(ConfigError, match="EXCHANGE_LOG_JSON"):
        load_settings()


def test_settings_are_frozen() -> None:
    # given
    settings = load_settings({})
    # when
    with pytest.raises(dataclasses.FrozenInstanceError):
        settings.log_level = "DEBUG"  # type: ignore[misc]
