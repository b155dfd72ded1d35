"""A small demo coalition: partners, members and a few months of history, all through the ledger.

Seeding goes through the same service functions partners call, so the demo data obeys every
ledger rule (lots, pending windows, holds, refunds) and a new user sees a realistic exchange.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from exchange.callers import Caller
from exchange.cli.partner import write_new_private_key
from exchange.clock import days_to_us, now_us
from exchange.config import load_settings
from exchange.errors import DomainError
from exchange.ledger.earning import PurchaseEarn
from exchange.ledger.refunds import PurchaseRefund
from exchange.members.service import Enrolment, MemberRecord, enrol
from exchange.offers.at_purchase import HistoryLine, PurchaseContext
from exchange.offers.eligibility import EarnLine
from exchange.offers.spec import OfferSpec, Segment, Targeting
from exchange.offers.store import create_offer
from exchange.offers.training import train_and_store
from exchange.operations import postings, sweeps
from exchange.registry.activities import Activity, set_activity
from exchange.registry.keys import add_key, default_key_id
from exchange.registry.partners import PartnerRecord, create_partner
from exchange.registry.rates import Rate, set_rate
from exchange.settlement.periods import label_of
from exchange.settlement.service import begin_settlement

DEMO_PARTNERS = (
    ("grocer", "Green Grocer", 14, 1),  # code, name, return window days, points per EUR
    ("fuel", "Fuel Stop", 0, 2),
    ("air", "Blue Air", 30, 5),
    ("books", "Book Nook", 14, 3),
)
ISSUE_PRICE = Decimal("0.010")  # EUR a partner pays per point it issues
REDEMPTION_PRICE = Decimal("0.008")  # EUR the exchange pays per point burned at a partner
# What each partner sells: (sku, category). Members lean to one shelf each, so the ranking
# has something to learn.
DEMO_SHELVES = {
    "grocer": (("espresso", "coffee"), ("croissant", "bakery"), ("apples", "fresh")),
    "fuel": (("diesel", "fuel"), ("car-wash", "car"), ("espresso", "coffee")),
    "air": (("seat", "flights"), ("bag", "baggage")),
    "books": (("novel", "fiction"), ("atlas", "travel")),
}
DEMO_OFFERS = (  # funder, title, kind, amount (points or percent), targeted categories
    ("grocer", "Double points on coffee", "multiplier", 100, ("coffee",)),
    ("grocer", "50 bonus points on fresh food", "bonus_points", 50, ("fresh",)),
    ("fuel", "100 points on a car wash", "bonus_points", 100, ("car",)),
    ("air", "Triple points on flights", "multiplier", 200, ("flights",)),
    ("books", "20% off rewards at Book Nook", "reward_discount", 20, ()),
    ("books", "Travel books: 30 bonus points", "bonus_points", 30, ("travel",)),
)
MEMBER_COUNT = 12
HISTORY_DAYS = 120


@dataclass(frozen=True, slots=True)
class DemoCoalition:
    partners: list[PartnerRecord]
    members: list[MemberRecord]
    purchases: int
    redemptions: int
    key_files: dict[str, tuple[str, Path]]  # partner code -> (key id, private key file)


async def seed_demo(
    key_directory: Path, timezone: str, seed: int = 7, on_step: Callable[[], None] | None = None
) -> DemoCoalition:
    rng = random.Random(seed)
    start = now_us() - days_to_us(HISTORY_DAYS)
    partners = [await _partner(code, name, window, rate, start)
                for code, name, window, rate in DEMO_PARTNERS]
    key_files = {p.code: await _key(p, key_directory) for p in partners}
    members = [await _member(rng, partners) for _ in range(MEMBER_COUNT)]
    purchases = redemptions = 0
    for day in range(HISTORY_DAYS):
        at = start + days_to_us(day)
        for member in rng.sample(members, k=3):
            index = rng.randrange(len(partners))
            purchases += await _purchase(rng, member, partners[index], index, at)
            if rng.random() < 0.25:
                redemptions += await _redeem(rng, member, rng.choice(partners), at)
        if on_step:
            on_step()
    await sweeps.run_sweeps(now_us())  # bring the history up to today
    # The coalition settles from the month its history starts in.
    await begin_settlement(label_of(start, timezone), "admin:demo", timezone)
    await _offers(partners)
    await train_and_store()
    return DemoCoalition(partners, members, purchases, redemptions, key_files)


async def _offers(partners: list[PartnerRecord]) -> None:
    """Offers from today on: the past stays as it was recorded."""
    by_code = {p.code: p for p in partners}
    now = now_us()
    for code, title, kind, amount, categories in DEMO_OFFERS:
        is_points = kind == "bonus_points"
        await create_offer(by_code[code].id, OfferSpec(
            title=title, kind=kind, starts_at=now, ends_at=now + days_to_us(60),
            budget_points=50_000, bonus_points=amount if is_points else 0,
            percent=0 if is_points else amount, per_member_uses_max=5,
            targeting=Targeting(categories=categories), segment=Segment(),
            requires_activation=kind != "bonus_points",
        ), "admin:demo")


async def _partner(code: str, name: str, window: int, rate: int, since: int) -> PartnerRecord:
    partner = await create_partner(code, name, return_window_days=window)
    await set_rate(Rate(
        partner_id=partner.id, purchase_currency="EUR", valid_from=since,
        earn_rate=Decimal(rate), issue_price=ISSUE_PRICE, redemption_price=REDEMPTION_PRICE,
        category_multipliers={"fresh": Decimal(2)} if code == "grocer" else {},
    ))
    await set_activity(Activity(partner.id, "review", 25, 1))
    return partner


async def _key(partner: PartnerRecord, directory: Path) -> tuple[str, Path]:
    """A signing key pair per demo partner; the private key lands in `directory`."""
    path, public = _new_key_file(directory, partner.code)
    key = await add_key(partner.id, default_key_id(partner.code), "ed25519", public)
    return key.key_id, path


def _new_key_file(directory: Path, code: str) -> tuple[Path, bytes]:
    directory.mkdir(mode=0o700, exist_ok=True)
    path = directory / f"{code}.pem"
    path.unlink(missing_ok=True)  # the demo's keys are recreated with its database
    return path, write_new_private_key(path)


async def _member(rng: random.Random, partners: list[PartnerRecord]) -> MemberRecord:
    """A member enrolled at one partner who has shown the card at all the others."""
    first, *others = rng.sample(partners, k=len(partners))
    enrolled = await enrol(Enrolment(partner_id=first.id, customer_ref=f"demo-{rng.random()}"))
    for partner in others:
        await enrol(Enrolment(partner_id=partner.id, card_number=enrolled.member.card_number))
    return enrolled.member


async def _purchase(
    rng: random.Random, member: MemberRecord, partner: PartnerRecord, index: int, at: int
) -> int:
    amount_minor = rng.randrange(500, 12_000)
    points = amount_minor // 100 * DEMO_PARTNERS[index][3]
    order_id = f"demo-{partner.code}-{at}-{member.id}"
    caller = Caller.partner(partner.id, partner.code).label
    shelf = DEMO_SHELVES[partner.code]
    sku, category = shelf[member.id % len(shelf)] if rng.random() < 0.7 else rng.choice(shelf)
    history = PurchaseContext(
        partner.id, partner.code, "EUR", at,
        (EarnLine(f"{partner.code}/{sku}", category, Decimal(points)),),
        (HistoryLine(sku, category, amount_minor),))
    await postings.import_purchase(PurchaseEarn(
        member_id=member.id, partner_id=partner.id, order_id=order_id, currency="EUR",
        amount_minor=amount_minor, points=points, occurred_at=at,
        available_at=at + days_to_us(partner.return_window_days),
        expires_at=at + days_to_us(load_settings().points_lifetime_days),
    ), history, caller=caller)
    if rng.random() < 0.08:  # now and then a customer returns half of it
        await postings.refund_purchase(
            PurchaseRefund(partner.id, order_id, "EUR", amount_minor // 2),
            caller=caller, idempotency_key=f"{order_id}-refund", now_us=at + days_to_us(1),
        )
    return 1


async def _redeem(rng: random.Random, member: MemberRecord, partner: PartnerRecord, at: int) -> int:
    try:
        await postings.redeem_points(
            member.id, partner.id, rng.randrange(50, 400),
            caller=Caller.partner(partner.id, partner.code).label,
            idempotency_key=f"demo-redeem-{member.id}-{at}", now_us=at + 1,
        )
    except DomainError:
        return 0  # not enough points yet: a real till would say so too
    return 1
