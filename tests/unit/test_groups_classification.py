"""Classification of a sale: relation, evidence and precedence (groups.md, "Classification")."""

from __future__ import annotations

from datetime import date

import pytest
from groups_builders import ON, StakeSpec, employment, register, stake

from inhouse.errors import InvalidRequest, UnknownParty
from inhouse.groups.domain import (
    Classification,
    Control,
    Employment,
    EmploymentKind,
    Register,
    Relation,
)

# The seed world: JKL owns ABC (80 %, the other 20 % with investor INV) and all of XYZ.
ABC_SINCE = date(2019, 1, 1)
XYZ_SINCE = date(2020, 7, 1)
JKL_ABC = "JKL holds 80% of the votes in ABC (since 2019-01-01)"
JKL_XYZ = "JKL holds 100% of the votes in XYZ (since 2020-07-01)"
XYZ_ABC = "XYZ and ABC are both controlled by JKL on 2026-06-30"
UNITS = [("ABC-SALES", "ABC"), ("ABC-PLANT", "ABC"), ("XYZ-IT", "XYZ"), ("OUT-SHOP", "OUT")]


def seed(
    extra: list[StakeSpec] | None = None,
    employments: list[Employment] | None = None,
    persons: list[str] | None = None,
) -> Register:
    stakes: list[StakeSpec] = [
        stake("JKL", "ABC", "80", valid_from=ABC_SINCE),
        stake("INV", "ABC", "20", valid_from=ABC_SINCE),
        stake("JKL", "XYZ", "100", valid_from=XYZ_SINCE),
        *(extra or []),
    ]
    return register(
        stakes,
        entities=["OUT"],
        persons=["INV", "NOBODY-EMPLOYED", *(persons or [])],
        units=UNITS,
        employments=employments or [],
    )


def classify(reg: Register, seller: str, buyer: str, on: date = ON) -> Classification:
    return reg.classify(seller, buyer, on)


# --------------------------------------------------------------------------- same entity


def test_same_entity_unit_buys_from_its_own_entity() -> None:
    # when ABC sells to its own plant
    answer = classify(seed(), "ABC", "ABC-PLANT")
    # then
    assert answer == Classification(
        seller="ABC",
        buyer="ABC-PLANT",
        on=ON,
        relation=Relation.SAME_ENTITY,
        seller_entity="ABC",
        buyer_entity="ABC",
        group="JKL",
        uncertain=False,
        evidence=("ABC-PLANT is an org unit of ABC, the seller's own legal entity",),
    )
    assert answer.internal is True


def test_same_entity_seller_is_an_org_unit() -> None:
    answer = classify(seed(), "ABC-SALES", "ABC-PLANT")
    assert (answer.relation.value, answer.seller_entity, answer.buyer_entity) == (
        "same_entity",
        "ABC",
        "ABC",
    )
    assert answer.evidence == (
        "ABC-SALES is an org unit of ABC",
        "ABC-PLANT is an org unit of ABC, the seller's own legal entity",
    )


# --------------------------------------------------------------------------- intercompany


def test_intercompany_between_sisters() -> None:
    answer = classify(seed(), "XYZ", "ABC")
    assert (answer.relation.value, answer.internal, answer.uncertain) == (
        "intercompany",
        True,
        False,
    )
    assert (answer.seller_entity, answer.buyer_entity, answer.group) == ("XYZ", "ABC", "JKL")
    assert answer.evidence == (JKL_XYZ, JKL_ABC, XYZ_ABC)


def test_intercompany_parent_sells_to_subsidiary() -> None:
    answer = classify(seed(), "JKL", "ABC")
    assert answer.relation.value == "intercompany"
    assert answer.evidence == (JKL_ABC, "ABC is controlled by JKL on 2026-06-30")


def test_intercompany_subsidiary_sells_to_parent() -> None:
    answer = classify(seed(), "ABC", "JKL")
    assert answer.relation.value == "intercompany"
    assert answer.evidence == (JKL_ABC, "ABC is controlled by JKL on 2026-06-30")


def test_intercompany_buyer_is_a_unit_of_a_sister() -> None:
    # when XYZ's IT unit sells to ABC's plant
    answer = classify(seed(), "XYZ-IT", "ABC-PLANT")
    # then ABC is the buyer entity, and both units are named
    assert (answer.relation.value, answer.seller_entity, answer.buyer_entity) == (
        "intercompany",
        "XYZ",
        "ABC",
    )
    assert answer.evidence == (
        "XYZ-IT is an org unit of XYZ",
        "ABC-PLANT is an org unit of ABC",
        JKL_XYZ,
        JKL_ABC,
        XYZ_ABC,
    )


def test_sisters_before_the_parent_bought_one_of_them_are_external() -> None:
    answer = classify(seed(), "XYZ", "ABC", on=date(2020, 6, 30))
    assert answer.relation.value == "external"
    # then XYZ (bought on 2020-07-01) is still its own group
    assert answer.evidence == (
        JKL_ABC,
        "XYZ belongs to the XYZ group and ABC to the JKL group on 2020-06-30",
    )


# --------------------------------------------------------------------------- employees


def test_employee_of_the_seller() -> None:
    reg = seed(employments=[employment("E1", "XYZ", valid_from=date(2021, 3, 1))])
    answer = classify(reg, "XYZ", "E1")
    assert answer == Classification(
        seller="XYZ",
        buyer="E1",
        on=ON,
        relation=Relation.EMPLOYEE,
        seller_entity="XYZ",
        buyer_entity="XYZ",
        group="JKL",
        uncertain=False,
        evidence=("E1 is employed by XYZ (since 2021-03-01)",),
    )
    assert answer.internal is True


def test_retiree_of_the_seller_is_an_employee() -> None:
    reg = seed(
        employments=[employment("R1", "XYZ", kind=EmploymentKind.RETIREE, valid_from=ABC_SINCE)]
    )
    answer = classify(reg, "XYZ", "R1")
    assert (answer.relation.value, answer.internal) == ("employee", True)
    assert answer.evidence == ("R1 is a retiree of XYZ (since 2019-01-01)",)


def test_employee_buying_from_a_unit_of_the_employer() -> None:
    reg = seed(employments=[employment("E1", "XYZ", unit="XYZ-IT")])
    answer = classify(reg, "XYZ-IT", "E1")
    assert (answer.relation.value, answer.seller_entity) == ("employee", "XYZ")
    assert answer.evidence == ("XYZ-IT is an org unit of XYZ", "E1 is employed by XYZ")


def test_group_employee_of_a_sister() -> None:
    reg = seed(employments=[employment("E2", "ABC", valid_from=date(2022, 5, 1))])
    answer = classify(reg, "XYZ", "E2")
    assert (answer.relation.value, answer.internal, answer.uncertain) == (
        "group_employee",
        True,
        False,
    )
    assert (answer.buyer_entity, answer.group) == ("ABC", "JKL")
    assert answer.evidence == (
        "E2 is employed by ABC (since 2022-05-01)",
        JKL_XYZ,
        JKL_ABC,
        XYZ_ABC,
    )


def test_retiree_of_a_sister_is_a_group_employee() -> None:
    reg = seed(employments=[employment("R2", "ABC", kind=EmploymentKind.RETIREE)])
    answer = classify(reg, "XYZ", "R2")
    assert answer.relation.value == "group_employee"
    assert answer.evidence[0] == "R2 is a retiree of ABC"


def test_group_employee_of_the_parent() -> None:
    reg = seed(employments=[employment("E3", "JKL")])
    answer = classify(reg, "XYZ", "E3")
    assert answer.relation.value == "group_employee"
    assert answer.evidence == (
        "E3 is employed by JKL",
        JKL_XYZ,
        "XYZ is controlled by JKL on 2026-06-30",
    )


EMPLOYED_FROM = date(2026, 1, 1)
EMPLOYED_TO = date(2026, 7, 1)


@pytest.mark.parametrize(
    ("on", "relation"),
    [
        pytest.param(date(2025, 12, 31), "external", id="day-before-valid-from"),
        pytest.param(date(2026, 1, 1), "employee", id="valid-from"),
        pytest.param(date(2026, 6, 30), "employee", id="last-day"),
        pytest.param(date(2026, 7, 1), "external", id="valid-to"),
    ],
)
def test_employment_validity_edges(on: date, relation: str) -> None:
    job = employment("E1", "XYZ", valid_from=EMPLOYED_FROM, valid_to=EMPLOYED_TO)
    assert classify(seed(employments=[job]), "XYZ", "E1", on=on).relation.value == relation


def test_employment_evidence_names_its_period() -> None:
    job = employment("E1", "XYZ", valid_from=EMPLOYED_FROM, valid_to=EMPLOYED_TO)
    answer = classify(seed(employments=[job]), "XYZ", "E1")
    assert answer.evidence == ("E1 is employed by XYZ (since 2026-01-01, until 2026-07-01)",)


@pytest.mark.parametrize(
    ("job", "on", "relation"),
    [
        pytest.param(employment("E1", "XYZ"), date(1, 1, 1), "employee", id="open-both-first"),
        pytest.param(employment("E1", "XYZ"), date(9999, 12, 31), "employee", id="open-both-last"),
        pytest.param(
            employment("E1", "XYZ", valid_to=EMPLOYED_TO),
            date(1, 1, 1),
            "employee",
            id="open-start",
        ),
        pytest.param(
            employment("E1", "XYZ", valid_to=EMPLOYED_TO),
            EMPLOYED_TO,
            "external",
            id="open-start-at-valid-to",
        ),
        pytest.param(
            employment("E1", "XYZ", valid_from=EMPLOYED_FROM),
            date(9999, 12, 31),
            "employee",
            id="open-end",
        ),
        pytest.param(
            employment("E1", "XYZ", valid_from=EMPLOYED_FROM),
            date(2025, 12, 31),
            "external",
            id="open-end-before-valid-from",
        ),
    ],
)
def test_employment_open_ends(job: Employment, on: date, relation: str) -> None:
    # given XYZ alone: the relation depends on the employment only
    reg = register([], entities=["XYZ"], employments=[job])
    assert classify(reg, "XYZ", "E1", on=on).relation.value == relation


# --------------------------------------------------------------------------- related parties


def test_related_party_by_common_control_of_one_person() -> None:
    # given JOE, a natural person, owns all of SHOP1 and SHOP2
    reg = register([("JOE", "SHOP1", "100"), ("JOE", "SHOP2", "100")], persons=["JOE"])
    # when
    answer = classify(reg, "SHOP1", "SHOP2")
    # then they are not intercompany, but related
    assert (answer.relation.value, answer.internal) == ("related_party", False)
    assert (answer.buyer_entity, answer.group) == ("SHOP2", "SHOP1")
    assert answer.evidence == (
        "SHOP1 belongs to the SHOP1 group and SHOP2 to the SHOP2 group on 2026-06-30",
        "SHOP1 and SHOP2 are both controlled by JOE, a natural person",
    )


def test_related_party_by_common_control_of_one_person_through_holdings() -> None:
    # given JOE controls H1 and H2, which own SHOP1 and SHOP2
    reg = register(
        [("JOE", "H1", "60"), ("JOE", "H2", "60"), ("H1", "SHOP1", "100"), ("H2", "SHOP2", "100")],
        persons=["JOE"],
    )
    answer = classify(reg, "SHOP1", "SHOP2")
    assert answer.relation.value == "related_party"
    assert answer.evidence == (
        "H1 holds 100% of the votes in SHOP1",
        "H2 holds 100% of the votes in SHOP2",
        "SHOP1 belongs to the H1 group and SHOP2 to the H2 group on 2026-06-30",
        "SHOP1 and SHOP2 are both controlled by JOE, a natural person",
    )


def test_related_party_seller_group_holds_twenty_percent_of_the_buyer() -> None:
    # given ABC (JKL group) holds 20 % of OUT
    reg = seed([("ABC", "OUT", "20")])
    answer = classify(reg, "XYZ", "OUT")
    assert (answer.relation.value, answer.buyer_entity, answer.group) == (
        "related_party",
        "OUT",
        "JKL",
    )
    assert answer.evidence == (
        JKL_XYZ,
        "XYZ belongs to the JKL group and OUT to the OUT group on 2026-06-30",
        "The JKL group holds 20% of the votes in OUT of the OUT group: significant influence (IAS 28.5)",
    )


def test_related_party_buyer_group_holds_twenty_percent_of_a_seller_group_entity() -> None:
    # given OUT holds 25 % of ABC (the sister of the seller)
    reg = seed([("OUT", "ABC", "25")])
    answer = classify(reg, "XYZ", "OUT-SHOP")
    assert (answer.relation.value, answer.buyer_entity) == ("related_party", "OUT")
    assert answer.evidence == (
        "OUT-SHOP is an org unit of OUT",
        JKL_XYZ,
        "XYZ belongs to the JKL group and OUT to the OUT group on 2026-06-30",
        "The OUT group holds 25% of the votes in ABC of the JKL group: significant influence (IAS 28.5)",
    )


def test_significant_influence_adds_up_the_votes_of_a_whole_group() -> None:
    # given ABC and XYZ hold 10 % of OUT each
    reg = seed([("ABC", "OUT", "10"), ("XYZ", "OUT", "10")])
    answer = classify(reg, "OUT", "JKL")
    assert answer.relation.value == "related_party"
    assert answer.evidence[-1] == (
        "The JKL group holds 20% of the votes in OUT of the OUT group: significant influence (IAS 28.5)"
    )


@pytest.mark.parametrize(
    ("votes", "relation"),
    [
        pytest.param("19.99", "external", id="below-20"),
        pytest.param("[15,25]", "external", id="band-lower-bound-below-20"),
        pytest.param("[20,25]", "related_party", id="band-lower-bound-20"),
        pytest.param("(20,25]", "related_party", id="band-lower-bound-above-20"),
    ],
)
def test_significant_influence_is_judged_on_the_lower_bound(votes: str, relation: str) -> None:
    reg = seed([("OUT", "ABC", votes)])
    assert classify(reg, "XYZ", "OUT").relation.value == relation


def test_control_no_stake_gives_no_significant_influence() -> None:
    reg = seed([stake("OUT", "ABC", "40", control=Control.NO)])
    answer = classify(reg, "XYZ", "OUT")
    assert answer.relation.value == "external"
    assert answer.evidence == (
        JKL_XYZ,
        "XYZ belongs to the JKL group and OUT to the OUT group on 2026-06-30",
    )


def test_related_party_person_holds_twenty_percent_of_a_group_entity() -> None:
    # when investor INV (20 % of ABC) buys from XYZ
    answer = classify(seed(), "XYZ", "INV")
    # then
    assert (answer.relation.value, answer.internal, answer.buyer_entity) == (
        "related_party",
        False,
        None,
    )
    assert answer.evidence == (
        "INV holds 20% of the votes in ABC of the JKL group (IAS 24 related party)",
    )


def test_person_with_control_by_agreement_counts_the_votes_of_that_stake() -> None:
    # given KIM holds 30 % of OUT with board appointment rights
    reg = register([stake("KIM", "OUT", "30", control=Control.YES)], persons=["KIM"])
    answer = classify(reg, "OUT", "KIM")
    assert answer.relation.value == "related_party"
    assert answer.evidence == (
        "KIM holds 30% of the votes in OUT of the OUT group (IAS 24 related party)",
    )


def test_person_controlling_by_agreement_without_votes_is_a_related_party() -> None:
    # given KIM controls SUB of the OUT group by agreement, holding no votes
    reg = register(
        [("OUT", "SUB", "100"), stake("KIM", "SUB", "0", control=Control.YES)], persons=["KIM"]
    )

    # when KIM buys from OUT
    answer = classify(reg, "OUT", "KIM")

    # then KIM is related (IAS 24.9(a)(i)), and the evidence says why
    assert answer.relation.value == "related_party"
    assert answer.evidence == ("KIM controls SUB of the OUT group (IAS 24 related party)",)


def test_person_below_twenty_percent_is_external() -> None:
    reg = register([("KIM", "OUT", "19.99")], persons=["KIM"])
    answer = classify(reg, "OUT", "KIM")
    assert answer.relation.value == "external"
    assert answer.evidence == ("KIM has no employment in the OUT group on 2026-06-30",)


def test_person_control_no_stake_is_external() -> None:
    reg = register([stake("KIM", "OUT", "30", control=Control.NO)], persons=["KIM"])
    assert classify(reg, "OUT", "KIM").relation.value == "external"


# --------------------------------------------------------------------------- external


def test_external_entity() -> None:
    answer = classify(seed(), "XYZ", "OUT")
    assert answer == Classification(
        seller="XYZ",
        buyer="OUT",
        on=ON,
        relation=Relation.EXTERNAL,
        seller_entity="XYZ",
        buyer_entity="OUT",
        group="JKL",
        uncertain=False,
        evidence=(JKL_XYZ, "XYZ belongs to the JKL group and OUT to the OUT group on 2026-06-30"),
    )
    assert answer.internal is False


def test_external_person_employed_elsewhere() -> None:
    reg = seed(employments=[employment("E4", "OUT")])
    answer = classify(reg, "XYZ", "E4")
    assert (answer.relation.value, answer.buyer_entity, answer.uncertain) == (
        "external",
        None,
        False,
    )
    assert answer.evidence == ("E4 has no employment in the JKL group on 2026-06-30",)


def test_external_person_without_any_employment() -> None:
    answer = classify(seed(), "ABC", "NOBODY-EMPLOYED")
    assert answer.relation.value == "external"
    assert answer.evidence == ("NOBODY-EMPLOYED has no employment in the JKL group on 2026-06-30",)


def test_unknown_buyer_is_external() -> None:
    answer = classify(seed(), "XYZ-IT", "WALK-IN-42")
    assert answer == Classification(
        seller="XYZ-IT",
        buyer="WALK-IN-42",
        on=ON,
        relation=Relation.EXTERNAL,
        seller_entity="XYZ",
        buyer_entity=None,
        group="JKL",
        uncertain=False,
        evidence=("XYZ-IT is an org unit of XYZ", "WALK-IN-42 is not a known party"),
    )


# --------------------------------------------------------------------------- precedence


def test_employee_beats_group_employee() -> None:
    # given E5 works for ABC and for XYZ at once (ABC sorts first)
    reg = seed(employments=[employment("E5", "ABC"), employment("E5", "XYZ")])
    answer = classify(reg, "XYZ", "E5")
    assert (answer.relation.value, answer.buyer_entity) == ("employee", "XYZ")
    assert answer.evidence == ("E5 is employed by XYZ",)


def test_group_employee_beats_related_party() -> None:
    # given investor INV (20 % of ABC) is also employed by ABC
    reg = seed(employments=[employment("INV", "ABC")])
    answer = classify(reg, "XYZ", "INV")
    assert (answer.relation.value, answer.buyer_entity) == ("group_employee", "ABC")
    assert answer.evidence == ("INV is employed by ABC", JKL_XYZ, JKL_ABC, XYZ_ABC)


def test_employee_beats_related_party() -> None:
    reg = seed(employments=[employment("INV", "ABC")])
    assert classify(reg, "ABC", "INV").relation.value == "employee"


def test_group_employee_found_after_an_employment_elsewhere() -> None:
    # given AL works for AAA-CO (outside, looked at first) and for ABC
    reg = seed(employments=[employment("AL", "AAA-CO"), employment("AL", "ABC")])
    answer = classify(reg, "XYZ", "AL")
    assert (answer.relation.value, answer.buyer_entity) == ("group_employee", "ABC")


def test_intercompany_beats_related_party() -> None:
    # given JOE (a person) controls HOLD, which owns A1 and A2; A1 also holds 30 % of A2
    reg = register(
        [("JOE", "HOLD", "100"), ("HOLD", "A1", "100"), ("HOLD", "A2", "70"), ("A1", "A2", "30")],
        persons=["JOE"],
    )
    answer = classify(reg, "A1", "A2")
    assert answer.relation.value == "intercompany"
    # (the link names every vote HOLD counts in A2, its own and A1's, whatever the order)
    assert answer.evidence == (
        "HOLD holds 100% of the votes in A1",
        "A1 holds 30% of the votes in A2",
        "HOLD holds 70% of the votes in A2",
        "Together HOLD and the entities it controls (A1) hold 100% of the votes in A2",
        "A1 and A2 are both controlled by HOLD on 2026-06-30",
    )


# --------------------------------------------------------------------------- uncertainty


def uncertain_world() -> Register:
    # P maybe controls S ([25,75]); S certainly controls T and U
    return register(
        [("P", "S", "[25,75]"), ("S", "T", "60"), ("S", "U", "60")],
        employments=[employment("E6", "U"), employment("E7", "P")],
    )


DOUBT_S = (
    "Control of S by P is uncertain: together they hold between 25% and 75% of the votes "
    "(stakes P→S [25,75]); it is not assumed"
)


def test_uncertain_intercompany_names_the_stakes_once() -> None:
    answer = classify(uncertain_world(), "T", "U")
    assert (answer.relation.value, answer.uncertain, answer.group) == ("intercompany", True, "S")
    assert answer.evidence == (
        "S holds 60% of the votes in T",
        DOUBT_S,
        "S holds 60% of the votes in U",
        "T and U are both controlled by S on 2026-06-30",
    )


def test_uncertain_control_makes_a_related_party_answer_uncertain() -> None:
    # when P sells to T: P holds at least 25 % of S, T's parent
    answer = classify(uncertain_world(), "P", "T")
    assert (answer.relation.value, answer.uncertain) == ("related_party", True)
    assert answer.evidence == (
        "S holds 60% of the votes in T",
        DOUBT_S,
        "P belongs to the P group and T to the S group on 2026-06-30",
        "The P group holds between 25% and 75% of the votes in S of the S group: "
        "significant influence (IAS 28.5)",
    )


def test_uncertain_group_employee() -> None:
    answer = classify(uncertain_world(), "T", "E6")
    assert (answer.relation.value, answer.uncertain) == ("group_employee", True)
    assert answer.evidence == (
        "E6 is employed by U",
        "S holds 60% of the votes in T",
        DOUBT_S,
        "S holds 60% of the votes in U",
        "T and U are both controlled by S on 2026-06-30",
    )


def test_uncertain_external_person_names_the_stakes() -> None:
    # when E7, employed by P, buys from T: P may control S, then E7 would be a group employee
    answer = classify(uncertain_world(), "T", "E7")
    assert (answer.relation.value, answer.uncertain) == ("external", True)
    assert answer.evidence == ("E7 has no employment in the S group on 2026-06-30", DOUBT_S)


def test_employee_of_the_seller_is_certain_despite_doubts_above() -> None:
    answer = classify(uncertain_world(), "U", "E6")
    assert (answer.relation.value, answer.uncertain) == ("employee", False)


# --------------------------------------------------------------------------- errors


@pytest.mark.parametrize(
    ("seller", "buyer"),
    [
        pytest.param("XYZ", "XYZ", id="entity"),
        pytest.param("XYZ-IT", "XYZ-IT", id="unit"),
        pytest.param("XYZ-IT", "XYZ", id="unit-to-its-entity"),
    ],
)
def test_selling_to_oneself_is_invalid(seller: str, buyer: str) -> None:
    with pytest.raises(InvalidRequest, match=rf"^{buyer} cannot buy from itself \({seller}\)$"):
        classify(seed(), seller, buyer)


@pytest.mark.parametrize("seller", ["NOPE", "INV"], ids=["unknown-id", "person"])
def test_seller_must_be_a_known_entity_or_unit(seller: str) -> None:
    with pytest.raises(UnknownParty, match=rf"^{seller} is not a known legal entity or org unit$"):
        classify(seed(), seller, "ABC")
