"""Control, groups and effective ownership on a date (groups.md, "Control, groups, ...")."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from groups_builders import ON, register, stake

from inhouse.groups.domain import Control, Ownership, Structure


def snapshot(*stakes: tuple[str, str, str], on: date = ON) -> Structure:
    return register(stakes).structure_on(on)


def doubt(entity: str, candidate: str, votes: str, stakes: str) -> str:
    return (
        f"Control of {entity} by {candidate} is uncertain: together they hold {votes} "
        f"of the votes (stakes {stakes}); it is not assumed"
    )


# --------------------------------------------------------------------------- bands


def test_band_above_half_is_certain_control() -> None:
    # given P holds (50,75] of S
    snap = snapshot(("P", "S", "(50,75]"))
    # when
    member = snap.membership("S")
    # then
    assert member.ultimate_parent == "P"
    assert member.uncertain is False
    assert member.sentences() == ["P holds more than 50% up to 75% of the votes in S"]


def test_band_across_half_is_uncertain_and_not_assumed() -> None:
    # given P holds [25,75] of S: only the upper bound passes 50
    snap = snapshot(("P", "S", "[25,75]"))
    # when
    member = snap.membership("S")
    # then
    assert member.ultimate_parent == "S"
    assert member.uncertain is True
    assert member.sentences() == [doubt("S", "P", "between 25% and 75%", "P→S [25,75]")]


def test_lower_bound_excluded_at_exactly_fifty_is_certain() -> None:
    member = snapshot(("P", "S", "(50,60]")).membership("S")
    assert (member.ultimate_parent, member.uncertain) == ("P", False)


def test_lower_bound_included_at_exactly_fifty_is_uncertain() -> None:
    # given [50,60]: 50 % itself is possible, and 50 % is not more than half
    member = snapshot(("P", "S", "[50,60]")).membership("S")
    assert (member.ultimate_parent, member.uncertain) == ("S", True)
    assert member.sentences() == [doubt("S", "P", "between 50% and 60%", "P→S [50,60]")]


def test_exactly_fifty_is_neither_control_nor_doubt() -> None:
    member = snapshot(("P", "S", "50")).membership("S")
    assert (member.ultimate_parent, member.uncertain) == ("S", False)


def test_two_stakes_summing_to_fifty_with_one_excluded_lower_bound_control() -> None:
    # given P controls Q; P holds (25,40] and Q holds 25 of S: the sum is more than 50
    snap = snapshot(("P", "Q", "60"), ("P", "S", "(25,40]"), ("Q", "S", "25"))
    # when
    member = snap.membership("S")
    # then
    assert (member.ultimate_parent, member.uncertain) == ("P", False)
    assert member.sentences() == [
        "P holds more than 25% up to 40% of the votes in S",
        "Q holds 25% of the votes in S",
        "Together P and the entities it controls (Q) hold more than 50% up to 65% of the votes in S",
    ]


def test_two_stakes_summing_to_fifty_with_included_bounds_are_only_uncertain() -> None:
    snap = snapshot(("P", "Q", "60"), ("P", "S", "[25,40]"), ("Q", "S", "25"))
    member = snap.membership("S")
    assert (member.ultimate_parent, member.uncertain) == ("S", True)
    # Q alone (25 %) is no candidate: only P counts Q's votes with its own
    assert member.sentences() == [doubt("S", "P", "between 50% and 65%", "P→S [25,40], Q→S 25")]


def test_excluded_upper_bound_at_fifty_raises_no_doubt() -> None:
    # given [25,50): the votes are below 50 whatever they are
    member = snapshot(("P", "S", "[25,50)")).membership("S")
    assert (member.ultimate_parent, member.uncertain) == ("S", False)


def test_excluded_upper_bound_above_fifty_is_uncertain() -> None:
    member = snapshot(("P", "S", "[40,60)")).membership("S")
    assert (member.ultimate_parent, member.uncertain) == ("S", True)
    assert member.sentences() == [doubt("S", "P", "at least 40% less than 60%", "P→S [40,60)")]


def test_excluded_upper_bound_does_not_hide_certain_control() -> None:
    member = snapshot(("P", "S", "(50,75)")).membership("S")
    assert (member.ultimate_parent, member.uncertain) == ("P", False)


def test_uncertainty_propagates_down_to_subsidiaries() -> None:
    # given P maybe controls S, and S certainly controls T
    snap = snapshot(("P", "S", "[25,75]"), ("S", "T", "60"))
    # when
    member = snap.membership("T")
    # then T is in S's group, and that is uncertain because of the stake above it
    assert (member.ultimate_parent, member.uncertain) == ("S", True)
    assert member.sentences() == [
        "S holds 60% of the votes in T",
        doubt("S", "P", "between 25% and 75%", "P→S [25,75]"),
    ]


def test_doubt_about_another_entity_leaves_a_certain_member_certain() -> None:
    # given P certainly controls T; whether X controls S is in doubt
    snap = snapshot(("P", "T", "60"), ("X", "S", "[25,75]"))
    # then T's membership does not depend on that doubt
    assert snap.membership("T").uncertain is False
    assert snap.membership("S").uncertain is True


# --------------------------------------------------------------------------- control flag


def test_control_yes_gives_control_whatever_the_votes() -> None:
    # given a 10 % stake with control = yes (board appointment rights)
    reg = register([stake("P", "S", "10", control=Control.YES)])
    # when
    member = reg.structure_on(ON).membership("S")
    # then
    assert (member.ultimate_parent, member.uncertain) == ("P", False)
    assert member.sentences() == ["P controls S by agreement"]


def test_control_no_never_counts() -> None:
    # given 60 % of the votes that are not substantive
    reg = register([stake("P", "S", "60", control=Control.NO)])
    member = reg.structure_on(ON).membership("S")
    assert (member.ultimate_parent, member.uncertain) == ("S", False)


def test_control_no_votes_of_a_controlled_holder_do_not_count() -> None:
    # given P 30 % of S and P's subsidiary Q 30 % of S, Q's votes flagged control = no
    reg = register([("P", "Q", "60"), ("P", "S", "30"), stake("Q", "S", "30", control=Control.NO)])
    assert reg.structure_on(ON).group_of("S") == "S"


def test_votes_of_a_controlled_holder_count_in_full() -> None:
    # given GRP-4: weighted by ownership B's votes would be 0.51 × 15 = 7.65 and 47.65 < 50
    snap = snapshot(("A", "B", "51"), ("A", "C", "40"), ("B", "C", "15"))
    # when
    member = snap.membership("C")
    # then
    assert member.ultimate_parent == "A"
    assert member.controller == "A"
    assert member.sentences() == [
        "A holds 40% of the votes in C",
        "B holds 15% of the votes in C",
        "Together A and the entities it controls (B) hold 55% of the votes in C",
    ]


def test_votes_of_an_uncontrolled_holder_do_not_count() -> None:
    # given A holds exactly 50 % of B: A does not control B, so B's 15 % is not A's
    snap = snapshot(("A", "B", "50"), ("A", "C", "40"), ("B", "C", "15"))
    assert (snap.group_of("B"), snap.group_of("C")) == ("B", "C")
    assert snap.membership("C").uncertain is False


def test_persons_never_head_a_group() -> None:
    # given a natural person holding all of two companies
    reg = register([("JOE", "ABC", "100"), ("JOE", "XYZ", "100")], persons=["JOE"])
    snap = reg.structure_on(ON)
    assert (snap.group_of("ABC"), snap.group_of("XYZ")) == ("ABC", "XYZ")


# --------------------------------------------------------------------------- validity


STAKE_FROM = date(2026, 1, 1)
STAKE_TO = date(2026, 7, 1)


@pytest.mark.parametrize(
    ("on", "group"),
    [
        pytest.param(date(2025, 12, 31), "S", id="day-before-valid-from"),
        pytest.param(date(2026, 1, 1), "P", id="valid-from"),
        pytest.param(date(2026, 6, 30), "P", id="last-day"),
        pytest.param(date(2026, 7, 1), "S", id="valid-to"),
    ],
)
def test_stake_validity_edges(on: date, group: str) -> None:
    reg = register([stake("P", "S", "60", valid_from=STAKE_FROM, valid_to=STAKE_TO)])
    assert reg.structure_on(on).group_of("S") == group


def test_stake_evidence_names_its_period() -> None:
    reg = register([stake("P", "S", "60", valid_from=STAKE_FROM, valid_to=STAKE_TO)])
    assert reg.structure_on(ON).membership("S").sentences() == [
        "P holds 60% of the votes in S (since 2026-01-01, until 2026-07-01)"
    ]


@pytest.mark.parametrize("on", [date(1, 1, 1), ON, date(9999, 12, 31)])
def test_stake_open_at_both_ends_is_always_valid(on: date) -> None:
    assert register([("P", "S", "60")]).structure_on(on).group_of("S") == "P"


def test_stake_open_start_is_valid_until_valid_to() -> None:
    reg = register([stake("P", "S", "60", valid_to=STAKE_TO)])
    assert reg.structure_on(date(1, 1, 1)).group_of("S") == "P"
    assert reg.structure_on(date(2026, 6, 30)).group_of("S") == "P"
    assert reg.structure_on(date(2026, 7, 1)).group_of("S") == "S"
    assert reg.structure_on(ON).membership("S").sentences() == [
        "P holds 60% of the votes in S (until 2026-07-01)"
    ]


def test_stake_open_end_is_valid_from_valid_from_on() -> None:
    reg = register([stake("P", "S", "60", valid_from=STAKE_FROM)])
    assert reg.structure_on(date(2025, 12, 31)).group_of("S") == "S"
    assert reg.structure_on(date(2026, 1, 1)).group_of("S") == "P"
    assert reg.structure_on(date(9999, 12, 31)).group_of("S") == "P"


# --------------------------------------------------------------------------- cycles


def test_two_cycle_group_is_the_smaller_id() -> None:
    # given M and K control each other
    snap = snapshot(("M", "K", "60"), ("K", "M", "60"))
    # then both are in the K group
    assert (snap.group_of("K"), snap.group_of("M")) == ("K", "K")
    assert snap.members() == {"K": ["K", "M"]}


def test_three_cycle_group_is_the_smallest_id() -> None:
    snap = snapshot(("R", "Q", "60"), ("Q", "S", "60"), ("S", "R", "60"))
    assert {e: snap.group_of(e) for e in ("Q", "R", "S")} == {"Q": "Q", "R": "Q", "S": "Q"}


def test_cycle_with_a_subsidiary_below() -> None:
    # given M and K control each other and M controls T
    snap = snapshot(("M", "K", "60"), ("K", "M", "60"), ("M", "T", "60"))
    # then T belongs to the cycle's group, named by its smallest id
    assert {e: snap.group_of(e) for e in ("K", "M", "T")} == {"K": "K", "M": "K", "T": "K"}
    assert snap.membership("T").sentences() == ["M holds 60% of the votes in T"]


def test_reciprocal_minority_holding_is_no_cycle() -> None:
    # given Z controls K, K controls M, and M holds 30 % back in K
    snap = snapshot(("Z", "K", "60"), ("K", "M", "60"), ("M", "K", "30"))
    # then Z heads the group although K is held by its own subsidiary
    assert {e: snap.group_of(e) for e in ("K", "M", "Z")} == {"K": "Z", "M": "Z", "Z": "Z"}


# --------------------------------------------------------------------------- ownership


def ownership(snap: Structure, entity: str) -> Ownership:
    return snap.ownership(snap.group_of(entity))[entity]


def test_cross_holding_of_a_subsidiary_in_a_sister() -> None:
    # given P 80 % A, P 60 % B, A 20 % B
    snap = snapshot(("P", "A", "80"), ("P", "B", "60"), ("A", "B", "20"))
    # then B = 60 + 0.8 × 20 = 76
    assert ownership(snap, "B") == Ownership("B", Decimal("76"), Decimal("24"), False)
    assert ownership(snap, "A") == Ownership("A", Decimal("80"), Decimal("20"), False)
    assert ownership(snap, "P") == Ownership("P", Decimal("100"), Decimal("0"), False)


def test_circular_cross_holding_solves_the_linear_system() -> None:
    # given P 80 % A, P 40 % B, A 30 % B, B 10 % A:
    # a = 0.8 + 0.1 b, b = 0.4 + 0.3 a  →  a = 84/97, b = 64/97
    snap = snapshot(("P", "A", "80"), ("P", "B", "40"), ("A", "B", "30"), ("B", "A", "10"))
    assert ownership(snap, "A") == Ownership("A", Decimal("86.5979"), Decimal("13.4021"), False)
    assert ownership(snap, "B") == Ownership("B", Decimal("65.9794"), Decimal("34.0206"), False)


def test_equity_band_counts_with_its_midpoint_and_says_so() -> None:
    # given 100 % of the votes, equity between 40 and 60 %
    reg = register([stake("P", "S", "100", equity="[40,60]"), ("S", "T", "60")])
    snap = reg.structure_on(ON)
    assert ownership(snap, "S") == Ownership("S", Decimal("50"), Decimal("50"), True)
    # and T's interest goes through that midpoint too
    assert ownership(snap, "T") == Ownership("T", Decimal("30"), Decimal("70"), True)


def test_band_held_outside_the_group_is_not_used() -> None:
    # given X (not in P's group) holds a band of S's equity
    snap = snapshot(("P", "S", "80"), ("X", "S", "[10,20]"))
    assert ownership(snap, "S") == Ownership("S", Decimal("80"), Decimal("20"), False)


def test_equity_differs_from_voting() -> None:
    # given 60 % of the votes but 30 % of the equity: control, yet 70 % NCI
    reg = register([stake("P", "S", "60", equity="30"), ("S", "T", "100")])
    snap = reg.structure_on(ON)
    assert snap.group_of("S") == "P"
    assert ownership(snap, "S") == Ownership("S", Decimal("30"), Decimal("70"), False)
    assert ownership(snap, "T") == Ownership("T", Decimal("30"), Decimal("70"), False)


def test_equity_without_votes_gives_no_control() -> None:
    reg = register([stake("P", "S", "40", equity="80")])
    assert reg.structure_on(ON).group_of("S") == "S"


def test_equity_of_a_control_no_stake_still_counts() -> None:
    # given P 60 % of S plus 20 % whose votes are not substantive: the money is still P's
    reg = register([("P", "S", "60"), stake("P", "S", "20", control=Control.NO)])
    snap = reg.structure_on(ON)
    assert ownership(snap, "S") == Ownership("S", Decimal("80"), Decimal("20"), False)


# --------------------------------------------------------------------------- doubts further up


def test_votes_of_an_entity_that_may_be_controlled_make_control_uncertain() -> None:
    # given P may control Q ([25,75]), and P and Q hold 30 % of S each
    snap = snapshot(("P", "Q", "[25,75]"), ("P", "S", "30"), ("Q", "S", "30"))
    # when
    member = snap.membership("S")
    # then S is nobody's for certain, and P's possible control is named with its reason
    assert (member.ultimate_parent, member.uncertain) == ("S", True)
    assert member.sentences() == [
        "Control of S by P is uncertain: together they hold 60% of the votes "
        "(stakes P→S 30, Q→S 30), counting Q, which P may or may not control "
        "(stakes P→Q [25,75]); it is not assumed"
    ]


def test_a_doubt_two_steps_up_names_every_uncertain_link() -> None:
    snap = snapshot(("P", "Q", "[25,75]"), ("Q", "R", "[25,75]"), ("P", "S", "20"),
                    ("R", "S", "40"))  # fmt: skip
    member = snap.membership("S")
    assert (member.ultimate_parent, member.uncertain) == ("S", True)
    assert member.sentences() == [
        "Control of S by P is uncertain: together they hold 60% of the votes "
        "(stakes P→S 20, R→S 40), counting Q, R, which P may or may not control "
        "(stakes P→Q [25,75], Q→R [25,75]); it is not assumed"
    ]


def test_a_doubt_over_the_controller_is_named_once_not_again_below() -> None:
    # given Q controls S for certain, and P may control Q
    member = snapshot(("P", "Q", "[25,75]"), ("Q", "S", "60")).membership("S")
    assert (member.ultimate_parent, member.uncertain) == ("Q", True)
    assert member.sentences() == [
        "Q holds 60% of the votes in S",
        doubt("Q", "P", "between 25% and 75%", "P→Q [25,75]"),
    ]


def test_votes_that_stay_below_half_even_on_the_upper_bounds_raise_no_doubt() -> None:
    member = snapshot(("P", "Q", "[25,75]"), ("P", "S", "20"), ("Q", "S", "30")).membership("S")
    assert (member.ultimate_parent, member.uncertain) == ("S", False)


def test_a_cycle_of_possible_control_ends_and_doubts_both() -> None:
    snap = snapshot(("A", "B", "[25,75]"), ("B", "A", "[25,75]"), ("A", "S", "30"),
                    ("B", "S", "30"))  # fmt: skip
    member = snap.membership("S")
    assert (member.ultimate_parent, member.uncertain) == ("S", True)
    assert [line.split(":")[0] for line in member.sentences()] == [
        "Control of S by A is uncertain",
        "Control of S by B is uncertain",
    ]
