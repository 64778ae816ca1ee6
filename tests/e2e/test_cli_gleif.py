"""The command line on GLEIF files (docs/gleif.md): classify and group on the fixture folder,
import it into a database, and a broken folder's problems with exit code 1."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from inhouse.cli import app

runner = CliRunner()
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "gleif"
GROUP = str(FIXTURES / "group")
JKL, ABC, XYZ = "529900JKLHOLDINGSE95", "529900ABCGMBH0000134", "213800XYZLTD00000147"
DEF = "969500DEFSAS00000132"


def test_classify_on_a_gleif_folder_shows_abc_buying_from_xyz_as_intercompany() -> None:
    # when
    result = runner.invoke(
        app,
        ["classify", "--data", GROUP, "--seller", XYZ, "--buyer", ABC, "--on", "2026-03-02",
         "--json"],
    )  # fmt: skip
    # then
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == {
        "seller": XYZ,
        "buyer": ABC,
        "on": "2026-03-02",
        "relation": "intercompany",
        "internal": True,
        "seller_entity": XYZ,
        "buyer_entity": ABC,
        "group": JKL,
        "uncertain": False,
        "evidence": [
            f"{JKL} controls {ABC} by agreement (since 2019-01-01)",
            f"{ABC} controls {XYZ} by agreement (since 2020-07-01)",
            f"{XYZ} and {ABC} are both controlled by {JKL} on 2026-03-02",
        ],
    }


def test_classify_on_a_gleif_folder_after_a_sale_is_external() -> None:
    # when: DEF left the group when its relationship period ended on 2022-06-30
    result = runner.invoke(
        app,
        ["classify", "--data", GROUP, "--seller", ABC, "--buyer", DEF, "--on", "2022-07-01",
         "--json"],
    )  # fmt: skip
    # then
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["relation"] == "external"


def test_group_on_a_gleif_folder_gives_the_ultimate_parent_and_the_percentages() -> None:
    # when
    result = runner.invoke(app, ["group", "--data", GROUP, "--on", "2026-03-02", "--json"])
    # then
    assert result.exit_code == 0, result.output
    positions = {p["entity"]: p for p in json.loads(result.stdout)}
    assert positions[XYZ]["ultimate_parent"] == JKL
    assert positions[XYZ]["controller"] == ABC
    assert positions[XYZ]["effective_pct"] == "75.5"  # 100 % of 75.5 %, the quantifiers


def test_a_broken_gleif_folder_lists_every_problem_and_exits_1() -> None:
    # when
    result = runner.invoke(
        app, ["classify", "--data", str(FIXTURES / "broken"), "--seller", JKL, "--buyer", ABC,
              "--on", "2026-03-02"]
    )  # fmt: skip
    # then
    assert result.exit_code == 1
    words = " ".join(result.output.split())  # the terminal wraps long lines
    assert words.startswith("14 problems in the dataset notes.xml: not a GLEIF file")
    assert (
        'rr-records.xml row 3, column Relationship/RelationshipType: "IS_OWNED_BY" is not one of'
        in words
    )


@pytest.fixture
def database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("INHOUSE_DATABASE_URL", url)
    monkeypatch.delenv("INHOUSE_SECRET_KEY", raising=False)
    return url


def test_import_of_a_gleif_folder_then_classify_from_the_database(database: str) -> None:
    # given
    assert runner.invoke(app, ["init"]).exit_code == 0
    # when
    first = runner.invoke(app, ["import", GROUP, "--json"])
    second = runner.invoke(app, ["import", GROUP])
    answer = runner.invoke(
        app, ["classify", "--seller", XYZ, "--buyer", ABC, "--on", "2026-03-02", "--json"]
    )
    # then
    assert first.exit_code == 0, first.output
    tables = json.loads(first.stdout)["tables"]
    assert tables["entities"]["added"] == 9
    assert tables["stakes"]["added"] == 6
    assert "Nothing to change: the database already holds this dataset." in second.output
    assert answer.exit_code == 0, answer.output
    assert json.loads(answer.stdout)["relation"] == "intercompany"
