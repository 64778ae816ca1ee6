"""The BODS 0.4 reader: every example file of tests/fixtures/bods, the rules of docs/bods.md, errors."""

from __future__ import annotations

import json
import re
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from inhouse.dataset.bods import (
    CONTROL_INTERESTS,
    EQUITY_INTERESTS,
    INTEREST_TYPES,
    VOTING_INTERESTS,
    read_bods,
)
from inhouse.dataset.errors import DatasetError
from inhouse.dates import Period
from inhouse.groups.domain import Control, Entity, Person, Register, Relation, Share, Stake

BODS = Path(__file__).resolve().parents[1] / "fixtures" / "bods"
DOCS = Path(__file__).resolve().parents[2] / "docs" / "bods.md"
YES = Control.YES
# Every example file with its (entities, persons, stakes) counts; each has its own tests below.
EXAMPLES = {
    "bods-package-annotations.json": (2, 0, 0),
    "bods-package-entity-owning-entity.json": (2, 0, 1),
    "bods-package-fi-soe.json": (4, 0, 4),
    "bods-package-linking-annotations.json": (1, 1, 1),
    "bods-package.json": (1, 1, 1),
    "fermcat.json": (1, 3, 4),
    "full-pep-declaration.json": (1, 1, 1),
    "indirect-ownership.json": (2, 1, 1),
    "joint-ownership.json": (2, 2, 3),
    "levent.json": (1, 3, 0),
    "listed-company-exempt-from-disclosure.json": (1, 0, 0),
    "mixed-direct-and-indirect-ownership.json": (2, 1, 2),
    "multiple-indirect-ownership.json": (3, 1, 2),
    "multiple-tax-residencies.json": (1, 1, 1),
    "mutilple-indirect-ownership-2.json": (3, 1, 2),
    "nomination.json": (2, 2, 1),
    "plc-entity-statement.json": (1, 0, 0),
    "simple-pep-declaration.json": (1, 1, 1),
    "tecido.json": (2, 1, 6),
}


def load(name: str) -> Register:
    return read_bods(BODS / name)


def stake(
    holder: str,
    entity: str,
    voting: str,
    since: str | None = None,
    until: str | None = None,
    *,
    equity: str | None = None,
    control: Control = Control.DERIVED,
) -> Stake:
    """A stake in dataset notation (``60``, ``[75,100)``); equity defaults to voting."""
    period = Period(
        date.fromisoformat(since) if since else None, date.fromisoformat(until) if until else None
    )
    return Stake(
        holder, entity, Share.parse(voting), Share.parse(equity or voting), period, control
    )


def entities(*items: Entity) -> dict[str, Entity]:
    return {e.id: e for e in items}


def persons(*items: tuple[str, str]) -> dict[str, Person]:
    return {pid: Person(pid, name) for pid, name in items}


def write(tmp_path: Path, statements: list[Any], name: str = "in.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(statements), encoding="utf-8")
    return path


def entity_statement(record_id: str, name: str, **extra: Any) -> dict[str, Any]:
    return {
        "recordId": record_id,
        "recordType": "entity",
        "recordStatus": "new",
        "statementDate": "2020-01-01",
        "recordDetails": {"isComponent": False, "name": name, **extra},
    }


def relationship(
    record_id: str,
    subject: Any,
    party: Any,
    interests: list[Any],
    *,
    status: str = "new",
    on: str = "2020-01-01",
    **extra: Any,
) -> dict[str, Any]:
    return {
        "recordId": record_id,
        "recordType": "relationship",
        "recordStatus": status,
        "statementDate": on,
        "recordDetails": {
            "isComponent": False,
            "subject": subject,
            "interestedParty": party,
            "interests": interests,
            **extra,
        },
    }


def interest(kind: str, directness: str | None = "direct", **extra: Any) -> dict[str, Any]:
    found: dict[str, Any] = {"type": kind, **extra}
    if directness is not None:
        found["directOrIndirect"] = directness
    return found


def errors_of(path: Path) -> str:
    with pytest.raises(DatasetError) as caught:
        read_bods(path)
    return str(caught.value)


# --------------------------------------------------------------------------- the example files


def test_bods_package_person_owns_entity() -> None:
    # given a person holding 100 % of the shares, with a legal and an alternative name
    # when
    register = load("bods-package.json")
    # then the legal name is used, and the shareholding gives the votes too
    assert register.entities == entities(Entity("c359f58d2977", "Profitech Ltd"))
    assert register.persons == persons(("10478c6cf6de", "Jennifer Hewitson-Smith"))
    assert register.stakes == [stake("10478c6cf6de", "c359f58d2977", "100", "2016-04-06")]


def test_entity_owning_entity_band_without_start_date() -> None:
    # given MVJ holding "minimum 75, exclusiveMaximum 100" of JENEX, with no startDate
    register = load("bods-package-entity-owning-entity.json")
    # then the band is [75,100), valid since always, and it makes MVJ the parent
    assert register.entities == entities(
        Entity("12b7dd0770ce", "JENEX LIMITED"), Entity("e83cce729ada", "MVJ LIMITED")
    )
    assert register.persons == {}
    assert register.stakes == [stake("e83cce729ada", "12b7dd0770ce", "[75,100)")]
    sale = register.classify("12b7dd0770ce", "e83cce729ada", date(2020, 1, 1))
    assert sale.relation is Relation.INTERCOMPANY
    assert sale.evidence == (
        "e83cce729ada holds at least 75% less than 100% of the votes in 12b7dd0770ce",
        "12b7dd0770ce is controlled by e83cce729ada on 2020-01-01",
    )


def test_annotations_relationship_without_interests_gives_no_stake() -> None:
    # given a relationship that names both parties but no interests
    register = load("bods-package-annotations.json")
    # then both entities are read (one without a jurisdiction), and there is no stake
    assert register.entities == entities(
        Entity("387a14452645", "DRILLGREAT LIMITED"),
        Entity("22e8a31863ee", "MONSOON HOLDINGS (NO.1) LIMITED", country="GB"),
    )
    assert register.stakes == []


def test_linking_annotations_interest_of_unknown_directness_counts() -> None:
    # given a shareholding (25,50) without directOrIndirect and without componentRecords
    register = load("bods-package-linking-annotations.json")
    # then it is read as direct: exclusive bounds become an open band
    assert register.persons == persons(("0fc263ba4126", "Mr Jeremy Hunt"))
    assert register.entities == entities(Entity("a01c1a0863e2", "MARE POND PROPERTIES LIMITED"))
    assert register.stakes == [stake("0fc263ba4126", "a01c1a0863e2", "(25,50)", "2018-09-19")]
    assert register.stakes[0].voting == Share(
        Decimal(25), Decimal(50), low_open=True, high_open=True
    )


FI_STATE, FI_MINISTRY, FI_KAASUVERKKO, FI_GASGRID = (
    "05ce06ec97b1",
    "7ff95ba3682c",
    "0199c515a699",
    "19f1c5afe9d7",
)


def test_fi_soe_chain_from_the_state_down() -> None:
    # given the Finnish state-owned chain: state -(law)-> ministry -100-> Kaasuverkko -76.5->
    # Gasgrid, the ministry's own 23.5 % in Gasgrid, and the state's indirect 100 %
    register = load("bods-package-fi-soe.json")
    # then the indirect 100 % adds no stake; otherInfluenceOrControl is control = yes at 0 %
    assert register.entities == entities(
        Entity(FI_GASGRID, "Gasgrid Finland Oy", country="FI"),
        Entity(FI_KAASUVERKKO, "Suomen Kaasuverkko Oy", country="FI"),
        Entity(FI_MINISTRY, "Valtiovarainministerio", country="FI"),
        Entity(FI_STATE, "Suomen tasavalta", country="FI"),
    )
    assert register.stakes == [
        stake(FI_KAASUVERKKO, FI_GASGRID, "76.5", "2020-01-01"),
        stake(FI_MINISTRY, FI_KAASUVERKKO, "100", "2020-01-01"),
        stake(FI_MINISTRY, FI_GASGRID, "23.5", "2020-01-01"),
        stake(FI_STATE, FI_MINISTRY, "0", control=YES),
    ]


def test_fi_soe_every_entity_is_in_the_state_group() -> None:
    # given the Finnish chain on its statement date
    snapshot = load("bods-package-fi-soe.json").structure_on(date(2022, 2, 14))
    # when / then the state heads one group of four
    assert snapshot.members() == {
        FI_STATE: sorted([FI_STATE, FI_MINISTRY, FI_KAASUVERKKO, FI_GASGRID])
    }


def test_fi_soe_gasgrid_selling_to_kaasuverkko_is_intercompany_with_the_chain() -> None:
    register = load("bods-package-fi-soe.json")
    # when
    sale = register.classify(FI_GASGRID, FI_KAASUVERKKO, date(2022, 2, 14))
    # then
    assert sale.relation is Relation.INTERCOMPANY
    assert sale.group == FI_STATE
    assert sale.evidence == (
        f"{FI_STATE} controls {FI_MINISTRY} by agreement",
        f"{FI_MINISTRY} holds 100% of the votes in {FI_KAASUVERKKO} (since 2020-01-01)",
        f"{FI_KAASUVERKKO} holds 76.5% of the votes in {FI_GASGRID} (since 2020-01-01)",
        f"{FI_GASGRID} and {FI_KAASUVERKKO} are both controlled by {FI_STATE} on 2022-02-14",
    )


def test_fi_soe_before_the_shares_were_issued_the_companies_are_apart() -> None:
    # given a day before the 2020-01-01 startDate of every shareholding
    sale = load("bods-package-fi-soe.json").classify(FI_GASGRID, FI_KAASUVERKKO, date(2019, 12, 31))
    # then only the state's undated control of the ministry remains
    assert sale.relation is Relation.EXTERNAL


FERMCAT, RIYADH, PATRICK, DECLAN = (
    "ent-93c75c87ab28f889",
    "per-5faa4103dee78621",
    "per-41c0bb0cef246f7c",
    "per-e334cc6258e56467",
)


def test_fermcat_updated_and_closed_records_over_time() -> None:
    # given two 50 % holders; Riyadh's record closed with endDate 2021-04-03, Declan's opened
    # on that day and closed with endDate 2022-01-21, and Patrick's record updated on
    # 2022-01-21 to 100 % while repeating the 2019-09-11 startDate of his holding
    register = load("fermcat.json")
    # then the shares add up to 100 % on every day; Patrick's 100 % counts from the update
    assert register.entities == entities(Entity(FERMCAT, "Fermcat Ltd", country="IE"))
    assert register.persons == persons(
        (RIYADH, "Riyadh Byrne-Amin"), (PATRICK, "Patrick O'Donohue"), (DECLAN, "Declan Byrne-Amin")
    )
    assert register.stakes == [
        stake(RIYADH, FERMCAT, "50", "2019-09-11", "2021-04-03"),
        stake(PATRICK, FERMCAT, "50", "2019-09-11", "2022-01-21"),
        stake(PATRICK, FERMCAT, "100", "2022-01-21"),
        stake(DECLAN, FERMCAT, "50", "2021-04-03", "2022-01-21"),
    ]


@pytest.mark.parametrize(
    ("on", "holders"),
    [
        (date(2021, 4, 2), {RIYADH: "50", PATRICK: "50"}),
        (date(2021, 4, 3), {PATRICK: "50", DECLAN: "50"}),
        (date(2022, 1, 20), {PATRICK: "50", DECLAN: "50"}),
        (date(2022, 1, 21), {PATRICK: "100"}),
    ],
)
def test_fermcat_holders_on_a_day(on: date, holders: dict[str, str]) -> None:
    register = load("fermcat.json")
    # when
    valid = {s.holder: s.voting.notation() for s in register.stakes if s.period.contains(on)}
    # then
    assert valid == holders


def test_fermcat_patrick_is_a_related_party_with_his_share_of_the_day() -> None:
    register = load("fermcat.json")
    # when
    before = register.classify(FERMCAT, PATRICK, date(2021, 6, 1))
    after = register.classify(FERMCAT, PATRICK, date(2022, 6, 1))
    # then
    assert before.relation is Relation.RELATED_PARTY
    assert before.evidence == (
        f"{PATRICK} holds 50% of the votes in {FERMCAT} of the {FERMCAT} group (IAS 24 related party)",
    )
    assert after.evidence == (
        f"{PATRICK} holds 100% of the votes in {FERMCAT} of the {FERMCAT} group (IAS 24 related party)",
    )


@pytest.mark.parametrize(
    ("name", "entity", "person"),
    [
        ("full-pep-declaration.json", "a7b3bd81d8ba", "9bcdcc85e803"),
        ("simple-pep-declaration.json", "841083ba86e3", "c9ceb68d7241"),
    ],
)
def test_pep_declarations_band_from_minimum_to_exclusive_maximum(
    name: str, entity: str, person: str
) -> None:
    # given a politically exposed person with shareholding and votingRights [25,50)
    register = load(name)
    # then politicalExposure is not read; the stake is the band
    assert register.entities == entities(
        Entity(entity, "Platinum Emerald and Plutonim Mining Limited")
    )
    assert register.persons == persons((person, "Michael Hubbard"))
    assert register.stakes == [stake(person, entity, "[25,50)", "2016-07-07")]


def test_indirect_ownership_adds_no_votes() -> None:
    # given Company B 60 % of A, Person 1 behind B with an interest of no type, and Person 1's
    # indirect 30 % in A
    register = load("indirect-ownership.json")
    # then only the direct link is a stake
    assert register.entities == entities(
        Entity("ad3f6c2fcc9e", "Company A"), Entity("d4ab89ea169a", "Company B")
    )
    assert register.persons == persons(("c25d4d612c2c", "Person 1"))
    assert register.stakes == [stake("d4ab89ea169a", "ad3f6c2fcc9e", "60", "2017-11-01")]
    assert register.structure_on(date(2018, 1, 1)).group_of("ad3f6c2fcc9e") == "d4ab89ea169a"


JOINT_COMPANY, JOINT_ARRANGEMENT, NATALIE, ROBERTO = (
    "31c55e425764",
    "91b4236a7d89",
    "1accb8b18b99",
    "f040df24d9ec",
)


def test_joint_ownership_through_an_arrangement() -> None:
    # given a joint-shareholding arrangement holding 100 %, owned 50/50 by two persons
    register = load("joint-ownership.json")
    # then the arrangement is an entity with stakes like any other
    assert register.entities == entities(
        Entity(JOINT_COMPANY, "CHRINON LTD", country="GB"),
        Entity(JOINT_ARRANGEMENT, "Joint shareholding"),
    )
    assert register.persons == persons((NATALIE, "Natalie Coleman"), (ROBERTO, "Roberto Lopez"))
    assert register.stakes == [
        stake(JOINT_ARRANGEMENT, JOINT_COMPANY, "100", "2018-01-01"),
        stake(NATALIE, JOINT_ARRANGEMENT, "50", "2018-01-01"),
        stake(ROBERTO, JOINT_ARRANGEMENT, "50", "2018-01-01"),
    ]


def test_joint_ownership_a_joint_owner_is_a_related_party_not_internal() -> None:
    register = load("joint-ownership.json")
    # when
    sale = register.classify(JOINT_COMPANY, NATALIE, date(2019, 1, 1))
    # then neither person controls with 50 %; the arrangement heads the group
    assert sale.relation is Relation.RELATED_PARTY
    assert sale.group == JOINT_ARRANGEMENT
    assert sale.evidence == (
        f"{NATALIE} holds 50% of the votes in {JOINT_ARRANGEMENT} of the {JOINT_ARRANGEMENT} "
        "group (IAS 24 related party)",
    )


def test_levent_trust_roles_give_no_stake() -> None:
    # given trustee, settlor and beneficiary interests in a trust; the beneficiary anonymous
    register = load("levent.json")
    # then the trust and the persons are read (the nameless one named by its recordId)
    assert register.entities == entities(Entity("8e40d059", "Levent Trust", country="FR"))
    assert register.persons == persons(
        ("700c264e", "Andrew Anderson"), ("d8855000", "Bella Buxton"), ("81337a6e", "81337a6e")
    )
    assert register.stakes == []


def test_listed_company_exempt_interested_party_gives_no_stake() -> None:
    # given a relationship whose interestedParty is an object with a reason
    register = load("listed-company-exempt-from-disclosure.json")
    # then
    assert register.entities == entities(Entity("4c7ea3bfbe6c", "Listed Company OS-17"))
    assert register.persons == {}
    assert register.stakes == []


def test_mixed_direct_and_indirect_only_the_direct_interest_counts() -> None:
    # given Person 1 with 50 % indirect (via B) since 2017 and 50 % direct since 2019-05-01
    register = load("mixed-direct-and-indirect-ownership.json")
    # then
    assert register.entities == entities(
        Entity("9bfe59b6a869", "Company A"), Entity("ec61aeda7141", "Company B")
    )
    assert register.persons == persons(("53508b65253f", "Person 1"))
    assert register.stakes == [
        stake("ec61aeda7141", "9bfe59b6a869", "50", "2017-11-01"),
        stake("53508b65253f", "9bfe59b6a869", "50", "2019-05-01"),
    ]


def test_mixed_direct_and_indirect_nobody_controls_with_half() -> None:
    snapshot = load("mixed-direct-and-indirect-ownership.json").structure_on(date(2020, 1, 1))
    # when / then B's 50 % is not more than half; the person's 50 % is not B's
    assert snapshot.group_of("9bfe59b6a869") == "9bfe59b6a869"
    assert snapshot.membership("9bfe59b6a869").uncertain is False


def test_multiple_indirect_ownership() -> None:
    # given C and D holding 50 % each of B, Person 1 behind both, and Person 1's indirect 60 %
    register = load("multiple-indirect-ownership.json")
    # then
    assert register.entities == entities(
        Entity("63e3a8a8946f", "Company B"),
        Entity("d177864a8b39", "Company C"),
        Entity("05fbbfb94b79", "Company D"),
    )
    assert register.persons == persons(("92ebf964a1f6", "Person 1"))
    assert register.stakes == [
        stake("d177864a8b39", "63e3a8a8946f", "50", "2017-11-01"),
        stake("05fbbfb94b79", "63e3a8a8946f", "50", "2017-11-01"),
    ]
    assert register.structure_on(date(2018, 1, 1)).group_of("63e3a8a8946f") == "63e3a8a8946f"


def test_multiple_indirect_ownership_2() -> None:
    # given B 40 % and C 20 % of A, and Person 1's indirect 60 %
    register = load("mutilple-indirect-ownership-2.json")
    # then
    assert register.entities == entities(
        Entity("1e049760d6c7", "Company A"),
        Entity("41454e3ba398", "Company B"),
        Entity("6c9fd5c92201", "Company C"),
    )
    assert register.persons == persons(("731c7a8e7601", "Person 1"))
    assert register.stakes == [
        stake("41454e3ba398", "1e049760d6c7", "40", "2017-11-01"),
        stake("6c9fd5c92201", "1e049760d6c7", "20", "2017-11-01"),
    ]


def test_multiple_tax_residencies() -> None:
    register = load("multiple-tax-residencies.json")
    # then taxResidencies, nationalities and addresses are not read
    assert register.entities == entities(Entity("fd5c8dbc9a91", "Company A"))
    assert register.persons == persons(("8f2f34b57a8f", "Logan Morton"))
    assert register.stakes == [stake("8f2f34b57a8f", "fd5c8dbc9a91", "100", "2016-04-06")]


NOMINATION, CORAZONES, SILVIA, VANESSA = ("103AB1984D", "104AB1984C", "101AB1984F", "102AB1984E")


def test_nomination_the_nominator_controls_the_arrangement() -> None:
    # given Silvia as nominator and Vanessa as nominee of an arrangement that sits on the
    # board of Los Corazones, and Silvia's indirect otherInfluenceOrControl in Los Corazones
    register = load("nomination.json")
    # then only the nominator's interest is a stake
    assert register.entities == entities(
        Entity(NOMINATION, "Perez-Rivero nomination", country="MX"),
        Entity(CORAZONES, "Los Corazones de Plata", country="MX"),
    )
    assert register.persons == persons(
        (SILVIA, "Silvia Teixeira Perez"), (VANESSA, "Vanessa Rivero")
    )
    assert register.stakes == [stake(SILVIA, NOMINATION, "0", "2023-04-30", control=YES)]


def test_nomination_board_membership_is_not_control() -> None:
    snapshot = load("nomination.json").structure_on(date(2023, 5, 8))
    # when / then
    assert snapshot.controls(SILVIA, NOMINATION) is True
    assert snapshot.controls(VANESSA, NOMINATION) is False
    assert snapshot.controls(SILVIA, CORAZONES) is False
    assert snapshot.group_of(CORAZONES) == CORAZONES
    assert snapshot.group_of(NOMINATION) == NOMINATION


def test_plc_entity_with_lei_and_listing() -> None:
    register = load("plc-entity-statement.json")
    # then the XI-LEI identifier is the LEI
    assert register.entities == entities(
        Entity("70044236", "AstraZeneca PLC", country="GB", lei="PY6ZZQWO2IZFZC3IOL08")
    )
    assert register.persons == {}
    assert register.stakes == []


TECIDO, SHEAR, MARIA = ("01B68D7633", "033E84672B", "018AF6B3EB")


def test_tecido_shares_changing_over_time() -> None:
    # given Maria 100 -> 40 -> 30 % then closed, Shear Trust 60 -> 70 -> 80 %, all by
    # updated records whose startDate is the day of the change
    register = load("tecido.json")
    # then each share ends the day the next starts; the closed record ends on its statementDate
    assert register.entities == entities(
        Entity(TECIDO, "Tecido Ltd", country="US"), Entity(SHEAR, "Shear Trust", country="US")
    )
    assert register.persons == persons((MARIA, "Maria Esteves"))
    assert register.stakes == [
        stake(MARIA, TECIDO, "100", "2002-03-09", "2021-09-24"),
        stake(MARIA, TECIDO, "40", "2021-09-24", "2022-09-21"),
        stake(MARIA, TECIDO, "30", "2022-09-21", "2023-03-03"),
        stake(SHEAR, TECIDO, "60", "2021-09-24", "2022-09-21"),
        stake(SHEAR, TECIDO, "70", "2022-09-21", "2023-03-01"),
        stake(SHEAR, TECIDO, "80", "2023-03-01"),
    ]


@pytest.mark.parametrize(
    ("on", "group"),
    [(date(2021, 9, 23), TECIDO), (date(2021, 9, 24), SHEAR), (date(2023, 6, 1), SHEAR)],
)
def test_tecido_group_follows_the_majority(on: date, group: str) -> None:
    # when / then Maria (a person) heads no group; Shear Trust does from its 60 %
    assert load("tecido.json").structure_on(on).group_of(TECIDO) == group


@pytest.mark.parametrize(
    ("on", "relation", "evidence"),
    [
        (
            date(2021, 9, 23),
            Relation.RELATED_PARTY,
            f"{MARIA} holds 100% of the votes in {TECIDO} of the {TECIDO} group (IAS 24 related party)",
        ),
        (
            date(2022, 9, 21),
            Relation.RELATED_PARTY,
            f"{MARIA} holds 30% of the votes in {TECIDO} of the {SHEAR} group (IAS 24 related party)",
        ),
        (
            date(2023, 3, 3),
            Relation.EXTERNAL,
            f"{MARIA} has no employment in the {SHEAR} group on 2023-03-03",
        ),
    ],
)
def test_tecido_maria_buying_from_tecido(on: date, relation: Relation, evidence: str) -> None:
    # when
    sale = load("tecido.json").classify(TECIDO, MARIA, on)
    # then
    assert (sale.relation, sale.evidence) == (relation, (evidence,))


def test_every_example_file_is_listed() -> None:
    # given the files of tests/fixtures/bods / then each one is listed in EXAMPLES, and only those
    assert sorted(p.name for p in BODS.iterdir() if p.name != "NOTICE") == sorted(EXAMPLES)


@pytest.mark.parametrize(("name", "counts"), EXAMPLES.items())
def test_every_example_file_loads(name: str, counts: tuple[int, int, int]) -> None:
    # when
    register = load(name)
    # then
    assert (len(register.entities), len(register.persons), len(register.stakes)) == counts


# --------------------------------------------------------------------------- rules on small files


def test_json_lines_reads_like_the_array(tmp_path: Path) -> None:
    # given tecido.json written as JSON Lines, one statement a line, with a blank line
    statements = json.loads((BODS / "tecido.json").read_text(encoding="utf-8"))
    lines = [json.dumps(s) for s in statements]
    path = tmp_path / "tecido.jsonl"
    path.write_text("\n".join([*lines[:3], "", *lines[3:]]) + "\n", encoding="utf-8")
    # when
    register = read_bods(path)
    # then
    expected = read_bods(BODS / "tecido.json")
    assert (register.entities, register.persons, register.stakes) == (
        expected.entities,
        expected.persons,
        expected.stakes,
    )


def test_only_voting_rights_given_equity_takes_the_same_share(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        [
            entity_statement("A", "A Ltd"),
            entity_statement("B", "B Ltd"),
            relationship("r", "B", "A", [interest("votingRights", share={"exclusiveMinimum": 50})]),
        ],
    )
    # when
    register = read_bods(path)
    # then the missing upper bound is 100
    assert register.stakes == [stake("A", "B", "(50,100]")]


def test_voting_and_equity_differ_when_both_given(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        [
            entity_statement("A", "A Ltd"),
            entity_statement("B", "B Ltd"),
            relationship(
                "r",
                "B",
                "A",
                [
                    interest("shareholding", share={"exact": 30}),
                    interest("votingRights", share={"maximum": 60}),
                ],
            ),
        ],
    )
    # when
    register = read_bods(path)
    # then
    assert register.stakes == [stake("A", "B", "[0,60]", equity="30")]


def test_interest_without_share_is_anything_from_0_to_100(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        [
            entity_statement("A", "A Ltd"),
            entity_statement("B", "B Ltd"),
            relationship("r", "B", "A", [interest("shareholding")]),
        ],
    )
    # when
    register = read_bods(path)
    # then control is only uncertain
    assert register.stakes == [stake("A", "B", "[0,100]")]
    assert register.structure_on(date(2020, 1, 1)).membership("B").uncertain is True


def test_control_interest_keeps_the_shares_of_its_period(tmp_path: Path) -> None:
    # given 30 % of the shares since 2020 and the right to appoint the board since 2021
    path = write(
        tmp_path,
        [
            entity_statement("A", "A Ltd"),
            entity_statement("B", "B Ltd"),
            relationship(
                "r",
                "B",
                "A",
                [
                    interest("shareholding", share={"exact": 30}, startDate="2020-01-01"),
                    interest("appointmentOfBoard", startDate="2021-01-01"),
                ],
            ),
        ],
    )
    # when
    register = read_bods(path)
    # then
    assert register.stakes == [
        stake("A", "B", "30", "2020-01-01", "2021-01-01"),
        stake("A", "B", "30", "2021-01-01", control=YES),
    ]


@pytest.mark.parametrize(
    "kind", ["boardMember", "boardChair", "seniorManagingOfficial", "rightsGrantedByContract"]
)
def test_roles_without_control_give_no_stake(tmp_path: Path, kind: str) -> None:
    path = write(
        tmp_path,
        [
            entity_statement("A", "A Ltd"),
            entity_statement("B", "B Ltd"),
            relationship("r", "B", "A", [interest(kind, share={"exact": 100})]),
        ],
    )
    # when / then
    assert read_bods(path).stakes == []


@pytest.mark.parametrize(
    ("directness", "components", "stakes"),
    [
        ("direct", ["x"], 1),
        ("unknown", [], 1),
        (None, [], 1),
        ("unknown", ["x"], 0),
        (None, ["x"], 0),
        ("indirect", [], 0),
    ],
)
def test_directness_decides_whether_an_interest_is_a_stake(
    tmp_path: Path, directness: str | None, components: list[str], stakes: int
) -> None:
    # given a 60 % shareholding; componentRecords mark a summary of a chain
    path = write(
        tmp_path,
        [
            entity_statement("A", "A Ltd"),
            entity_statement("B", "B Ltd"),
            relationship(
                "r",
                "B",
                "A",
                [interest("shareholding", directness, share={"exact": 60})],
                componentRecords=components,
            ),
        ],
    )
    # when / then
    assert len(read_bods(path).stakes) == stakes


def test_interest_end_date_ends_the_stake_the_day_before(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        [
            entity_statement("A", "A Ltd"),
            entity_statement("B", "B Ltd"),
            relationship(
                "r",
                "B",
                "A",
                [interest("shareholding", share={"exact": 60}, endDate="2021-06-30")],
            ),
        ],
    )
    # when
    register = read_bods(path)
    # then valid_to = endDate: the 29th is the last day counted
    assert register.stakes == [stake("A", "B", "60", None, "2021-06-30")]
    assert register.structure_on(date(2021, 6, 29)).group_of("B") == "A"
    assert register.structure_on(date(2021, 6, 30)).group_of("B") == "B"


def test_closed_record_alone_ends_on_its_statement_date(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        [
            entity_statement("A", "A Ltd"),
            entity_statement("B", "B Ltd"),
            relationship(
                "r",
                "B",
                "A",
                [interest("shareholding", share={"exact": 60}, startDate="2019-01-01")],
                status="closed",
                on="2021-03-04T10:00:00+02:00",
            ),
        ],
    )
    # when / then
    assert read_bods(path).stakes == [stake("A", "B", "60", "2019-01-01", "2021-03-04")]


def test_statements_apply_in_statement_date_order_not_file_order(tmp_path: Path) -> None:
    # given the update listed before the first statement of the record
    path = write(
        tmp_path,
        [
            relationship(
                "r",
                "B",
                "A",
                [interest("shareholding", share={"exact": 80}, startDate="2021-05-01")],
                status="updated",
                on="2021-06-01",
            ),
            entity_statement("A", "A Ltd"),
            entity_statement("B", "B Ltd"),
            relationship(
                "r",
                "B",
                "A",
                [interest("shareholding", share={"exact": 60}, startDate="2019-01-01")],
            ),
        ],
    )
    # when / then
    assert read_bods(path).stakes == [
        stake("A", "B", "60", "2019-01-01", "2021-05-01"),
        stake("A", "B", "80", "2021-05-01"),
    ]


def test_updated_entity_details_latest_statement_wins(tmp_path: Path) -> None:
    renamed = entity_statement("A", "A New Ltd", jurisdiction={"code": "de"})
    renamed.update(recordStatus="updated", statementDate="2021-01-01")
    path = write(tmp_path, [renamed, entity_statement("A", "A Old Ltd")])
    # when / then
    assert read_bods(path).entities == entities(Entity("A", "A New Ltd", country="DE"))


def test_person_name_from_given_and_family_name_when_no_full_name(tmp_path: Path) -> None:
    person = {
        "recordId": "p",
        "recordType": "person",
        "statementDate": "2020-01-01",
        "recordDetails": {
            "names": [
                {"type": "alternative", "fullName": "Jo"},
                {"type": "individual", "givenName": "Johanna", "familyName": "Schmidt"},
            ]
        },
    }
    # when / then the individual name wins over the alternative one
    assert read_bods(write(tmp_path, [person])).persons == persons(("p", "Johanna Schmidt"))


def test_same_pair_in_two_records_later_statement_wins_the_overlap(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        [
            entity_statement("A", "A Ltd"),
            entity_statement("B", "B Ltd"),
            relationship("r1", "B", "A", [interest("shareholding", share={"exact": 40})]),
            relationship(
                "r2",
                "B",
                "A",
                [interest("shareholding", share={"exact": 55}, startDate="2020-01-01")],
                on="2020-02-01",
            ),
        ],
    )
    # when / then the votes are not added up to 95 %
    assert read_bods(path).stakes == [
        stake("A", "B", "40", None, "2020-01-01"),
        stake("A", "B", "55", "2020-01-01"),
    ]


# --------------------------------------------------------------------------- errors


def test_malformed_json_gives_the_exact_error(tmp_path: Path) -> None:
    path = tmp_path / "broken.json"
    path.write_text('[\n  {"recordId": "a",\n   "recordType": "entity",}\n]\n', encoding="utf-8")
    # when / then
    assert errors_of(path) == (
        "1 problem in the dataset\n"
        "broken.json: not valid JSON: Expecting property name enclosed in double quotes "
        "(line 3, column 27)"
    )


def test_malformed_json_lines_names_every_bad_line(tmp_path: Path) -> None:
    path = tmp_path / "broken.jsonl"
    good = json.dumps(entity_statement("A", "A Ltd"))
    path.write_text(f"{good}\n{{oops}}\n\n{good}\n[1,\n", encoding="utf-8")
    # when / then
    assert errors_of(path) == (
        "2 problems in the dataset\n"
        "broken.jsonl row 2: not valid JSON: Expecting property name enclosed in double quotes "
        "(line 2, column 2)\n"
        "broken.jsonl row 4: not valid JSON: Expecting value (line 5, column 4)"
    )


def test_empty_file_is_rejected(tmp_path: Path) -> None:
    path = tmp_path / "empty.json"
    path.write_text("  \n", encoding="utf-8")
    # when / then
    assert errors_of(path) == (
        "1 problem in the dataset\nempty.json: empty; a BODS file holds a JSON array of statements"
    )


def test_every_problem_is_reported_with_statement_and_field(tmp_path: Path) -> None:
    # given a file with a problem in almost every statement
    path = write(
        tmp_path,
        [
            entity_statement("A", "A Ltd"),
            {"recordType": "person", "statementDate": "2020-01-01", "recordDetails": {}},
            relationship("r1", "A", "P9", [], on="2020-13-01"),
            relationship(
                "r2",
                "A",
                "P9",
                [
                    interest(
                        "shares",
                        "sideways",
                        share={"minimum": 60, "maximum": 50},
                        startDate="2020-02-30",
                    ),
                    interest("shareholding", share={"exact": 101}),
                    interest("votingRights", startDate="2021-01-01", endDate="2020-01-01"),
                    "votingRights",
                ],
            ),
            relationship("r3", {"reason": "unknown"}, "A", []),
            relationship("r4", "r2", "A", [interest("shareholding")]),
            {**entity_statement("r2", "Not a relationship"), "recordStatus": "gone"},
            [],
        ],
        name="bad.json",
    )
    # when / then
    assert errors_of(path) == "\n".join(
        [
            "14 problems in the dataset",
            "bad.json row 2, column recordId: required field is missing",
            'bad.json row 3, column statementDate: "2020-13-01" is not a date (YYYY-MM-DD) or date-time',
            'bad.json row 4, column recordDetails.interestedParty: "P9" is not the recordId of any '
            "entity or person in the file",
            'bad.json row 4, column recordDetails.interests[0].type: "shares" is not a BODS 0.4 '
            "interest type",
            'bad.json row 4, column recordDetails.interests[0].directOrIndirect: "sideways" is not '
            "one of direct, indirect, unknown",
            "bad.json row 4, column recordDetails.interests[0].share: the lower bound 60 is above "
            "the upper bound 50",
            'bad.json row 4, column recordDetails.interests[0].startDate: "2020-02-30" is not a '
            "date (YYYY-MM-DD)",
            "bad.json row 4, column recordDetails.interests[1].share.exact: 101 is not between 0 "
            "and 100",
            "bad.json row 4, column recordDetails.interests[2].endDate: 2020-01-01 is not after "
            "startDate 2021-01-01",
            'bad.json row 4, column recordDetails.interests[3]: not an object but the text "votingRights"',
            'bad.json row 6, column recordDetails.subject: "r2" is a relationship record, not an '
            "entity",
            'bad.json row 7, column recordStatus: "gone" is not one of new, updated, closed',
            'bad.json row 7, column recordType: record "r2" is a relationship record (row 4), not '
            "an entity record",
            "bad.json row 8: a statement is a JSON object, not an array",
        ]
    )


def test_statement_date_is_required(tmp_path: Path) -> None:
    statement = entity_statement("A", "A Ltd")
    del statement["statementDate"]
    # when / then
    assert errors_of(write(tmp_path, [statement], name="x.json")) == (
        "1 problem in the dataset\nx.json row 1, column statementDate: required field is missing"
    )


def test_invalid_lei_is_rejected(tmp_path: Path) -> None:
    statement = entity_statement(
        "A",
        "A Ltd",
        identifiers=[{"scheme": "GB-COH", "id": "1"}, {"scheme": "XI-LEI", "id": "X1"}],
    )
    # when / then
    assert errors_of(write(tmp_path, [statement], name="x.json")) == (
        '1 problem in the dataset\nx.json row 1, column recordDetails.identifiers[1].id: "X1" is '
        "not a valid LEI"
    )


def test_missing_file_is_a_dataset_error(tmp_path: Path) -> None:
    assert errors_of(tmp_path / "nope.json") == (
        "1 problem in the dataset\nnope.json: cannot be read: No such file or directory"
    )


# --------------------------------------------------------------------------- documentation


def test_docs_list_every_interest_type_with_what_it_becomes() -> None:
    # given the interest type table of docs/bods.md: | `code` | becomes | why |
    text = DOCS.read_text(encoding="utf-8")
    section = text.split("## Interest types", 1)[1].split("\n## ", 1)[0]
    documented = dict(re.findall(r"^\| `(\w+)` \| ([^|]+?) \|", section, flags=re.MULTILINE))
    # then
    expected = {
        code: "equity"
        if code in EQUITY_INTERESTS
        else "votes"
        if code in VOTING_INTERESTS
        else "control = yes"
        if code in CONTROL_INTERESTS
        else "no stake"
        for code in INTEREST_TYPES
    }
    assert documented == expected


@pytest.mark.parametrize(
    ("share", "column", "reason"),
    [
        (
            {"minimum": 20, "exclusiveMinimum": 20},
            ".exclusiveMinimum",
            "give minimum or exclusiveMinimum, not both",
        ),
        ({"exclusiveMinimum": 50, "maximum": 50}, "", "the band (50,50] is empty"),
        ({"exact": "60"}, ".exact", '"60" is not a number'),
        ({"maximum": True}, ".maximum", "true is not a number"),
        ("60", "", 'not an object but the text "60"'),
    ],
)
def test_share_problems(tmp_path: Path, share: Any, column: str, reason: str) -> None:
    path = write(
        tmp_path,
        [
            entity_statement("A", "A Ltd"),
            entity_statement("B", "B Ltd"),
            relationship("r", "B", "A", [interest("shareholding", share=share)]),
        ],
        name="s.json",
    )
    # when / then
    assert errors_of(path) == (
        f"1 problem in the dataset\ns.json row 3, column recordDetails.interests[0].share{column}: "
        f"{reason}"
    )
