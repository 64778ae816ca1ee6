"""The worked cases of tests/fixtures/cases/groups.json, one parametrized test per answer kind."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from groups_builders import register, stake

from inhouse.groups.domain import Register, Stake

CASES_FILE = Path(__file__).resolve().parents[1] / "fixtures" / "cases" / "groups.json"
DATA: dict[str, Any] = json.loads(CASES_FILE.read_text(encoding="utf-8"))
CASES: list[dict[str, Any]] = DATA["cases"]
ON = date.fromisoformat(DATA["date"])
KNOWN_ANSWERS = {"ultimate_parent", "effective_pct", "nci_pct", "uncertain"}


def _stakes(case: dict[str, Any]) -> list[Stake]:
    # [holder, entity, voting] or [holder, entity, voting, equity]; equity defaults to voting
    return [stake(s[0], s[1], s[2], equity=s[3] if len(s) > 3 else None) for s in case["stakes"]]


def _register(case: dict[str, Any]) -> Register:
    return register(_stakes(case))


def _with(answer: str) -> list[Any]:
    return [pytest.param(c, id=c["id"]) for c in CASES if answer in c["expect"]]


def test_every_answer_in_the_file_is_checked() -> None:
    # given the cases file / then it has cases, and each expected answer is one tested below
    assert len(CASES) >= 8
    for case in CASES:
        assert set(case["expect"]) <= KNOWN_ANSWERS, case["id"]


@pytest.mark.parametrize("case", _with("ultimate_parent"))
def test_ultimate_parent(case: dict[str, Any]) -> None:
    # given the case's stakes
    expected: dict[str, str] = case["expect"]["ultimate_parent"]
    snapshot = _register(case).structure_on(ON)
    # when / then
    assert {e: snapshot.group_of(e) for e in expected} == expected


@pytest.mark.parametrize("case", _with("effective_pct"))
def test_effective_interest(case: dict[str, Any]) -> None:
    expected = {e: Decimal(v) for e, v in case["expect"]["effective_pct"].items()}
    snapshot = _register(case).structure_on(ON)
    # when
    actual = {e: snapshot.ownership(snapshot.group_of(e))[e].effective_pct for e in expected}
    # then
    assert actual == expected


@pytest.mark.parametrize("case", _with("nci_pct"))
def test_non_controlling_interest(case: dict[str, Any]) -> None:
    expected = {e: Decimal(v) for e, v in case["expect"]["nci_pct"].items()}
    snapshot = _register(case).structure_on(ON)
    actual = {e: snapshot.ownership(snapshot.group_of(e))[e].nci_pct for e in expected}
    assert actual == expected


@pytest.mark.parametrize("case", _with("uncertain"))
def test_uncertain(case: dict[str, Any]) -> None:
    expected: dict[str, bool] = case["expect"]["uncertain"]
    snapshot = _register(case).structure_on(ON)
    assert {e: snapshot.membership(e).uncertain for e in expected} == expected


@pytest.mark.parametrize(
    ("case", "sale"),
    [
        pytest.param(c, sale, id=f"{c['id']}-{sale['seller']}-{sale['buyer']}")
        for c in CASES
        for sale in c.get("sales", ())
    ],
)
def test_sale_relation(case: dict[str, Any], sale: dict[str, str]) -> None:
    # given the case's register / when the seed sale is classified
    answer = _register(case).classify(sale["seller"], sale["buyer"], ON)
    # then
    assert answer.relation.value == sale["relation"]
    assert answer.internal is (sale["relation"] in {"intercompany", "same_entity"})


def test_seed_without_the_parent_stakes_is_external() -> None:
    # given ABC and XYZ known, but no JKL stakes (groups.md, seed row)
    reg = register(entities=["ABC", "XYZ"])
    # when
    answer = reg.classify("XYZ", "ABC", ON)
    # then
    assert answer.relation.value == "external"
    assert answer.evidence == (
        "XYZ belongs to the XYZ group and ABC to the ABC group on 2026-06-30",
    )
