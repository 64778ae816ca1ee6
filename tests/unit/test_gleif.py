"""The GLEIF reader (LEI-CDF 3.1, RR-CDF 2.1): the fixture group, the rules of docs/gleif.md,
and every problem kind."""

from __future__ import annotations

import re
import zipfile
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from inhouse.dataset import archive, load_register
from inhouse.dataset.errors import DatasetError
from inhouse.dataset.gleif import RELATIONSHIP_TYPES, read_gleif
from inhouse.dates import Period
from inhouse.groups.domain import Control, Entity, Relation, Share, Stake

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "gleif"
GROUP = FIXTURES / "group"
BROKEN = FIXTURES / "broken"
DOCS = Path(__file__).resolve().parents[2] / "docs" / "gleif.md"

JKL, ABC, XYZ = "529900JKLHOLDINGSE95", "529900ABCGMBH0000134", "213800XYZLTD00000147"
DEF, GHI, BRANCH = "969500DEFSAS00000132", "549300GHIINC00000193", "213800JKLLONDONBR144"
MNO, PQR, OUTSIDE = "724500MNOBV000000131", "529900PQRAG000000173", "529900OUTSIDEAG00106"
ABSENT = "529900NOTINLEVEL0118"  # a valid LEI that no LEI record has
UNKNOWN = Share(Decimal(0), Decimal(100))  # [0,100]: consolidated, size unknown


def stake(parent: str, child: str, share: Share, since: str | None, until: str | None = None
          ) -> Stake:  # fmt: skip
    period = Period(date.fromisoformat(since) if since else None,
                    date.fromisoformat(until) if until else None)  # fmt: skip
    return Stake(parent, child, share, share, period, Control.YES)


# --------------------------------------------------------------------------- writing files


def lei_record(lei: str, name: str = "A GmbH", country: str = "DE", *, entity_status: str =
               "ACTIVE", registration: str = "ISSUED") -> str:  # fmt: skip
    return f"""
    <lei:LEIRecord>
      <lei:LEI>{lei}</lei:LEI>
      <lei:Entity>
        <lei:LegalName>{name}</lei:LegalName>
        <lei:LegalAddress><lei:City>Berlin</lei:City><lei:Country>{country}</lei:Country></lei:LegalAddress>
        <lei:LegalJurisdiction>{country}</lei:LegalJurisdiction>
        <lei:EntityStatus>{entity_status}</lei:EntityStatus>
      </lei:Entity>
      <lei:Registration><lei:RegistrationStatus>{registration}</lei:RegistrationStatus></lei:Registration>
    </lei:LEIRecord>"""


def lei_file(*records: str) -> str:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<lei:LEIData xmlns:lei="http://www.gleif.org/data/schema/leidata/2016">
  <lei:Header><lei:ContentDate>2026-12-01T08:00:00Z</lei:ContentDate></lei:Header>
  <lei:LEIRecords>{"".join(records)}
  </lei:LEIRecords>
</lei:LEIData>
"""


def period(kind: str, start: str | None = None, end: str | None = None) -> str:
    start_xml = f"<rr:StartDate>{start}</rr:StartDate>" if start else ""
    end_xml = f"<rr:EndDate>{end}</rr:EndDate>" if end else ""
    return f"<rr:RelationshipPeriod>{start_xml}{end_xml}<rr:PeriodType>{kind}</rr:PeriodType>" \
           "</rr:RelationshipPeriod>"  # fmt: skip


def quantifier(amount: str, units: str = "PERCENTAGE",
               method: str = "ACCOUNTING_CONSOLIDATION") -> str:  # fmt: skip
    return f"""<rr:RelationshipQuantifier><rr:MeasurementMethod>{method}</rr:MeasurementMethod>
      <rr:QuantifierAmount>{amount}</rr:QuantifierAmount><rr:QuantifierUnits>{units}</rr:QuantifierUnits>
      </rr:RelationshipQuantifier>"""


def rr_record(child: str, parent: str, kind: str = "IS_DIRECTLY_CONSOLIDATED_BY", *,
              periods: tuple[str, ...] = (), status: str = "ACTIVE",
              registration: str = "PUBLISHED", quantifiers: tuple[str, ...] = ()) -> str:  # fmt: skip
    periods_xml = (f"<rr:RelationshipPeriods>{''.join(periods)}</rr:RelationshipPeriods>"
                   if periods else "")  # fmt: skip
    quantifiers_xml = (f"<rr:RelationshipQuantifiers>{''.join(quantifiers)}"
                       "</rr:RelationshipQuantifiers>" if quantifiers else "")  # fmt: skip
    return f"""
    <rr:RelationshipRecord>
      <rr:Relationship>
        <rr:StartNode><rr:NodeID>{child}</rr:NodeID><rr:NodeIDType>LEI</rr:NodeIDType></rr:StartNode>
        <rr:EndNode><rr:NodeID>{parent}</rr:NodeID><rr:NodeIDType>LEI</rr:NodeIDType></rr:EndNode>
        <rr:RelationshipType>{kind}</rr:RelationshipType>
        {periods_xml}
        <rr:RelationshipStatus>{status}</rr:RelationshipStatus>
        {quantifiers_xml}
      </rr:Relationship>
      <rr:Registration><rr:RegistrationStatus>{registration}</rr:RegistrationStatus></rr:Registration>
    </rr:RelationshipRecord>"""


def rr_file(*records: str) -> str:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<rr:RelationshipData xmlns:rr="http://www.gleif.org/data/schema/rr/2016">
  <rr:Header><rr:ContentDate>2026-12-01T08:00:00Z</rr:ContentDate></rr:Header>
  <rr:RelationshipRecords>{"".join(records)}
  </rr:RelationshipRecords>
</rr:RelationshipData>
"""


PARTIES = lei_file(lei_record(JKL, "JKL Holding SE"), lei_record(ABC, "ABC GmbH"),
                   lei_record(XYZ, "XYZ Ltd", "GB"))  # fmt: skip


def folder(tmp_path: Path, *relationships: str, leis: str = PARTIES) -> Path:
    """A GLEIF folder: the LEI file and an RR file of these records."""
    path = tmp_path / "gleif"
    path.mkdir(exist_ok=True)
    (path / "lei.xml").write_text(leis, encoding="utf-8")
    (path / "rr.xml").write_text(rr_file(*relationships), encoding="utf-8")
    return path


def stakes_of(tmp_path: Path, *relationships: str) -> list[Stake]:
    return read_gleif(folder(tmp_path, *relationships)).stakes


def problems_of(path: Path) -> list[str]:
    with pytest.raises(DatasetError) as caught:
        read_gleif(path)
    return str(caught.value).splitlines()[1:]


# --------------------------------------------------------------------------- the fixture group


def test_every_lei_record_of_the_fixture_is_an_entity_whatever_its_status() -> None:
    # when
    register = read_gleif(GROUP)
    # then: the lapsed GHI, the retired and merged PQR and the branch are entities too
    assert list(register.entities.values()) == [
        Entity(JKL, "JKL Holding SE", "DE", lei=JKL),
        Entity(ABC, "ABC Maschinenbau GmbH", "DE", lei=ABC),
        Entity(XYZ, "XYZ COMPONENTS LIMITED", "GB", lei=XYZ),
        Entity(DEF, "DEF DISTRIBUTION SAS", "FR", lei=DEF),
        Entity(GHI, "GHI Instruments, Inc.", "US", lei=GHI),
        Entity(BRANCH, "JKL Holding SE, London Branch", "GB", lei=BRANCH),
        Entity(MNO, "MNO Logistiek B.V.", "NL", lei=MNO),
        Entity(PQR, "PQR Antriebstechnik AG", "DE", lei=PQR),
        Entity(OUTSIDE, "Outside Handel AG", "DE", lei=OUTSIDE),
    ]


def test_the_fixture_gives_a_control_stake_for_each_consolidation_that_counts() -> None:
    # when
    register = read_gleif(GROUP)
    # then
    assert register.stakes == [
        # 1: a relationship period from 2019, 100 %
        stake(JKL, ABC, Share.exact("100.00"), "2019-01-01"),
        # 3: the start 2020-07-01T00:00:00+01:00 is 1 July as written, 75.5 %
        stake(ABC, XYZ, Share.exact("75.50"), "2020-07-01"),
        # 5: inactive, EndDate 2022-06-30 inclusive; no quantifier
        stake(JKL, DEF, UNKNOWN, "2018-03-01", "2022-07-01"),
        # 6: a lapsed record counts; only an accounting period: from its start, open
        stake(JKL, GHI, UNKNOWN, "2023-01-01"),
        # 8: only an ultimate parent: it stands in for the direct one
        stake(JKL, MNO, UNKNOWN, "2021-04-01"),
        # 9: inactive without EndDate: ends with its last accounting period (2020-12-31)
        stake(ABC, PQR, UNKNOWN, "2015-05-01", "2021-01-01"),
    ]  # 2 and 4 (ultimate parents beside direct ones), 7 (a branch), 10 (a duplicate): none


def test_in_the_fixture_xyz_buying_from_abc_is_intercompany_through_jkl() -> None:
    # given
    register = read_gleif(GROUP)
    # when
    answer = register.classify(ABC, XYZ, date(2026, 3, 2))
    # then
    assert answer.relation is Relation.INTERCOMPANY
    assert answer.group == JKL
    assert not answer.uncertain
    assert answer.evidence == (
        f"{JKL} controls {ABC} by agreement (since 2019-01-01)",
        f"{ABC} controls {XYZ} by agreement (since 2020-07-01)",
        f"{ABC} and {XYZ} are both controlled by {JKL} on 2026-03-02",
    )


@pytest.mark.parametrize(
    ("buyer", "on", "relation"),
    [
        (DEF, "2022-06-30", Relation.INTERCOMPANY),  # the last day of the relationship period
        (DEF, "2022-07-01", Relation.EXTERNAL),  # sold
        (PQR, "2020-12-31", Relation.INTERCOMPANY),  # the last day of the accounting period
        (PQR, "2021-01-01", Relation.EXTERNAL),
        (GHI, "2023-01-01", Relation.INTERCOMPANY),
        (GHI, "2022-12-31", Relation.EXTERNAL),
        (MNO, "2026-03-02", Relation.INTERCOMPANY),
        (BRANCH, "2026-03-02", Relation.EXTERNAL),  # a branch relationship makes no stake
        (OUTSIDE, "2026-03-02", Relation.EXTERNAL),
    ],
)
def test_who_is_in_the_fixture_group_on_a_date(buyer: str, on: str, relation: Relation) -> None:
    # given
    register = read_gleif(GROUP)
    # when
    answer = register.classify(JKL, buyer, date.fromisoformat(on))
    # then
    assert answer.relation is relation


def test_the_ultimate_parent_derived_from_the_direct_links_is_jkl() -> None:
    # given XYZ's chain XYZ → ABC → JKL (record 4 names JKL as the ultimate parent as well)
    snapshot = read_gleif(GROUP).structure_on(date(2026, 3, 2))
    # when
    membership = snapshot.membership(XYZ)
    # then
    assert membership.ultimate_parent == JKL
    assert membership.controller == ABC


def test_load_register_reads_a_folder_of_xml_files_as_gleif() -> None:
    # when
    register = load_register(GROUP)
    # then
    assert register.stakes == read_gleif(GROUP).stakes
    assert len(register.entities) == 9


def test_one_lei_cdf_file_on_its_own_gives_entities_without_stakes() -> None:
    # when
    register = load_register(GROUP / "20261201-0800-gleif-goldencopy-lei2-golden-copy.xml")
    # then
    assert len(register.entities) == 9
    assert register.stakes == []


def test_a_zip_of_a_gleif_folder_unpacks_to_that_folder(tmp_path: Path) -> None:
    # given a ZIP with the two files in a folder, as when the folder is zipped
    upload = tmp_path / "gleif.zip"
    with zipfile.ZipFile(upload, "w") as zipped:
        for file in sorted(GROUP.iterdir()):
            zipped.write(file, f"gleif-2026-12-01/{file.name}")
    # when
    root = archive.unpack(upload, tmp_path / "unpacked")
    # then
    assert root == tmp_path / "unpacked" / "gleif-2026-12-01"
    assert read_gleif(root).stakes == read_gleif(GROUP).stakes


# --------------------------------------------------------------------------- mapping rules


def test_a_percentage_is_the_votes_and_the_equity(tmp_path: Path) -> None:
    # when
    stakes = stakes_of(tmp_path, rr_record(ABC, JKL, quantifiers=(quantifier("60"),)))
    # then
    assert stakes == [stake(JKL, ABC, Share.exact(60), None)]


def test_without_a_percentage_votes_and_equity_are_unknown(tmp_path: Path) -> None:
    # when
    stakes = stakes_of(tmp_path, rr_record(ABC, JKL))
    # then: valid always (no period), control yes, [0,100]
    assert stakes == [stake(JKL, ABC, UNKNOWN, None)]
    assert stakes[0].voting.notation() == "[0,100]"


def test_the_first_of_several_quantifiers_counts(tmp_path: Path) -> None:
    # when
    stakes = stakes_of(
        tmp_path, rr_record(ABC, JKL, quantifiers=(quantifier("51"), quantifier("80")))
    )
    # then
    assert stakes == [stake(JKL, ABC, Share.exact(51), None)]


def test_an_end_date_is_the_last_day_so_valid_to_is_the_day_after(tmp_path: Path) -> None:
    # when
    stakes = stakes_of(tmp_path, rr_record(ABC, JKL, status="INACTIVE", periods=(
        period("RELATIONSHIP_PERIOD", "2019-01-01T00:00:00Z", "2021-06-30T00:00:00Z"),)))  # fmt: skip
    # then
    assert stakes == [stake(JKL, ABC, UNKNOWN, "2019-01-01", "2021-07-01")]


@pytest.mark.parametrize(
    ("written", "day"),
    [
        ("2019-01-01T00:00:00Z", "2019-01-01"),
        ("2019-01-01T00:00:00+01:00", "2019-01-01"),  # the date as written, not in UTC
        ("2019-01-01T23:30:00-05:00", "2019-01-01"),
        ("2019-01-01T00:00:00.000Z", "2019-01-01"),
        ("  2019-01-01T00:00:00Z ", "2019-01-01"),  # white space around it, as in real files
        ("2019-01-01", "2019-01-01"),
    ],
)
def test_the_day_of_a_date_time_is_its_date_as_written(
    tmp_path: Path, written: str, day: str
) -> None:
    # when
    stakes = stakes_of(tmp_path, rr_record(ABC, JKL, periods=(
        period("RELATIONSHIP_PERIOD", written),)))  # fmt: skip
    # then
    assert stakes == [stake(JKL, ABC, UNKNOWN, day)]


def test_the_relationship_period_wins_over_the_accounting_period(tmp_path: Path) -> None:
    # when
    stakes = stakes_of(tmp_path, rr_record(ABC, JKL, periods=(
        period("ACCOUNTING_PERIOD", "2025-01-01T00:00:00Z", "2025-12-31T00:00:00Z"),
        period("RELATIONSHIP_PERIOD", "2012-04-01T00:00:00Z"),
        period("DOCUMENT_FILING_PERIOD", "2026-04-30T00:00:00Z"))))  # fmt: skip
    # then
    assert stakes == [stake(JKL, ABC, UNKNOWN, "2012-04-01")]


def test_active_with_only_accounting_periods_runs_from_the_first_open_ended(
    tmp_path: Path,
) -> None:
    # when
    stakes = stakes_of(tmp_path, rr_record(ABC, JKL, periods=(
        period("ACCOUNTING_PERIOD", "2025-01-01T00:00:00Z", "2025-12-31T00:00:00Z"),
        period("ACCOUNTING_PERIOD", "2024-01-01T00:00:00Z", "2024-12-31T00:00:00Z"))))  # fmt: skip
    # then
    assert stakes == [stake(JKL, ABC, UNKNOWN, "2024-01-01")]


def test_the_filing_period_alone_gives_no_period(tmp_path: Path) -> None:
    # when
    stakes = stakes_of(tmp_path, rr_record(ABC, JKL, periods=(
        period("DOCUMENT_FILING_PERIOD", "2026-04-30T00:00:00Z"),)))  # fmt: skip
    # then
    assert stakes == [stake(JKL, ABC, UNKNOWN, None)]


def test_inactive_without_end_date_ends_with_its_last_accounting_period(tmp_path: Path) -> None:
    # when
    stakes = stakes_of(tmp_path, rr_record(ABC, JKL, status="INACTIVE", periods=(
        period("RELATIONSHIP_PERIOD", "2015-05-01T00:00:00Z"),
        period("ACCOUNTING_PERIOD", "2019-01-01T00:00:00Z", "2019-12-31T00:00:00Z"),
        period("ACCOUNTING_PERIOD", "2020-01-01T00:00:00Z", "2020-12-31T00:00:00Z"))))  # fmt: skip
    # then
    assert stakes == [stake(JKL, ABC, UNKNOWN, "2015-05-01", "2021-01-01")]


@pytest.mark.parametrize(
    "periods",
    [
        (),
        (period("RELATIONSHIP_PERIOD", "2015-05-01T00:00:00Z"),),
        # the last accounting period ended before the relationship began: no end after it
        (period("RELATIONSHIP_PERIOD", "2021-05-01T00:00:00Z"),
         period("ACCOUNTING_PERIOD", "2020-01-01T00:00:00Z", "2020-12-31T00:00:00Z")),
    ],
)  # fmt: skip
def test_inactive_without_any_known_end_is_skipped(tmp_path: Path, periods: tuple[str, ...]
                                                   ) -> None:  # fmt: skip
    # when
    stakes = stakes_of(tmp_path, rr_record(ABC, JKL, status="INACTIVE", periods=periods))
    # then
    assert stakes == []


def test_a_retired_record_has_ended_like_an_inactive_one(tmp_path: Path) -> None:
    # when
    stakes = stakes_of(tmp_path, rr_record(ABC, JKL, registration="RETIRED", periods=(
        period("RELATIONSHIP_PERIOD", "2015-05-01T00:00:00Z"),
        period("ACCOUNTING_PERIOD", "2020-01-01T00:00:00Z", "2020-12-31T00:00:00Z"))))  # fmt: skip
    # then
    assert stakes == [stake(JKL, ABC, UNKNOWN, "2015-05-01", "2021-01-01")]


def test_a_null_status_counts_as_active(tmp_path: Path) -> None:
    # when
    stakes = stakes_of(tmp_path, rr_record(ABC, JKL, status="NULL", periods=(
        period("RELATIONSHIP_PERIOD", "2015-05-01T00:00:00Z"),)))  # fmt: skip
    # then
    assert stakes == [stake(JKL, ABC, UNKNOWN, "2015-05-01")]


@pytest.mark.parametrize("registration", ["LAPSED", "PENDING_TRANSFER", "PENDING_ARCHIVAL",
                                          "TRANSFERRED"])  # fmt: skip
def test_a_lapsed_or_moving_record_counts(tmp_path: Path, registration: str) -> None:
    # when
    stakes = stakes_of(tmp_path, rr_record(ABC, JKL, registration=registration))
    # then
    assert stakes == [stake(JKL, ABC, UNKNOWN, None)]


@pytest.mark.parametrize("registration", ["DUPLICATE", "ANNULLED", "PENDING_VALIDATION"])
def test_duplicate_annulled_and_unvalidated_records_are_skipped_and_may_name_any_lei(
    tmp_path: Path, registration: str
) -> None:
    # when: the parent is in no LEI record, which would otherwise be an error
    stakes = stakes_of(tmp_path, rr_record(ABC, ABSENT, registration=registration))
    # then
    assert stakes == []


@pytest.mark.parametrize(
    "kind", ["IS_INTERNATIONAL_BRANCH_OF", "IS_FUND-MANAGED_BY", "IS_SUBFUND_OF", "IS_FEEDER_TO"]
)
def test_other_relationship_types_are_ignored_and_may_name_any_lei(
    tmp_path: Path, kind: str
) -> None:
    # when
    stakes = stakes_of(tmp_path, rr_record(ABC, ABSENT, kind))
    # then
    assert stakes == []


def test_an_ultimate_parent_is_ignored_when_the_child_has_a_direct_parent(tmp_path: Path) -> None:
    # when
    stakes = stakes_of(
        tmp_path,
        rr_record(XYZ, ABC),
        rr_record(XYZ, JKL, "IS_ULTIMATELY_CONSOLIDATED_BY"),
        rr_record(ABC, JKL),
    )
    # then
    assert stakes == [stake(ABC, XYZ, UNKNOWN, None), stake(JKL, ABC, UNKNOWN, None)]


def test_an_ultimate_parent_disagreeing_with_the_direct_chain_is_not_reported(
    tmp_path: Path,
) -> None:
    # given XYZ → ABC directly, and JKL as XYZ's ultimate parent, but no link from ABC to JKL
    # when
    stakes = stakes_of(
        tmp_path,
        rr_record(XYZ, ABC),
        rr_record(XYZ, JKL, "IS_ULTIMATELY_CONSOLIDATED_BY"),  # ABC has no parent in the file
    )
    # then: the direct link decides; ABC is the top of XYZ's group
    assert stakes == [stake(ABC, XYZ, UNKNOWN, None)]


def test_an_ultimate_parent_stands_in_for_a_missing_direct_one(tmp_path: Path) -> None:
    # when
    stakes = stakes_of(tmp_path, rr_record(XYZ, JKL, "IS_ULTIMATELY_CONSOLIDATED_BY", periods=(
        period("RELATIONSHIP_PERIOD", "2021-04-01T00:00:00Z"),), quantifiers=(quantifier("90"),)))  # fmt: skip
    # then
    assert stakes == [stake(JKL, XYZ, Share.exact(90), "2021-04-01")]


def test_an_ultimate_parent_stands_in_when_the_direct_record_is_skipped(tmp_path: Path) -> None:
    # when: the direct record is a duplicate, so it does not count
    stakes = stakes_of(
        tmp_path,
        rr_record(XYZ, ABC, registration="DUPLICATE"),
        rr_record(XYZ, JKL, "IS_ULTIMATELY_CONSOLIDATED_BY"),
    )
    # then
    assert stakes == [stake(JKL, XYZ, UNKNOWN, None)]


def test_periods_with_a_gap_give_two_stakes_and_touching_ones_one(tmp_path: Path) -> None:
    # when
    stakes = stakes_of(tmp_path, rr_record(ABC, JKL, status="INACTIVE", periods=(
        period("RELATIONSHIP_PERIOD", "2010-01-01T00:00:00Z", "2012-12-31T00:00:00Z"),
        period("RELATIONSHIP_PERIOD", "2013-01-01T00:00:00Z", "2014-12-31T00:00:00Z"),
        period("RELATIONSHIP_PERIOD", "2018-01-01T00:00:00Z", "2019-12-31T00:00:00Z"))))  # fmt: skip
    # then
    assert stakes == [stake(JKL, ABC, UNKNOWN, "2010-01-01", "2015-01-01"),
                      stake(JKL, ABC, UNKNOWN, "2018-01-01", "2020-01-01")]  # fmt: skip


def test_two_records_with_different_percentages_one_after_the_other_give_two_stakes(
    tmp_path: Path,
) -> None:
    # when
    stakes = stakes_of(
        tmp_path,
        rr_record(ABC, JKL, status="INACTIVE", quantifiers=(quantifier("60"),), periods=(
            period("RELATIONSHIP_PERIOD", "2010-01-01T00:00:00Z", "2015-12-31T00:00:00Z"),)),
        rr_record(ABC, JKL, quantifiers=(quantifier("100"),), periods=(
            period("RELATIONSHIP_PERIOD", "2016-01-01T00:00:00Z"),)),
    )  # fmt: skip
    # then
    assert stakes == [stake(JKL, ABC, Share.exact(60), "2010-01-01", "2016-01-01"),
                      stake(JKL, ABC, Share.exact(100), "2016-01-01")]  # fmt: skip


def test_a_legal_name_has_its_white_space_collapsed(tmp_path: Path) -> None:
    # when
    register = read_gleif(
        folder(tmp_path, leis=lei_file(lei_record(JKL, "\n  JKL   Holding\tSE ")))
    )
    # then
    assert register.entities[JKL].name == "JKL Holding SE"


def test_an_lei_in_lower_case_or_with_spaces_is_read_in_its_compact_form(tmp_path: Path) -> None:
    # given the LEI as people type it
    leis = lei_file(lei_record("5299 00jk lhol ding se95", "JKL"), lei_record(ABC, "ABC"))
    # when: the relationship names it in its compact form
    register = read_gleif(folder(tmp_path, rr_record(ABC, JKL), leis=leis))
    # then
    assert list(register.entities) == [JKL, ABC]
    assert register.stakes == [stake(JKL, ABC, UNKNOWN, None)]


def test_an_unassigned_two_letter_country_leaves_the_country_empty(tmp_path: Path) -> None:
    # when: XK, which GLEIF uses for Kosovo
    register = read_gleif(folder(tmp_path, leis=lei_file(lei_record(JKL, "JKL", "XK"))))
    # then
    assert register.entities[JKL].country is None


# --------------------------------------------------------------------------- problems


def test_the_broken_fixture_names_every_problem_with_file_record_and_element() -> None:
    # when
    problems = problems_of(BROKEN)
    # then
    assert problems == [
        "notes.xml: not a GLEIF file: the root element is <Companies>, not lei:LEIData "
        "(LEI-CDF 3.1) or rr:RelationshipData (RR-CDF 2.1)",
        'lei-records.xml row 2, column LEI: "529900ABCGMBH0000135" is not a valid LEI (the '
        "number's checksum or check digit is invalid)",
        "lei-records.xml row 3, column Entity/LegalName: required field is missing",
        'lei-records.xml row 3, column Entity/LegalAddress/Country: "United Kingdom" is not an '
        "ISO 3166-1 alpha-2 country code",
        'lei-records.xml row 3, column Entity/EntityStatus: "DISSOLVED" is not one of ACTIVE, '
        "INACTIVE, NULL",
        "lei-records.xml row 4, column Registration/RegistrationStatus: required field is missing",
        'lei-records.xml row 5, column LEI: "529900JKLHOLDINGSE95" is already used in '
        "lei-records.xml row 1",
        f'rr-records.xml row 1, column Relationship/EndNode/NodeID: "{ABSENT}" is not the LEI '
        "of any LEIRecord in the LEI-CDF files",
        "rr-records.xml row 2, column Relationship/RelationshipPeriods/RelationshipPeriod[1]/"
        'StartDate: "01.03.2018" is not a date (YYYY-MM-DD) or date-time',
        "rr-records.xml row 2, column Relationship/RelationshipPeriods/RelationshipPeriod[2]/"
        "EndDate: 2020-12-31 is before StartDate 2021-01-01",
        'rr-records.xml row 3, column Relationship/RelationshipType: "IS_OWNED_BY" is not one of '
        + ", ".join(RELATIONSHIP_TYPES),
        "rr-records.xml row 4, column Relationship/RelationshipQuantifiers/"
        "RelationshipQuantifier[1]/QuantifierAmount: 120 is not between 0 and 100",
        f'rr-records.xml row 5, column Relationship/EndNode/NodeID: "{JKL}" cannot hold a stake '
        "in itself",
        "rr-records.xml row 6, column Relationship: required field is missing",
    ]


def test_a_problem_rejects_the_whole_input_through_load_register() -> None:
    # when / then
    with pytest.raises(DatasetError) as caught:
        load_register(BROKEN)
    assert str(caught.value).splitlines()[0] == "14 problems in the dataset"


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "not well-formed XML: no element found: line 1, column 0"),
        ("name,id\nA,1\n", "not well-formed XML: syntax error: line 1, column 0"),
        ('<lei:LEIData xmlns:lei="http://www.gleif.org/data/schema/leidata/2016">\n<lei:Header>'
         "\n</lei:LEIData>", "not well-formed XML: mismatched tag: line 3, column 2"),
    ],
)  # fmt: skip
def test_a_file_that_is_not_xml_is_named(tmp_path: Path, text: str, reason: str) -> None:
    # given
    path = folder(tmp_path)
    (path / "lei.xml").write_text(text, encoding="utf-8")
    # when / then
    assert problems_of(path) == [f"lei.xml: {reason}"]


@pytest.mark.parametrize(
    "doctype",
    [
        # an external entity: never fetched
        '<!DOCTYPE lei:LEIData [<!ENTITY e SYSTEM "file:///etc/passwd">]>',
        # "billion laughs": ten to the power of eight copies
        '<!DOCTYPE lei:LEIData [<!ENTITY a "aaaaaaaaaa">'
        + "".join(
            f'<!ENTITY {n} "{("&" + p + ";") * 10}">'
            for p, n in zip("abcdefg", "bcdefgh", strict=True)
        )
        + "]>",
    ],
)
def test_entities_that_would_read_files_or_explode_are_refused(
    tmp_path: Path, doctype: str
) -> None:
    # given an LEI record whose name is the entity
    path = folder(tmp_path)
    text = lei_file(lei_record(JKL, "&e;" if "SYSTEM" in doctype else "&h;"))
    (path / "lei.xml").write_text(text.replace("?>\n", "?>\n" + doctype + "\n", 1), "utf-8")
    # when
    problems = problems_of(path)
    # then
    assert len(problems) == 1
    assert problems[0].startswith("lei.xml: not well-formed XML: ")


def test_a_record_after_broken_xml_is_not_read_but_the_earlier_ones_are_checked(
    tmp_path: Path,
) -> None:
    # given a file cut off in its second record
    path = folder(tmp_path)
    text = lei_file(lei_record(JKL, "", "DE"), lei_record(ABC))
    (path / "lei.xml").write_text(text[: text.index(ABC)], encoding="utf-8")
    # when
    problems = problems_of(path)
    # then
    assert problems[0] == "lei.xml row 1, column Entity/LegalName: required field is empty"
    assert problems[1].startswith("lei.xml: not well-formed XML: ")


@pytest.mark.parametrize(
    ("root", "shown"),
    [
        ("<LEIData>", "<LEIData>"),  # no namespace
        ('<lei:LEIData xmlns:lei="http://www.gleif.org/data/schema/leidata/2017">',
         "<{http://www.gleif.org/data/schema/leidata/2017}LEIData>"),
        ('<rr:RelationshipRecord xmlns:rr="http://www.gleif.org/data/schema/rr/2016">',
         "<{http://www.gleif.org/data/schema/rr/2016}RelationshipRecord>"),
    ],
)  # fmt: skip
def test_a_wrong_root_element_is_named(tmp_path: Path, root: str, shown: str) -> None:
    # given
    path = folder(tmp_path)
    closing = "</" + root[1:].split(" ")[0].rstrip(">") + ">"
    (path / "other.xml").write_text(root + closing, encoding="utf-8")
    # when / then
    assert problems_of(path) == [
        f"other.xml: not a GLEIF file: the root element is {shown}, not lei:LEIData "
        "(LEI-CDF 3.1) or rr:RelationshipData (RR-CDF 2.1)"
    ]


def test_relationships_without_a_lei_cdf_file_are_refused(tmp_path: Path) -> None:
    # given
    path = folder(tmp_path, rr_record(ABC, JKL))
    (path / "lei.xml").unlink()
    # when / then
    assert problems_of(path) == ["gleif: no LEI-CDF file (lei:LEIData) for the entities"]


def test_tables_in_a_gleif_folder_are_refused(tmp_path: Path) -> None:
    # given
    path = folder(tmp_path, rr_record(ABC, JKL))
    (path / "stakes.csv").write_text("holder,entity,voting\n", encoding="utf-8")
    # when / then
    assert problems_of(path) == [
        "stakes.csv: a GLEIF folder holds only LEI-CDF and RR-CDF XML files; keep the tables in "
        "a dataset folder of their own"
    ]


def test_a_missing_path_is_named(tmp_path: Path) -> None:
    # when / then
    assert problems_of(tmp_path / "nowhere.xml") == [
        f"{tmp_path / 'nowhere.xml'}: no such file or folder"
    ]


def test_the_same_lei_in_two_files_is_named_with_the_first(tmp_path: Path) -> None:
    # given
    path = folder(tmp_path)
    (path / "more.xml").write_text(lei_file(lei_record(ABC, "ABC again")), encoding="utf-8")
    # when / then
    assert problems_of(path) == [
        f'more.xml row 1, column LEI: "{ABC}" is already used in lei.xml row 2'
    ]


@pytest.mark.parametrize(
    ("record", "column", "reason"),
    [
        (lei_record(JKL, "JKL", "deu"), "Entity/LegalAddress/Country",
         '"deu" is not an ISO 3166-1 alpha-2 country code'),
        (lei_record(JKL, "JKL", registration="EXPIRED"), "Registration/RegistrationStatus",
         '"EXPIRED" is not one of PENDING_VALIDATION, ISSUED, DUPLICATE, LAPSED, MERGED, '
         "RETIRED, ANNULLED, CANCELLED, TRANSFERRED, PENDING_TRANSFER, PENDING_ARCHIVAL"),
        (lei_record(JKL, "JKL", entity_status=""), "Entity/EntityStatus",
         "required field is empty"),
        (lei_record("", "JKL"), "LEI", "required field is empty"),
        (lei_record(JKL, "JKL").replace("<lei:LegalAddress>", "<lei:OtherAddress>").replace(
            "</lei:LegalAddress>", "</lei:OtherAddress>"), "Entity/LegalAddress/Country",
         "required field is missing"),
    ],
)  # fmt: skip
def test_lei_record_problems(tmp_path: Path, record: str, column: str, reason: str) -> None:
    # given
    path = folder(tmp_path, leis=lei_file(record))
    # when / then
    assert problems_of(path) == [f"lei.xml row 1, column {column}: {reason}"]


Q = "Relationship/RelationshipQuantifiers/RelationshipQuantifier[1]"
P = "Relationship/RelationshipPeriods/RelationshipPeriod[1]"


@pytest.mark.parametrize(
    ("record", "column", "reason"),
    [
        (rr_record(ABC, "JKL"), "Relationship/EndNode/NodeID",
         '"JKL" is not a valid LEI (the number\'s checksum or check digit is invalid)'),
        (rr_record(ABC, JKL).replace("<rr:NodeIDType>LEI", "<rr:NodeIDType>BIC", 1),
         "Relationship/StartNode/NodeIDType", '"BIC" is not one of LEI'),
        (rr_record(ABC, JKL, status="ENDED"), "Relationship/RelationshipStatus",
         '"ENDED" is not one of ACTIVE, INACTIVE, NULL'),
        (rr_record(ABC, JKL, registration="ISSUED"), "Registration/RegistrationStatus",
         '"ISSUED" is not one of PENDING_VALIDATION, PUBLISHED, DUPLICATE, LAPSED, RETIRED, '
         "ANNULLED, TRANSFERRED, PENDING_TRANSFER, PENDING_ARCHIVAL"),
        (rr_record(ABC, JKL, periods=(period("FISCAL_YEAR", "2020-01-01"),)),
         f"{P}/PeriodType", '"FISCAL_YEAR" is not one of ACCOUNTING_PERIOD, RELATIONSHIP_PERIOD, '
         "DOCUMENT_FILING_PERIOD"),
        (rr_record(ABC, JKL, periods=(period("RELATIONSHIP_PERIOD", "2020-02-30T00:00:00Z"),)),
         f"{P}/StartDate", '"2020-02-30T00:00:00Z" is not a date (YYYY-MM-DD) or date-time'),
        (rr_record(ABC, JKL, periods=(period("RELATIONSHIP_PERIOD", "2020-01-01T25:00:00Z"),)),
         f"{P}/StartDate", '"2020-01-01T25:00:00Z" is not a date (YYYY-MM-DD) or date-time'),
        (rr_record(ABC, JKL, periods=(period("RELATIONSHIP_PERIOD", None, "31/12/2020"),)),
         f"{P}/EndDate", '"31/12/2020" is not a date (YYYY-MM-DD) or date-time'),
        (rr_record(ABC, JKL, quantifiers=(quantifier("sixty"),)), f"{Q}/QuantifierAmount",
         '"sixty" is not a number'),
        (rr_record(ABC, JKL, quantifiers=(quantifier("-5"),)), f"{Q}/QuantifierAmount",
         '"-5" is not a number'),
        (rr_record(ABC, JKL, quantifiers=(quantifier("NaN"),)), f"{Q}/QuantifierAmount",
         '"NaN" is not a number'),
        (rr_record(ABC, JKL, quantifiers=(quantifier("60", units="SHARES"),)),
         f"{Q}/QuantifierUnits", '"SHARES" is not one of PERCENTAGE'),
        (rr_record(ABC, JKL, quantifiers=(quantifier("60", method="VOTING"),)),
         f"{Q}/MeasurementMethod", '"VOTING" is not one of ACCOUNTING_CONSOLIDATION'),
        (rr_record(ABC, JKL).replace("<rr:RelationshipType>IS_DIRECTLY_CONSOLIDATED_BY"
                                     "</rr:RelationshipType>", ""),
         "Relationship/RelationshipType", "required field is missing"),
        (rr_record(ABSENT, JKL), "Relationship/StartNode/NodeID",
         f'"{ABSENT}" is not the LEI of any LEIRecord in the LEI-CDF files'),
        (rr_record(ABC, ABSENT, "IS_ULTIMATELY_CONSOLIDATED_BY"), "Relationship/EndNode/NodeID",
         f'"{ABSENT}" is not the LEI of any LEIRecord in the LEI-CDF files'),
        (rr_record(ABC, ABC, "IS_DIRECTLY_CONSOLIDATED_BY"), "Relationship/EndNode/NodeID",
         f'"{ABC}" cannot hold a stake in itself'),
    ],
)  # fmt: skip
def test_relationship_record_problems(tmp_path: Path, record: str, column: str, reason: str
                                      ) -> None:  # fmt: skip
    # given
    path = folder(tmp_path, record)
    # when / then
    assert problems_of(path) == [f"rr.xml row 1, column {column}: {reason}"]


def test_a_bad_record_of_an_ignored_type_is_still_a_problem(tmp_path: Path) -> None:
    # given
    path = folder(tmp_path, rr_record(BRANCH, JKL, "IS_INTERNATIONAL_BRANCH_OF", periods=(
        period("RELATIONSHIP_PERIOD", "yesterday"),)))  # fmt: skip
    # when / then
    assert problems_of(path) == [
        f'rr.xml row 1, column {P}/StartDate: "yesterday" is not a date (YYYY-MM-DD) or date-time'
    ]


def test_overlapping_records_with_different_percentages_are_named_with_the_first(
    tmp_path: Path,
) -> None:
    # given
    path = folder(
        tmp_path,
        rr_record(ABC, JKL, quantifiers=(quantifier("60"),), periods=(
            period("RELATIONSHIP_PERIOD", "2010-01-01T00:00:00Z"),)),
        rr_record(ABC, JKL, quantifiers=(quantifier("100"),), periods=(
            period("RELATIONSHIP_PERIOD", "2016-01-01T00:00:00Z"),)),
    )  # fmt: skip
    # when / then
    assert problems_of(path) == [
        f"rr.xml row 2, column Relationship/RelationshipPeriods: the same relationship as record "
        f"1 (StartNode {ABC}, EndNode {JKL}) for an overlapping period; give it once"
    ]


def test_problems_come_in_file_order_lei_files_first(tmp_path: Path) -> None:
    # given an RR file whose name sorts first, and problems in both files
    path = folder(tmp_path, rr_record(ABC, JKL, status="?"),
                  leis=lei_file(lei_record(JKL, ""), lei_record(ABC)))  # fmt: skip
    (path / "rr.xml").rename(path / "a-rr.xml")
    # when / then
    assert problems_of(path) == [
        "lei.xml row 1, column Entity/LegalName: required field is empty",
        'a-rr.xml row 1, column Relationship/RelationshipStatus: "?" is not one of ACTIVE, '
        "INACTIVE, NULL",
    ]


# --------------------------------------------------------------------------- documentation


def test_docs_name_every_relationship_type_and_the_elements_read() -> None:
    # given
    text = DOCS.read_text(encoding="utf-8")
    # then
    for code in RELATIONSHIP_TYPES:
        assert f"`{code}`" in text, code
    read = re.findall(r"\| `([A-Za-z/]+)`", text)
    for element in ("LEI", "Entity/LegalName", "Entity/LegalAddress/Country",
                    "Relationship/StartNode/NodeID", "Relationship/EndNode/NodeID",
                    "Relationship/RelationshipType", "Registration/RegistrationStatus"):  # fmt: skip
        assert element in read, element
