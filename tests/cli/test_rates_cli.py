"""`exchange partner rates set|list` as an admin meets them: every price confirmed and listed;
a rate never starts inside a closed month, and replaces one from the past only with
--backdate."""

from __future__ import annotations

from exchange.registry.partners import create_partner
from exchange.registry.rates import list_rates
from tests.cli.test_cli import run_cli

SET = ("partner", "rates", "set", "grocer", "--earn-rate", "1", "--issue-price", "0.010",
       "--redemption-price", "0.008")


async def test_a_rate_is_confirmed_with_all_its_prices_and_listed(db: str) -> None:
    # given a grocer without rates
    await create_partner("grocer", "Grocer")
    env = {"EXCHANGE_DATABASE_URL": db}
    # when its first rate is set from a past date (nothing moved by it yet), then listed
    first = run_cli(*SET, "--from", "2026-01-01", "--multiplier", "fresh=2", env=env)
    listed = run_cli("partner", "rates", "list", "grocer", env={**env, "COLUMNS": "200"})
    # then the confirmation names every price, and the list shows them
    assert first.returncode == 0, first.stderr
    confirmation = " ".join(first.stderr.split())
    assert ("grocer from 2026-01-01T00:00:00+00:00: 1 points per EUR (fresh x2); issue price "
            "0.010, redemption price 0.008 EUR per point.") in confirmation
    assert "Backdated" not in confirmation
    assert listed.returncode == 0, listed.stderr
    assert all(text in listed.stdout for text in ("EUR", "2026-01-01", "fresh=2", "0.010",
                                                  "0.008"))


async def test_replacing_a_rate_from_the_past_needs_backdate(db: str) -> None:
    # given a grocer with a rate since 2026-01-01
    await create_partner("grocer", "Grocer")
    env = {"EXCHANGE_DATABASE_URL": db}
    assert run_cli(*SET, "--from", "2026-01-01", env=env).returncode == 0
    # when a new rate from 2026-02-01 (in the past) is set without, then with --backdate
    refused = run_cli(*SET[:-1], "0.009", "--from", "2026-02-01", env=env)
    rates_after_refusal = await _rates()
    backdated = run_cli(*SET[:-1], "0.009", "--from", "2026-02-01", "--backdate", env=env)
    # then the first is refused and adds nothing; the second is set and reported as backdated
    assert refused.returncode == 2
    assert refused.stderr.startswith("error: RATE_IN_PAST: 2026-02-01T00:00:00+00:00 is in the "
                                     "past")
    assert rates_after_refusal == 1
    assert backdated.returncode == 0, backdated.stderr
    assert "Backdated:" in backdated.stderr
    assert await _rates() == 2


async def test_a_rate_never_starts_inside_a_closed_month(db: str) -> None:
    # given a grocer, and settlement closed up to March 2026
    await create_partner("grocer", "Grocer")
    env = {"EXCHANGE_DATABASE_URL": db}
    for command in (("begin", "--period", "2026-03"), ("close", "--period", "2026-03")):
        assert run_cli("settle", *command, env=env).returncode == 0
    # when a rate from 15 March is set, even with --backdate; then one from 1 April
    refused = run_cli(*SET, "--from", "2026-03-15", "--backdate", env=env)
    rates_after_refusal = await _rates()
    april = run_cli(*SET, "--from", "2026-04-01", env=env)
    # then the first is refused, saying from when a rate may start; April's is set
    assert refused.returncode == 2
    assert refused.stderr.strip() == (
        "error: RATE_IN_CLOSED_PERIOD: settlement is closed up to 2026-03: a rate may start at "
        "2026-04-01T00:00:00+00:00 or later")
    assert rates_after_refusal == 0
    assert april.returncode == 0, april.stderr


async def _rates() -> int:
    return len(await list_rates(1))
