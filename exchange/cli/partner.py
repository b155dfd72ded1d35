"""`exchange partner ...`: onboard partners, their dated rates, activities and signing keys."""

from __future__ import annotations

import argparse
import os
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from exchange.cli.settle import operator_name
from exchange.cli.support import console, database_command
from exchange.config import Settings


def _decimal(text: str) -> Decimal:
    from exchange.money import MoneyError, parse_decimal

    try:
        return parse_decimal(text)
    except MoneyError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def _multiplier(text: str) -> tuple[str, Decimal]:
    category, _, value = text.partition("=")
    if not category or not value:
        raise argparse.ArgumentTypeError("expected CATEGORY=MULTIPLIER, e.g. fuel=2")
    return category, _decimal(value)


def _moment(text: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError("expected an ISO 8601 date or time") from None
    if moment.tzinfo is None:
        from zoneinfo import ZoneInfo

        from exchange.config import load_settings

        moment = moment.replace(tzinfo=ZoneInfo(load_settings().program_timezone))
    return moment


def add_parsers(sub: Any) -> None:
    partner = sub.add_parser("partner", help="partners, rates, activities and keys")
    psub = partner.add_subparsers(dest="partner_command", required=True)
    add = psub.add_parser("add", help="onboard a partner")
    add.add_argument("code")
    add.add_argument("--name", required=True)
    add.add_argument("--return-window-days", type=int, default=14)
    add.add_argument("--currency", default="EUR", help="settlement currency")
    add.set_defaults(run=database_command(cmd_add))
    psub.add_parser("list", help="list partners").set_defaults(run=database_command(cmd_list))
    rates = psub.add_parser("rates", help="dated rates").add_subparsers(dest="rates_command",
                                                                       required=True)
    rate_set = rates.add_parser("set", help="add a rate in force from a date")
    rate_set.add_argument("code")
    rate_set.add_argument("--from", dest="valid_from", type=_moment, required=True,
                          help="ISO date or time; a bare date is in the program's time zone")
    rate_set.add_argument("--currency", default="EUR", help="purchase currency")
    rate_set.add_argument("--earn-rate", type=_decimal, required=True, help="points per unit")
    rate_set.add_argument("--multiplier", type=_multiplier, action="append", default=[],
                          help="CATEGORY=MULTIPLIER, repeatable")
    rate_set.add_argument("--issue-price", type=_decimal, required=True)
    rate_set.add_argument("--redemption-price", type=_decimal, required=True)
    rate_set.add_argument("--backdate", action="store_true",
                          help="allow replacing a rate from a moment already past (never into "
                               "a closed settlement month)")
    rate_set.set_defaults(run=database_command(cmd_rate_set))
    rate_list = rates.add_parser("list", help="every rate of a partner, with all its prices")
    rate_list.add_argument("code")
    rate_list.set_defaults(run=database_command(cmd_rate_list))
    activity = psub.add_parser("activity", help="rewarded activities").add_subparsers(
        dest="activity_command", required=True)
    act_set = activity.add_parser("set", help="reward an activity (e.g. review) with points")
    act_set.add_argument("code")
    act_set.add_argument("kind")
    act_set.add_argument("--points", type=int, required=True)
    act_set.add_argument("--daily-count-max", type=int, default=1)
    act_set.set_defaults(run=database_command(cmd_activity_set))
    _add_key_parsers(psub)


def _add_key_parsers(psub: Any) -> None:
    key = psub.add_parser("key", help="signing keys").add_subparsers(dest="key_command",
                                                                      required=True)
    key_add = key.add_parser("add", help="register a public key, or generate a key pair")
    key_add.add_argument("code")
    source = key_add.add_mutually_exclusive_group(required=True)
    source.add_argument("--public-key", type=Path, help="PEM (SPKI) or JWK file")
    source.add_argument("--generate", action="store_true",
                        help="generate an Ed25519 pair; the private key goes to --out")
    key_add.add_argument("--out", type=Path, help="where --generate writes the private key")
    key_add.add_argument("--key-id", help="default: <code>/<yyyy-mm>")
    key_add.set_defaults(run=database_command(cmd_key_add))
    revoke = key.add_parser("revoke", help="revoke a key, effective at once")
    revoke.add_argument("key_id")
    revoke.set_defaults(run=database_command(cmd_key_revoke))



async def cmd_add(args: argparse.Namespace, _: Settings) -> int:
    from exchange.registry.partners import create_partner

    partner = await create_partner(args.code, args.name, return_window_days=args.return_window_days,
                                   settlement_currency=args.currency)
    console.print(f"Added partner {partner.code} ({partner.name}).")
    return 0


async def cmd_list(_: argparse.Namespace, __: Settings) -> int:
    from exchange.registry.partners import list_partners
    from exchange.registry.views import partner_profile

    table = Table("code", "name", "status", "return window", "currency", "active keys")
    for partner in await list_partners():
        profile = await partner_profile(partner.id)
        table.add_row(partner.code, partner.name, partner.status,
                      f"{partner.return_window_days} d", partner.settlement_currency,
                      ", ".join(profile.active_key_ids) or "-")
    Console().print(table)
    return 0


async def cmd_rate_set(args: argparse.Namespace, settings: Settings) -> int:
    from exchange.clock import now_us, to_us
    from exchange.operations.rates import set_rate
    from exchange.registry.partners import get_partner
    from exchange.registry.rates import Rate

    partner = await get_partner(args.code)
    done = await set_rate(Rate(
        partner_id=partner.id, purchase_currency=args.currency,
        valid_from=to_us(args.valid_from), earn_rate=args.earn_rate,
        issue_price=args.issue_price, redemption_price=args.redemption_price,
        category_multipliers=dict(args.multiplier),
    ), backdate=args.backdate, now=now_us(), timezone=settings.program_timezone,
       set_by=operator_name())
    rate = done.rate
    multipliers = ", ".join(f"{c} x{m}" for c, m in sorted(rate.category_multipliers.items()))
    console.print(
        f"{partner.code} from {args.valid_from.isoformat()}: {rate.earn_rate} points per "
        f"{rate.purchase_currency}{f' ({multipliers})' if multipliers else ''}; issue price "
        f"{rate.issue_price}, redemption price {rate.redemption_price} "
        f"{partner.settlement_currency} per point.")
    if rate.purchase_currency != partner.settlement_currency:
        console.print(f"Only the {partner.settlement_currency} rate's prices are charged: "
                      f"{partner.code} settles in {partner.settlement_currency}.")
    if done.is_backdated:
        console.print("[bold]Backdated:[/] it applies to points dated from then on that are "
                      "recorded from now (e.g. late purchases); points already moved keep the "
                      "price they were charged.")
    return 0


async def cmd_rate_list(args: argparse.Namespace, settings: Settings) -> int:
    from exchange.clock import from_us
    from exchange.registry.partners import get_partner
    from exchange.registry.rates import list_rates

    partner = await get_partner(args.code)
    found = await list_rates(partner.id)
    zone = _zone(settings)
    table = Table("currency", "valid from", "valid until", "earn rate", "multipliers",
                  f"issue price ({partner.settlement_currency})",
                  f"redemption price ({partner.settlement_currency})",
                  title=f"Rates of {partner.code} (prices charged: its "
                        f"{partner.settlement_currency} rates)")
    for rate, following in zip(found, [*found[1:], None], strict=True):
        until = (from_us(following.valid_from).astimezone(zone).isoformat()
                 if following and following.purchase_currency == rate.purchase_currency else "-")
        table.add_row(rate.purchase_currency, from_us(rate.valid_from).astimezone(zone).isoformat(),
                      until, str(rate.earn_rate),
                      ", ".join(f"{c}={m}" for c, m in sorted(rate.category_multipliers.items()))
                      or "-", str(rate.issue_price), str(rate.redemption_price))
    Console().print(table)
    return 0


def _zone(settings: Settings) -> Any:
    from zoneinfo import ZoneInfo

    return ZoneInfo(settings.program_timezone)


async def cmd_activity_set(args: argparse.Namespace, _: Settings) -> int:
    from exchange.registry.activities import Activity, set_activity
    from exchange.registry.partners import get_partner

    partner = await get_partner(args.code)
    await set_activity(Activity(partner.id, args.kind, args.points, args.daily_count_max))
    console.print(f"{partner.code}: {args.kind} earns {args.points} points, "
                  f"at most {args.daily_count_max} a day.")
    return 0


async def cmd_key_add(args: argparse.Namespace, _: Settings) -> int:
    from exchange.registry.keys import add_key, default_key_id
    from exchange.registry.partners import get_partner

    partner = await get_partner(args.code)
    key_id = args.key_id or default_key_id(partner.code)
    if args.generate:
        if args.out is None:
            console.print("[bold red]error:[/] --generate needs --out PATH for the private key")
            return 2
        public = write_new_private_key(args.out)
    else:
        public = read_public_key(args.public_key)
    key = await add_key(partner.id, key_id, "ed25519", public)
    print(key.key_id)
    if args.generate:
        console.print(f"Private key written to {args.out} (readable by you only).")
    return 0


def write_new_private_key(path: Path) -> bytes:
    """Generate an Ed25519 pair; write the private PEM readable by its owner only."""
    from partners.keys import generate_private_key, private_key_to_pem, public_key_bytes

    private = generate_private_key()
    # O_EXCL: never overwrite a key someone may rely on; 0o600 from the first byte on.
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(private_key_to_pem(private))
    return public_key_bytes(private.public_key())


def read_public_key(path: Path) -> bytes:
    import json

    from partners.keys import public_key_bytes, public_key_from_jwk, public_key_from_pem

    text = path.read_text()
    if text.lstrip().startswith("{"):
        return public_key_bytes(public_key_from_jwk(json.loads(text)))
    return public_key_bytes(public_key_from_pem(text))


async def cmd_key_revoke(args: argparse.Namespace, _: Settings) -> int:
    from exchange.registry.keys import revoke_key

    key = await revoke_key(args.key_id)
    console.print(f"Revoked {key.key_id}; requests signed with it are refused from now on.")
    return 0
