"""The admin page in a real browser (Debian's Chromium driven by Playwright) against a live
`exchange serve`: period states, currencies on every amount, the liability and breakage charts,
and errors shown in place of stale data.

CI installs Chromium (.ci/run); there, a missing browser fails the test rather than skipping it.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.async_api import Browser, Page, async_playwright, expect

from exchange.clock import days_to_us, now_us
from exchange.members.service import create_member
from exchange.operations import sweeps
from exchange.registry.admin_tokens import create_token
from exchange.settlement.periods import Period, label_of, period
from exchange.settlement.service import close_settlement, run_settlement
from tests.serving import free_port, wait_ready
from tests.settlement.factories import at, begin, earn, partner, redeem

ZONE = "UTC"
IN_CI = bool(os.environ.get("CI") or os.environ.get("EXCHANGE_CI_POSTGRES_URL"))
# An amount on the page: a decimal number, which must be followed by its currency code.
_DECIMAL = re.compile(r"-?\d+\.\d+(?![\d.])( [A-Z]{3}\b)?")


def _chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found:
        return found
    message = "Debian's chromium is not installed (apt-get install chromium)"
    if IN_CI:
        pytest.fail(message)  # CI installs it: a missing browser there is a broken CI
    pytest.skip(message)


@dataclass(frozen=True)
class Months:
    """The four months the page charts, oldest first: the first settlement month (closed), the
    next (run, open), then two never run (the last is the current month)."""

    closed: Period
    open: Period
    later: Period
    current: Period

    @property
    def labels(self) -> list[str]:
        return [self.closed.label, self.open.label, self.later.label, self.current.label]


def _months() -> Months:
    current = period(label_of(now_us(), ZONE), ZONE)
    later = current.previous(ZONE)
    opened = later.previous(ZONE)
    return Months(opened.previous(ZONE), opened, later, current)


def _day(month: Period, day: int) -> int:
    return month.start_at + days_to_us(day - 1) + 12 * 3_600_000_000


async def _seed(months: Months) -> None:
    """Grocer (EUR, issues at 0.010) and air (USD, at 0.5). A member earns 1000 at grocer and
    200 at air in the first month; in the next, 50 grocer points earned that month expire and
    300 are burned at air (from the grocer lot). The first month is closed, the next run."""
    grocer = await partner("grocer", (at(1, 1, year=2020), "0.010", "0.008"))
    air = await partner("air", (at(1, 1, year=2020), "0.5", "0.4"), currency="USD")
    member = await create_member()
    await earn(member.id, grocer.id, 1000, _day(months.closed, 5))
    await earn(member.id, air.id, 200, _day(months.closed, 6))
    await earn(member.id, grocer.id, 50, _day(months.open, 1), lifetime_days=5)
    await sweeps.run_sweeps(_day(months.open, 15))
    await redeem(member.id, air.id, 300, _day(months.open, 20))
    await begin(months.closed.label)
    await close_settlement(months.closed.label, "admin:ada", ZONE)
    await run_settlement(months.open.label, "admin:bob", ZONE)


@pytest.fixture
def server(db: str, tmp_path: Path) -> Iterator[str]:
    """`exchange serve` on loopback, on the test's database."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = {**os.environ, "EXCHANGE_DATABASE_URL": db, "EXCHANGE_PUBLIC_URL": url,
           "EXCHANGE_LOG_LEVEL": "WARNING", "EXCHANGE_PROGRAM_TIMEZONE": ZONE}
    log = (tmp_path / "server.log").open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "exchange.cli", "serve", "--port", str(port)],
        env=env, stdout=log, stderr=log)
    try:
        wait_ready(f"{url}/readyz")
        yield url
    finally:
        process.terminate()
        process.wait(timeout=30)
        log.close()


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    executable = _chromium()
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(
            executable_path=executable, args=["--no-sandbox"])  # CI runs as root
        try:
            yield launched
        finally:
            await launched.close()


async def _show(page: Page, token: str, period: str = "", months: int = 4) -> None:
    await page.fill("#token", token)
    await page.fill("#period", period)
    await page.fill("#months", str(months))
    await page.click("#ask button")
    # A locator, not wait_for_function: the page's CSP (rightly) forbids the eval that needs.
    await expect(page.locator("#status")).not_to_have_text(re.compile("^Asking"))


async def _texts(page: Page, selector: str) -> list[str]:
    return [t.strip() for t in await page.locator(selector).all_text_contents()]


async def _bar_labels(page: Page, svg: str) -> list[str]:
    return await _texts(page, f"{svg} text.value")


async def test_the_page_shows_periods_currencies_and_charts_and_clears_what_failed(
    server: str, browser: Browser, tmp_path: Path,
) -> None:
    # given a closed and an open period, and an admin's token
    months = _months()
    await _seed(months)
    token, _ = await create_token("Ada Ops", 1)
    page = await browser.new_page()
    await page.goto(f"{server}/admin")
    # when the admin enters the token (no period: the page picks the latest one run)
    await _show(page, token)
    # then every month from the first settlement month is listed with its state
    rows = page.locator("#periods tr[data-period]")
    assert [await r.get_attribute("data-period") for r in await rows.all()] == months.labels
    assert await _texts(page, "#periods td.status") == ["closed", "open", "never run",
                                                        "never run"]
    assert "by admin:ada" in (await rows.nth(0).text_content() or "")
    # and the open period's statements are shown, every amount with its currency
    assert await page.input_value("#period") == months.open.label
    statement_rows = await _texts(page, "#statements tr")
    assert any(re.search(r"burned.*300.*0\.4 USD.*120\.00 USD", r) for r in statement_rows)
    for selector in ("#statements td, #statements th", "#operator td", "#matrix td",
                     "svg text.value"):
        for each in await _texts(page, selector):
            for amount in _DECIMAL.finditer(each):
                assert amount.group(1), f"{selector}: {each!r} has an amount without currency"
    assert await _texts(page, "#operator td") and await _texts(page, "#matrix td")
    # and the liability chart has a bar per month, labelled with the exact points and values
    for svg in ("#liability-points", "#breakage-points"):
        assert await page.locator(f"{svg} rect.bar").count() == 4
    assert await _bar_labels(page, "#liability-points") == [
        "1200 pts", "900 pts", "900 pts", "900 pts"]
    assert await _bar_labels(page, "#liability-values svg[data-currency=EUR]") == [
        "10.000 EUR", "7.000 EUR", "7.000 EUR", "7.000 EUR"]
    assert await _bar_labels(page, "#liability-values svg[data-currency=USD]") == [
        "100.0 USD"] * 4
    # and breakage by month: the 50 points that expired in the open month
    assert await _bar_labels(page, "#breakage-points") == ["0 pts", "50 pts", "0 pts", "0 pts"]
    assert await _bar_labels(page, "#breakage-values svg[data-currency=EUR]") == [
        "0 EUR", "0.500 EUR", "0 EUR", "0 EUR"]
    await page.screenshot(path=str(tmp_path / "admin.png"), full_page=True)

    # when the admin asks for a period that does not exist
    await _show(page, token, period="2026-13")
    # then the previous period's tables are gone and the error stands in their place
    for table in ("#statements", "#operator", "#matrix"):
        assert "120.00 USD" not in " ".join(await _texts(page, f"{table} td"))
        assert "INVALID_PERIOD" in " ".join(await _texts(page, f"{table} td.error"))
    assert await page.locator("#nets rect").count() == 0
    assert "INVALID_PERIOD" in (await page.text_content("#nets") or "")
    # and the overview, which did not fail, is still drawn
    assert await page.locator("#liability-points rect.bar").count() == 4

    # when the admin asks for more months than the exchange charts
    await _show(page, token, period=months.open.label, months=40)
    # then the charts give way to the refusal, and the period's tables are drawn again
    for chart in ("#liability-points", "#breakage-points"):
        assert await page.locator(f"{chart} rect").count() == 0
        assert "LIMIT_EXCEEDED" in (await page.text_content(chart) or "")
    assert "120.00 USD" in " ".join(await _texts(page, "#statements td"))

    # when the token is wrong
    await _show(page, "adm_not-a-real-token", period=months.open.label)
    # then no earlier data is left anywhere: every section shows the refusal
    assert await page.locator("svg rect").count() == 0
    assert await page.locator("#periods tr[data-period]").count() == 0
    for section in ("#periods", "#offers", "#statements", "#operator", "#matrix"):
        assert "TOKEN_INVALID" in (await page.text_content(section) or ""), section
    for chart in ("#liability-points", "#breakage-points", "#nets"):
        assert "TOKEN_INVALID" in (await page.text_content(chart) or ""), chart
    assert await page.locator("#liability-values svg, #breakage-values svg").count() == 0
    await page.close()
