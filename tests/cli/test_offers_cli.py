"""`exchange offers generate|evaluate` as an operator meets them: no database involved."""

from __future__ import annotations

import json
from pathlib import Path

from tests.cli.test_cli import run_cli


def test_generate_then_evaluate_as_json(tmp_path: Path) -> None:
    # given a generated history
    path = tmp_path / "purchases.csv"
    generated = run_cli("offers", "generate", "--members", "400", "--items", "150", "--seed",
                        "3", "--out", str(path))
    assert generated.returncode == 0, generated.stderr
    assert path.read_text().startswith("member_id,partner,category,item,amount,occurred_at\n")
    # when it is evaluated with --json
    result = run_cli("offers", "evaluate", "--purchases", str(path), "--json")
    # then stdout is exactly the JSON document, and the ranker is ahead
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    assert list(document) == ["ranker", "popularity", "members", "items"]
    assert list(document["ranker"]) == list(document["popularity"]) == ["hr@10", "ndcg@10"]
    assert 390 <= document["members"] <= 400 and 100 <= document["items"] <= 150
    assert document["ranker"]["hr@10"] > document["popularity"]["hr@10"] > 0
    # and --k names the keys
    at_5 = json.loads(run_cli("offers", "evaluate", "--purchases", str(path), "--json", "--k",
                              "5").stdout)
    assert list(at_5["ranker"]) == ["hr@5", "ndcg@5"]
    assert at_5["ranker"]["hr@5"] <= document["ranker"]["hr@10"]


def test_evaluate_prints_a_table(tmp_path: Path) -> None:
    path = tmp_path / "purchases.csv"
    assert run_cli("offers", "generate", "--members", "50", "--items", "20", "--out",
                   str(path)).returncode == 0
    result = run_cli("offers", "evaluate", "--purchases", str(path))
    assert result.returncode == 0, result.stderr
    assert "HR@10" in result.stdout and "NDCG@10" in result.stdout
    assert "popularity" in result.stdout and "members evaluated" in result.stdout


def test_generate_writes_to_stdout_reproducibly() -> None:
    first = run_cli("offers", "generate", "--members", "5", "--items", "10", "--seed", "9")
    assert first.returncode == 0
    assert first.stdout == run_cli("offers", "generate", "--members", "5", "--items", "10",
                                   "--seed", "9").stdout
    assert first.stdout.count("\n") > 5


def test_a_malformed_file_names_its_line(tmp_path: Path) -> None:
    path = tmp_path / "purchases.csv"
    path.write_text("member_id,partner,category,item,amount,occurred_at\n"
                    "m1,grocer,dairy,grocer/milk,1.99,2026-03-01\n"
                    "m1,grocer,dairy,grocer/milk,abc,2026-03-02\n")
    result = run_cli("offers", "evaluate", "--purchases", str(path), "--json")
    assert result.returncode == 2
    assert result.stdout == ""
    assert f"error: {path} line 3: amount: not a decimal number 'abc'" in result.stderr


def test_a_missing_file_is_an_error(tmp_path: Path) -> None:
    result = run_cli("offers", "evaluate", "--purchases", str(tmp_path / "nope.csv"))
    assert result.returncode == 2 and "nope.csv" in result.stderr


async def test_train_stores_a_new_model_version_each_time(db: str) -> None:
    # given a member's recorded purchase lines
    from exchange.offers.training import list_models
    from tests.api.operations import enrolled_card, partner_with_rate, recently, unique

    grocer = await partner_with_rate()
    card = await enrolled_card(grocer)
    data = await grocer.run(
        "mutation($i: PurchaseRecordInput!) { purchaseRecord(input: $i) { errors { code } } }",
        i={"cardNumber": card, "orderId": unique("o"), "occurredAt": recently(),
           "currency": "EUR", "idempotencyKey": unique("k"),
           "lines": [{"sku": "espresso", "category": "coffee", "unitPrice": "2.50"}]})
    assert data["purchaseRecord"]["errors"] == []
    # when the model is trained twice
    env = {"EXCHANGE_DATABASE_URL": db}
    runs = [run_cli("offers", "train", env=env) for _ in range(2)]
    # then two versions are stored, each from the one member and line
    assert [r.returncode for r in runs] == [0, 0], runs[0].stderr
    assert "Model version 1: 1 members, 1 purchase lines" in runs[0].stderr
    models = await list_models()
    assert [m.version for m in models] == [2, 1] and models[0].event_count == 1
    listed = run_cli("offers", "models", env=env)
    assert listed.returncode == 0 and "Ranking models" in listed.stdout
    assert [line.split()[1] for line in listed.stdout.splitlines() if "│ " in line][-2:] == [
        "2", "1"]
