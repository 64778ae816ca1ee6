"""The command line on dataset files: classify (single and bulk), group, demo; exit codes."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from typer.testing import CliRunner

from inhouse.cli import app
from inhouse.demo import DATA_DIR

runner = CliRunner()
DEMO = str(DATA_DIR)
BODS = Path(__file__).resolve().parents[1] / "fixtures" / "bods"


def test_classify_prints_the_relation_and_its_evidence() -> None:
    result = runner.invoke(
        app, ["classify", "--data", DEMO, "--seller", "XYZ", "--buyer", "ABC", "--on", "2026-03-02"]
    )
    assert result.exit_code == 0, result.output
    assert "intercompany (internal)" in result.output
    assert "JKL holds 100% of the votes in ABC (since 2019-01-01)" in result.output


def test_classify_json_has_the_documented_fields() -> None:
    result = runner.invoke(
        app,
        ["classify", "--data", DEMO, "--seller", "XYZ", "--buyer", "ABC", "--on", "2026-03-02",
         "--json"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == {
        "seller": "XYZ",
        "buyer": "ABC",
        "on": "2026-03-02",
        "relation": "intercompany",
        "internal": True,
        "seller_entity": "XYZ",
        "buyer_entity": "ABC",
        "group": "JKL",
        "uncertain": False,
        "evidence": [
            "JKL holds 100% of the votes in XYZ (since 2020-07-01)",
            "JKL holds 100% of the votes in ABC (since 2019-01-01)",
            "XYZ and ABC are both controlled by JKL on 2026-03-02",
        ],
    }


def test_an_unknown_seller_is_a_domain_error_with_exit_code_1() -> None:
    result = runner.invoke(
        app,
        ["classify", "--data", DEMO, "--seller", "NOPE", "--buyer", "ABC", "--on", "2026-03-02"],
    )
    assert result.exit_code == 1
    assert "error: NOPE is not a known legal entity or org unit" in result.output


def test_bad_usage_has_exit_code_2() -> None:
    assert runner.invoke(app, ["classify", "--data", DEMO, "--seller", "XYZ"]).exit_code == 2
    bad_date = runner.invoke(
        app, ["classify", "--data", DEMO, "--seller", "XYZ", "--buyer", "ABC", "--on", "2026-13-01"]
    )
    assert bad_date.exit_code == 2
    assert "is not a date" in bad_date.output


def test_a_bad_dataset_lists_every_problem_and_exits_1(tmp_path: Path) -> None:
    (tmp_path / "entities.csv").write_text("id,name\nA,Alpha\nB,Beta\n", encoding="utf-8")
    (tmp_path / "stakes.csv").write_text(
        'holder,entity,voting\nA,B,"(50,75"\nA,C,60\n', encoding="utf-8"
    )
    result = runner.invoke(
        app, ["classify", "--data", str(tmp_path), "--seller", "A", "--buyer", "B",
              "--on", "2026-01-01"]
    )  # fmt: skip
    assert result.exit_code == 1
    assert 'stakes.csv row 2, column voting: "(50,75" is not a share' in result.output
    assert "stakes.csv row 3, column entity:" in result.output


def test_bulk_classification_writes_one_row_per_sale(tmp_path: Path) -> None:
    out = tmp_path / "answers.csv"
    result = runner.invoke(
        app,
        ["classify", "--data", DEMO, "--sales", str(DATA_DIR / "sales.csv"), "--out", str(out),
         "--json"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    with (DATA_DIR / "sales.csv").open(encoding="utf-8") as handle:
        sales = list(csv.DictReader(handle))
    with out.open(encoding="utf-8") as handle:
        answers = list(csv.DictReader(handle))
    assert [a["id"] for a in answers] == [s["id"] for s in sales]
    assert json.loads(result.stdout)["rows"] == len(sales)


def test_group_json_is_a_list_of_entities() -> None:
    result = runner.invoke(app, ["group", "--data", DEMO, "--on", "2026-03-02", "--json"])
    assert result.exit_code == 0, result.output
    positions = {p["entity"]: p for p in json.loads(result.stdout)}
    assert positions["ABC"]["ultimate_parent"] == "JKL"
    assert positions["ABC"]["controller"] == "JKL"
    assert positions["JKL-US"]["effective_pct"] == "80"
    assert positions["JKL-US"]["nci_pct"] == "20"
    assert positions["JKL"]["ultimate_parent"] == "JKL"
    assert set(positions["ABC"]) >= {
        "entity", "ultimate_parent", "controller", "effective_pct", "nci_pct", "uncertain"
    }  # fmt: skip


def test_group_reads_a_bods_file() -> None:
    result = runner.invoke(
        app, ["group", "--data", str(BODS / "tecido.json"), "--on", "2023-06-01", "--json"]
    )
    assert result.exit_code == 0, result.output
    positions = {p["entity"]: p for p in json.loads(result.stdout)}
    assert positions["01B68D7633"]["ultimate_parent"] == "033E84672B"


def test_demo_shows_the_founding_purchase() -> None:
    result = runner.invoke(app, ["demo"])
    assert result.exit_code == 0, result.output
    assert "intercompany (internal)" in result.output
    assert "XYZ and ABC are both controlled by JKL on 2026-03-02" in result.output
