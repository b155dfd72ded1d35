"""`exchange offers ...`: evaluate the ranker offline on a purchase history, generate one.

Neither command touches the database: both work on CSV files of purchases.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, Progress, TaskID, TextColumn, TimeElapsedColumn
from rich.table import Table

from exchange.cli.support import console, database_command
from exchange.clock import to_us
from exchange.config import Settings

if TYPE_CHECKING:
    from exchange.offers.evaluation import Evaluation, Metrics

# Generated histories span a fixed year, so a seed gives the same file on every run.
generate_start_at = datetime(2025, 1, 1, tzinfo=UTC)
generate_end_at = datetime(2026, 1, 1, tzinfo=UTC)


def add_parsers(sub: Any) -> None:
    osub = offers_subparsers(sub)
    evaluate = osub.add_parser("evaluate", help="HR@k and NDCG@k of the ranker vs popularity, "
                                                "holding out each member's last purchase")
    evaluate.add_argument("--purchases", type=Path, required=True,
                          help="CSV: member_id,partner,category,item,amount,occurred_at")
    evaluate.add_argument("--json", action="store_true", help="print the result as JSON")
    evaluate.add_argument("--k", type=_positive, default=10, help="the cut-off (default: 10)")
    evaluate.set_defaults(run=cmd_evaluate)
    generate = osub.add_parser("generate", help="write a synthetic purchase history (CSV)")
    generate.add_argument("--members", type=_positive, required=True)
    generate.add_argument("--items", type=_positive, required=True)
    generate.add_argument("--seed", type=int, default=0)
    generate.add_argument("--out", type=Path, help="file to write (default: standard output)")
    generate.set_defaults(run=cmd_generate)
    train = osub.add_parser("train", help="train the ranking model from the purchase history "
                                          "and store it as the next version")
    train.set_defaults(run=database_command(cmd_train))
    models = osub.add_parser("models", help="the stored ranking model versions, newest first")
    models.set_defaults(run=database_command(cmd_models))


async def cmd_models(_: argparse.Namespace, __: Settings) -> int:
    from exchange.clock import from_us
    from exchange.offers.training import list_models

    table = Table("version", "trained at (UTC)", "members", "purchase lines", "tokens",
                  "training s", title="Ranking models (the newest serves requests)")
    for info in await list_models():
        table.add_row(str(info.version), from_us(info.trained_at).strftime("%Y-%m-%d %H:%M"),
                      str(info.member_count), str(info.event_count), str(info.token_count),
                      f"{info.training_seconds:.2f}")
    Console().print(table)
    return 0


async def cmd_train(_: argparse.Namespace, __: Settings) -> int:
    from exchange.offers.training import train_and_store

    with Progress(TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn(),
                  console=console) as progress:
        tasks: dict[str, TaskID] = {}

        def report(stage: str, done: int, total: int) -> None:
            if stage not in tasks:
                tasks[stage] = progress.add_task(stage, total=max(total, 1))
            progress.update(tasks[stage], completed=done, total=max(total, 1))

        info = await train_and_store(report)
    console.print(
        f"Model version {info.version}: {info.member_count} members, {info.event_count} "
        f"purchase lines, {info.token_count} tokens, trained in {info.training_seconds:.2f} s."
    )
    return 0


def offers_subparsers(sub: Any) -> Any:
    offers = sub.add_parser("offers", help="offer ranking: training, offline evaluation, "
                                              "synthetic data")
    return offers.add_subparsers(dest="offers_command", required=True)


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def cmd_evaluate(args: argparse.Namespace, _: Settings) -> int:
    from exchange.offers.evaluation import evaluate
    from exchange.offers.history import HistoryError, read_purchases_csv

    with Progress(TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn(),
                  console=console, transient=True) as progress:
        task = progress.add_task(f"reading {args.purchases}", total=None)
        try:
            events = read_purchases_csv(args.purchases)
        except HistoryError as error:
            return _fail(f"{args.purchases} {error}")
        except OSError as error:
            return _fail(f"{args.purchases}: {error.strerror or error}")
        result = evaluate(events, k=args.k, on_progress=_stage_reporter(progress, task))
    if args.json:
        sys.stdout.write(json.dumps(_as_json(result, args.k)) + "\n")
    else:
        Console().print(_table(result, args.k))
    return 0


def _stage_reporter(progress: Progress, task: TaskID) -> Callable[[str, int, int], None]:
    def report(stage: str, done: int, total: int) -> None:
        progress.update(task, description=stage, completed=done, total=total)

    return report


def _as_json(result: Evaluation, k: int) -> dict[str, Any]:
    def metrics(m: Metrics) -> dict[str, float]:
        return {f"hr@{k}": m.hr, f"ndcg@{k}": m.ndcg}

    return {"ranker": metrics(result.ranker), "popularity": metrics(result.popularity),
            "members": result.members, "items": result.items}


def _table(result: Evaluation, k: int) -> Table:
    table = Table("ranker", f"HR@{k}", f"NDCG@{k}", title="Last purchase held out",
                  caption=f"{result.members} members evaluated, {result.items} items")
    for name, metrics in (("project ranker", result.ranker), ("popularity", result.popularity)):
        table.add_row(name, f"{metrics.hr:.4f}", f"{metrics.ndcg:.4f}")
    return table


def cmd_generate(args: argparse.Namespace, _: Settings) -> int:
    from exchange.offers.synthetic import generate_purchases, write_purchases, write_purchases_csv

    events = generate_purchases(members=args.members, items=args.items, seed=args.seed,
                                start_us=to_us(generate_start_at), end_us=to_us(generate_end_at))
    if args.out is None:
        write_purchases(events, sys.stdout)
    else:
        write_purchases_csv(events, args.out)
        console.print(f"Wrote {len(events)} purchases by {args.members} members to {args.out}.")
    return 0


def _fail(message: str) -> int:
    console.print(f"[bold red]error:[/] {escape(message)}", soft_wrap=True)
    return 2
