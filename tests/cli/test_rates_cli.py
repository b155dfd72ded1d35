"""`exchange partner rates set|list` as an admin meets them: every price confirmed and listed;
a rate never starts inside a closed month, and starts before now only with --backdate."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal

from exchange.clock import from_us, to_us
from exchange.registry.partners import create_partner
from exchange.registry.rates import StoredRate, list_rates
from tests.cli.test_cli import run_cli

SET = ("partner", "rates", "set", "grocer", "--earn-rate", "1", "--issue-price", "0.010",
       "--redemption-price", "0.008")


def _said(stream: str) -> str:
    """What the command printed, on one line whatever the terminal's width."""
    return " ".join(stream.split())


async def test_a_rate_is_confirmed_with_all_its_prices_and_listed(db: str) -> None:
    # given a grocer without rates
    grocer = await create_partner("grocer", "Grocer")
    env = {"EXCHANGE_DATABASE_URL": db}
    # when two EUR rates and a USD one are set from future dates, then listed
    first = run_cli(*SET, "--from", "2090-01-01", "--multiplier", "fresh=2",
                    "--multiplier", "fuel=1.5", env=env)
    second = run_cli("partner", "rates", "set", "grocer", "--from", "2090-02-01",
                     "--earn-rate", "2.5", "--issue-price", "0.012", "--redemption-price",
                     "0.009", env=env)
    usd = run_cli("partner", "rates", "set", "grocer", "--from", "2090-01-15", "--currency",
                  "USD", "--earn-rate", "0.9", "--issue-price", "0.5", "--redemption-price",
                  "0.4", env=env)
    listed = run_cli("partner", "rates", "list", "grocer", env={**env, "COLUMNS": "250"})
    # then each confirmation names every price, and none is backdated
    assert [r.returncode for r in (first, second, usd)] == [0, 0, 0], first.stderr
    assert _said(first.stderr) == (
        "grocer from 2090-01-01T00:00:00+00:00: 1 points per EUR (fresh x2, fuel x1.5); "
        "issue price 0.010, redemption price 0.008 EUR per point.")
    assert _said(usd.stderr) == (
        "grocer from 2090-01-15T00:00:00+00:00: 0.9 points per USD; issue price 0.5, "
        "redemption price 0.4 EUR per point. Only the EUR rate's prices are charged: grocer "
        "settles in EUR.")
    # and the list shows every rate with all its prices, oldest first per currency
    assert listed.returncode == 0, listed.stderr
    stored = await list_rates(grocer.id)
    rows = [line for line in listed.stdout.splitlines() if "│ EUR" in line or "│ USD" in line]
    assert [_cells(line) for line in rows] == [
        ["EUR", "2090-01-01T00:00:00+00:00", "2090-02-01T00:00:00+00:00", "1",
         "fresh=2, fuel=1.5", "0.010", "0.008", _created(stored[0])],
        ["EUR", "2090-02-01T00:00:00+00:00", "-", "2.5", "-", "0.012", "0.009",
         _created(stored[1])],
        ["USD", "2090-01-15T00:00:00+00:00", "-", "0.9", "-", "0.5", "0.4",
         _created(stored[2])],
    ]


async def test_a_rate_without_a_start_starts_now(db: str) -> None:
    # given a grocer without rates
    grocer = await create_partner("grocer", "Grocer")
    # when a rate is set without --from
    before = datetime.now(UTC)
    result = run_cli(*SET, env={"EXCHANGE_DATABASE_URL": db})
    after = datetime.now(UTC)
    # then it starts at the moment it was set, and is not backdated
    assert result.returncode == 0, result.stderr
    assert "Backdated" not in result.stderr
    [stored] = await list_rates(grocer.id)
    assert before <= from_us(stored.rate.valid_from) <= after


async def test_a_rate_from_the_past_needs_backdate_and_is_reported_and_logged(db: str) -> None:
    # given a grocer with a rate since 2020-01-01 (set with --backdate)
    grocer = await create_partner("grocer", "Grocer")
    env = {"EXCHANGE_DATABASE_URL": db, "EXCHANGE_LOG_JSON": "true", "EXCHANGE_LOG_LEVEL": "INFO"}
    assert run_cli(*SET, "--from", "2020-01-01", "--backdate", env=env).returncode == 0
    before = await list_rates(grocer.id)
    # when a new rate from 2020-02-01 (in the past) is set without, then with --backdate
    refused = run_cli(*SET[:-1], "0.009", "--from", "2020-02-01", env=env)
    after_refusal = await list_rates(grocer.id)
    backdated = run_cli(*SET[:-1], "0.009", "--from", "2020-02-01", "--backdate", env=env)
    # then the first is refused, saying why and what to pass, and changed nothing
    assert refused.returncode == 2
    assert _said(refused.stderr) == (
        "error: RATE_IN_PAST: 2020-02-01T00:00:00+00:00 is in the past: the rate would apply to "
        "points dated from then that are recorded from now (points already moved keep the price "
        "charged); pass --backdate to set it anyway")
    assert after_refusal == before
    # and the second is set, reported as backdated, and logged
    assert backdated.returncode == 0, backdated.stderr
    assert ("Backdated: applies to points moved from 2020-02-01T00:00:00+00:00 on that are "
            "recorded from now; points already moved keep the price charged.") in _said(
                backdated.stderr)
    [log] = [json.loads(line) for line in backdated.stderr.splitlines()
             if line.startswith("{")]
    assert (log["level"], log["event"], log["partner_id"], log["purchase_currency"],
            log["valid_from"], log["redemption_price"]) == (
        "WARNING", "rate_backdated", grocer.id, "EUR", "2020-02-01T00:00:00+00:00", "0.009")
    assert log["set_by"].startswith("cli:")
    rates = await list_rates(grocer.id)
    assert [(r.rate.valid_from, r.rate.redemption_price) for r in rates] == [
        (before[0].rate.valid_from, Decimal("0.008")),
        (_us("2020-02-01T00:00:00+00:00"), Decimal("0.009")),
    ]


async def test_a_first_rate_from_the_past_needs_backdate_too(db: str) -> None:
    # given a grocer without rates
    grocer = await create_partner("grocer", "Grocer")
    # when its first rate is set from a past date without --backdate
    refused = run_cli(*SET, "--from", "2020-01-01", env={"EXCHANGE_DATABASE_URL": db})
    # then it is refused and nothing was stored
    assert refused.returncode == 2
    assert refused.stderr.startswith("error: RATE_IN_PAST:")
    assert await list_rates(grocer.id) == []


async def test_a_rate_never_starts_inside_a_closed_month(db: str) -> None:
    # given a grocer with a rate, and settlement closed up to March 2026 in Berlin
    grocer = await create_partner("grocer", "Grocer")
    env = {"EXCHANGE_DATABASE_URL": db, "EXCHANGE_PROGRAM_TIMEZONE": "Europe/Berlin"}
    assert run_cli(*SET, "--from", "2020-01-01", "--backdate", env=env).returncode == 0
    for command in (("begin", "--period", "2026-03"), ("close", "--period", "2026-03")):
        assert run_cli("settle", *command, env=env).returncode == 0
    before = await list_rates(grocer.id)
    # when a rate from 15 March, then one from the last second of March in Berlin, are set
    # even with --backdate; then one from the first moment of April in Berlin
    mid_march = run_cli(*SET, "--from", "2026-03-15", "--backdate", env=env)
    last_second = run_cli(*SET, "--from", "2026-03-31T21:59:59+00:00", "--backdate", env=env)
    after_refusals = await list_rates(grocer.id)
    april = run_cli(*SET, "--from", "2026-03-31T22:00:00+00:00", "--backdate", env=env)
    # then both March ones are refused, saying from when a rate may start, and changed nothing
    for refused in (mid_march, last_second):
        assert refused.returncode == 2
        assert _said(refused.stderr) == (
            "error: RATE_IN_CLOSED_PERIOD: settlement is closed up to 2026-03: a rate may start "
            "at 2026-04-01T00:00:00+02:00 or later")
    assert after_refusals == before
    # and April's is set
    assert april.returncode == 0, april.stderr
    assert "grocer from 2026-04-01T00:00:00+02:00:" in _said(april.stderr)
    assert len(await list_rates(grocer.id)) == 2


def _cells(line: str) -> list[str]:
    return [cell.strip() for cell in line.strip().strip("│").split("│")]


def _us(iso: str) -> int:
    return to_us(datetime.fromisoformat(iso))


def _created(stored: StoredRate) -> str:
    return from_us(stored.created_at).isoformat()
