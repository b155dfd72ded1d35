"""Benchmark: offer ranking on synthetic histories (exchange/offers/synthetic.py).

Run on demand (not part of the test suite):

    python tests/perf/bench_ranking.py                     # the full sizes below
    python tests/perf/bench_ranking.py --members 10000 --request-items 2000 --eval-rows 20000

(a) training: `train_model` on --members members x --purchases-per-member purchases over --items
    items; wall time and the process's peak RSS so far (ru_maxrss).
(b) requests: a model over --request-items items (about as many tokens), --candidates offers
    of 1-3 tokens each (items, categories, partners), then for --requests random members the
    time of member_profile + score_candidates + select(first=10); p50 and p99. Each request's
    history joins --histories-per-request (3) members' purchases: profiles of about 45 tokens.
(c) evaluation: `evaluate` on an --eval-rows row CSV over --eval-items items, written to a
    temporary directory and read back through read_purchases_csv; times and HR/NDCG@10.
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
from rich.console import Console
from rich.progress import Progress, TaskID
from rich.table import Table

from exchange.clock import to_us
from exchange.offers.evaluation import evaluate
from exchange.offers.history import PurchaseEvent, read_purchases_csv
from exchange.offers.model import RankingModel, train_model
from exchange.offers.ranking import candidate_set, member_profile, score_candidates, select
from exchange.offers.synthetic import generate_purchases, write_purchases_csv

START_US = to_us(datetime(2025, 1, 1, tzinfo=UTC))
END_US = to_us(datetime(2026, 1, 1, tzinfo=UTC))
console = Console(stderr=True)


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def _generate(members: int, items: int, per_member: float, seed: int) -> list[PurchaseEvent]:
    return generate_purchases(members=members, items=items, purchases_per_member=per_member,
                              seed=seed, start_us=START_US, end_us=END_US)


def _train(events: list[PurchaseEvent], progress: Progress, label: str) -> RankingModel:
    task = progress.add_task(label, total=None)
    model = train_model(events, now_us=END_US, on_progress=lambda done, total: progress.update(
        task, completed=done, total=total))
    progress.update(task, visible=False)
    return model


def bench_training(args: argparse.Namespace, progress: Progress) -> dict[str, str]:
    events = _generate(args.members, args.items, args.purchases_per_member, args.seed)
    started = time.perf_counter()
    model = _train(events, progress, "training")
    seconds = time.perf_counter() - started
    return {"events": f"{len(events):,}", "tokens": f"{len(model.tokens):,}",
            "neighbour entries": f"{int(model.indptr[-1]):,}",
            "train_model seconds": f"{seconds:.2f}", "peak RSS MB": f"{_peak_rss_mb():.0f}"}


def _offers(model: RankingModel, count: int, rng: np.random.Generator,
            ) -> tuple[list[list[str]], list[str]]:
    tokens = np.array(model.tokens)
    partners = [t for t in model.tokens if t.startswith("p:")]
    targets = [rng.choice(tokens, size=int(rng.integers(1, 4)), replace=False).tolist()
               for _ in range(count)]
    return targets, [str(rng.choice(partners)) for _ in range(count)]


def bench_requests(args: argparse.Namespace, progress: Progress) -> dict[str, str]:
    events = _generate(args.members, args.request_items, args.purchases_per_member, args.seed)
    model = _train(events, progress, "training the request model")
    by_member: dict[str, list[PurchaseEvent]] = defaultdict(list)
    for event in events:
        by_member[event.member_key].append(event)
    keys = list(by_member)
    rng = np.random.default_rng(args.seed)
    targets, groups = _offers(model, args.candidates, rng)
    candidates = candidate_set(targets, model)
    timings, sizes = [], []
    task = progress.add_task("requests", total=args.requests)
    for _ in range(args.requests):
        chosen = rng.choice(len(keys), size=args.histories_per_request, replace=False)
        history = [e for k in chosen for e in by_member[keys[k]]]
        started = time.perf_counter()
        profile = member_profile(history, now_us=END_US)
        scores, reasons = score_candidates(candidates, profile, model)
        select(scores, reasons, groups, 10)
        timings.append(time.perf_counter() - started)
        sizes.append(len(profile.weights))
        progress.advance(task)
    ms = np.array(timings) * 1000
    return {"model tokens": f"{len(model.tokens):,}", "candidates": f"{candidates.count:,}",
            "profile tokens (mean)": f"{np.mean(sizes):.1f}",
            "request p50 ms": f"{np.percentile(ms, 50):.3f}",
            "request p99 ms": f"{np.percentile(ms, 99):.3f}"}


def bench_evaluation(args: argparse.Namespace, progress: Progress) -> dict[str, str]:
    members = max(1, round(args.eval_rows / args.purchases_per_member))
    events = _generate(members, args.eval_items, args.purchases_per_member, args.seed)
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "purchases.csv"
        write_purchases_csv(events, path)
        started = time.perf_counter()
        events = read_purchases_csv(path)
    read_seconds = time.perf_counter() - started
    task = progress.add_task("evaluating", total=None)
    result = evaluate(events, on_progress=_stage_progress(progress, task))
    total_seconds = time.perf_counter() - started
    return {"rows": f"{len(events):,}", "items": f"{result.items:,}",
            "members evaluated": f"{result.members:,}", "read seconds": f"{read_seconds:.2f}",
            "read + evaluate seconds": f"{total_seconds:.2f}",
            "ranker HR@10 / NDCG@10": f"{result.ranker.hr:.4f} / {result.ranker.ndcg:.4f}",
            "popularity HR@10 / NDCG@10":
                f"{result.popularity.hr:.4f} / {result.popularity.ndcg:.4f}"}


def _stage_progress(progress: Progress, task: TaskID) -> Callable[[str, int, int], None]:
    def report(stage: str, done: int, total: int) -> None:
        progress.update(task, description=stage, completed=done, total=total)

    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--members", type=int, default=100_000)
    parser.add_argument("--items", type=int, default=10_000)
    parser.add_argument("--purchases-per-member", type=float, default=10.0)
    parser.add_argument("--request-items", type=int, default=20_000)
    parser.add_argument("--candidates", type=int, default=5_000)
    parser.add_argument("--requests", type=int, default=1_000)
    parser.add_argument("--histories-per-request", type=int, default=3)
    parser.add_argument("--eval-rows", type=int, default=100_000)
    parser.add_argument("--eval-items", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--only", choices=("train", "requests", "evaluate"))
    args = parser.parse_args()
    benches = {"train": bench_training, "requests": bench_requests,
               "evaluate": bench_evaluation}
    table = Table("benchmark", "measure", "value", title="Offer ranking")
    with Progress(console=console, transient=True) as progress:
        for name, bench in benches.items():
            if args.only in (None, name):
                for measure, value in bench(args, progress).items():
                    table.add_row(name, measure, value)
    Console().print(table)


if __name__ == "__main__":
    main()
