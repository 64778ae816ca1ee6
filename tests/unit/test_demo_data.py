"""The demo dataset: the JKL group of the founding text, generated deterministically."""

from __future__ import annotations

import csv
from collections import Counter, defaultdict
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from inhouse import demo
from inhouse.dataset.reader import read_register
from inhouse.demo import generate
from inhouse.groups.domain import Register, Relation

D = date.fromisoformat


def _rows(name: str) -> list[dict[str, str]]:
    with (demo.DATA_DIR / name).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture(scope="module")
def register() -> Register:
    return read_register(demo.DATA_DIR)


@pytest.fixture(scope="module")
def sales() -> list[dict[str, str]]:
    return _rows("sales.csv")


@pytest.fixture(scope="module")
def products() -> dict[str, dict[str, str]]:
    return {row["id"]: row for row in _rows("products.csv")}


# --------------------------------------------------------------------------- generation


def test_regenerating_reproduces_the_committed_files_byte_for_byte(tmp_path: Path) -> None:
    counts = generate.write(tmp_path)

    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(demo.FILES)
    assert sorted(p.name for p in demo.DATA_DIR.iterdir() if p.is_file()) == sorted(demo.FILES)
    for name in demo.FILES:
        assert (tmp_path / name).read_bytes() == (demo.DATA_DIR / name).read_bytes(), name
    assert counts["sales.csv"] == len(_rows("sales.csv"))


def test_main_writes_into_the_given_folder_and_rejects_extra_arguments(tmp_path: Path) -> None:
    assert generate.main([str(tmp_path / "out")]) == 0
    assert (tmp_path / "out" / "sales.csv").read_bytes() == (
        demo.DATA_DIR / "sales.csv"
    ).read_bytes()
    assert generate.main(["a", "b"]) == 2


def test_the_dataset_reader_accepts_the_demo_including_lei_and_vat_ids(
    register: Register,
) -> None:
    assert register.entities["JKL"].lei == "529900JKLHOLDING0098"
    assert register.entities["JKL"].vat_id == "DE214500175"
    assert len(register.persons) == 68
    assert len(register.employments) == 57


# --------------------------------------------------------------------------- the founding text


def test_abc_buying_widgets_from_xyz_is_intercompany_with_its_evidence(
    register: Register,
) -> None:
    answer = register.classify(demo.SEED_SELLER, demo.SEED_BUYER, demo.SEED_DATE)

    assert answer.relation is Relation.INTERCOMPANY
    assert answer.group == "JKL"
    assert answer.uncertain is False
    assert answer.evidence == (
        "JKL holds 100% of the votes in XYZ (since 2020-07-01)",
        "JKL holds 100% of the votes in ABC (since 2019-01-01)",
        "XYZ and ABC are both controlled by JKL on 2026-03-02",
    )


def test_without_jkls_stakes_the_same_purchase_is_external(register: Register) -> None:
    apart = Register(
        entities=register.entities.values(),
        stakes=[s for s in register.stakes if s.holder != "JKL"],
        units=register.units.values(),
        persons=register.persons.values(),
        employments=register.employments,
    )

    answer = apart.classify("XYZ", "ABC", demo.SEED_DATE)

    assert answer.relation is Relation.EXTERNAL
    assert answer.evidence == (
        "XYZ belongs to the XYZ group and ABC to the ABC group on 2026-03-02",
    )


def test_the_seed_purchase_is_in_the_sales(sales: list[dict[str, str]]) -> None:
    seed = [
        s
        for s in sales
        if (s["date"], s["seller"], s["buyer"], s["product"])
        == ("2026-03-02", "XYZ", "ABC", demo.SEED_PRODUCT)
    ]

    assert len(seed) == 1
    assert (seed[0]["quantity"], seed[0]["price_paid"]) == ("500", "8.58")
    assert seed[0]["amount"] == "4290.00"


def test_group_structure_on_the_seed_date(register: Register) -> None:
    snapshot = register.structure_on(demo.SEED_DATE)

    assert snapshot.members()["JKL"] == [
        "ABC",
        "INS",
        "JKL",
        "JKL-UK",
        "JKL-US",
        "PRT",
        "TEL",
        "XYZ",
    ]
    ownership = snapshot.ownership("JKL")
    assert (ownership["PRT"].effective_pct, ownership["PRT"].nci_pct) == (Decimal(60), Decimal(40))
    assert ownership["JKL-US"].effective_pct == Decimal(80)
    assert (ownership["JKL-UK"].effective_pct, ownership["JKL-UK"].from_bands) == (
        Decimal("87.5"),
        True,
    )


# --------------------------------------------------------------------------- classifications


CASES: list[tuple[str, str, str, Relation, tuple[str, ...]]] = [
    (
        "XYZ",
        "MNO",
        "2026-03-02",
        Relation.RELATED_PARTY,
        (
            "JKL holds 100% of the votes in XYZ (since 2020-07-01)",
            "XYZ belongs to the JKL group and MNO to the MNO group on 2026-03-02",
            "The JKL group holds 30% of the votes in MNO of the MNO group: significant influence (IAS 28.5)",
        ),
    ),
    (
        "XYZ",
        "GHI",
        "2026-03-02",
        Relation.RELATED_PARTY,
        (
            "JKL holds 100% of the votes in XYZ (since 2020-07-01)",
            "XYZ belongs to the JKL group and GHI to the GHI group on 2026-03-02",
            "The JKL group holds 50% of the votes in GHI of the GHI group: significant influence (IAS 28.5)",
        ),
    ),
    (
        "ABC",
        "DEF",
        "2026-03-02",
        Relation.RELATED_PARTY,
        (
            "JKL holds 100% of the votes in ABC (since 2019-01-01)",
            "ABC belongs to the JKL group and DEF to the DEF group on 2026-03-02",
            "The DEF group holds 35% of the votes in JKL of the JKL group: significant influence (IAS 28.5)",
        ),
    ),
    (
        "ABC-SHOP-CGN",
        "P090",
        "2026-05-16",
        Relation.RELATED_PARTY,
        (
            "ABC-SHOP-CGN is an org unit of ABC",
            "P090 holds 35% of the votes in JKL of the JKL group (IAS 24 related party)",
        ),
    ),
    (
        "INS-AGENTS",
        "P091",
        "2026-03-02",
        Relation.RELATED_PARTY,
        (
            "INS-AGENTS is an org unit of INS",
            "P091 holds 40% of the votes in PRT of the JKL group (IAS 24 related party)",
        ),
    ),
    (
        "XYZ",
        "UVW",
        "2026-03-02",
        Relation.EXTERNAL,
        (
            "JKL holds 100% of the votes in XYZ (since 2020-07-01)",
            "XYZ belongs to the JKL group and UVW to the UVW group on 2026-03-02",
        ),
    ),
    (
        "XYZ",
        "HANSA",
        "2026-03-02",
        Relation.EXTERNAL,
        (
            "JKL holds 100% of the votes in XYZ (since 2020-07-01)",
            "XYZ belongs to the JKL group and HANSA to the HANSA group on 2026-03-02",
        ),
    ),
    (
        "ABC-SHOP-CGN",
        "WALKIN-0001",
        "2026-03-02",
        Relation.EXTERNAL,
        ("ABC-SHOP-CGN is an org unit of ABC", "WALKIN-0001 is not a known party"),
    ),
    (
        "ABC-WEB",
        "C012",
        "2026-10-17",
        Relation.EXTERNAL,
        ("ABC-WEB is an org unit of ABC", "C012 has no employment in the JKL group on 2026-10-17"),
    ),
    (
        "XYZ-MACH",
        "XYZ-ASSY",
        "2026-03-02",
        Relation.SAME_ENTITY,
        (
            "XYZ-MACH is an org unit of XYZ",
            "XYZ-ASSY is an org unit of XYZ, the seller's own legal entity",
        ),
    ),
    (
        "PRT",
        "XYZ-ASSY",
        "2026-03-03",
        Relation.INTERCOMPANY,
        (
            "XYZ-ASSY is an org unit of XYZ",
            "JKL holds 100% of the votes in XYZ (since 2020-07-01)",
            "XYZ holds 60% of the votes in PRT (since 2023-01-01)",
            "PRT and XYZ are both controlled by JKL on 2026-03-03",
        ),
    ),
    (
        "XYZ",
        "JKL-UK",
        "2026-03-10",
        Relation.INTERCOMPANY,
        (
            "JKL holds 100% of the votes in XYZ (since 2020-07-01)",
            "JKL holds more than 75% up to 100% of the votes in JKL-UK (since 2023-07-01)",
            "XYZ and JKL-UK are both controlled by JKL on 2026-03-10",
        ),
    ),
    # LOG: significant influence until JKL controls it by agreement from 2026-04-01
    (
        "LOG",
        "XYZ-SHIP",
        "2026-03-31",
        Relation.RELATED_PARTY,
        (
            "XYZ-SHIP is an org unit of XYZ",
            "JKL holds 100% of the votes in XYZ (since 2020-07-01)",
            "LOG belongs to the LOG group and XYZ to the JKL group on 2026-03-31",
            "The JKL group holds 45% of the votes in LOG of the LOG group: significant influence (IAS 28.5)",
        ),
    ),
    (
        "LOG",
        "XYZ-SHIP",
        "2026-04-01",
        Relation.INTERCOMPANY,
        (
            "XYZ-SHIP is an org unit of XYZ",
            "JKL controls LOG by agreement (since 2026-04-01)",
            "JKL holds 100% of the votes in XYZ (since 2020-07-01)",
            "LOG and XYZ are both controlled by JKL on 2026-04-01",
        ),
    ),
    (
        "XYZ",
        "P063",
        "2026-03-31",
        Relation.EXTERNAL,
        ("P063 has no employment in the JKL group on 2026-03-31",),
    ),
    (
        "XYZ",
        "P063",
        "2026-04-01",
        Relation.GROUP_EMPLOYEE,
        (
            "P063 is employed by LOG (since 2010-01-01)",
            "JKL holds 100% of the votes in XYZ (since 2020-07-01)",
            "JKL controls LOG by agreement (since 2026-04-01)",
            "XYZ and LOG are both controlled by JKL on 2026-04-01",
        ),
    ),
    # the retiree
    (
        "XYZ",
        "P020",
        "2026-03-12",
        Relation.EMPLOYEE,
        ("P020 is a retiree of XYZ (since 2024-01-01)",),
    ),
    (
        "ABC-SHOP-CGN",
        "P020",
        "2026-09-05",
        Relation.GROUP_EMPLOYEE,
        (
            "ABC-SHOP-CGN is an org unit of ABC",
            "P020 is a retiree of XYZ (since 2024-01-01)",
            "JKL holds 100% of the votes in ABC (since 2019-01-01)",
            "JKL holds 100% of the votes in XYZ (since 2020-07-01)",
            "ABC and XYZ are both controlled by JKL on 2026-09-05",
        ),
    ),
    # the mover: ABC until 2026-05-31, XYZ from 2026-06-01
    (
        "ABC",
        "P037",
        "2026-05-31",
        Relation.EMPLOYEE,
        ("P037 is employed by ABC (since 2021-03-01, until 2026-06-01)",),
    ),
    (
        "XYZ",
        "P037",
        "2026-05-31",
        Relation.GROUP_EMPLOYEE,
        (
            "P037 is employed by ABC (since 2021-03-01, until 2026-06-01)",
            "JKL holds 100% of the votes in XYZ (since 2020-07-01)",
            "JKL holds 100% of the votes in ABC (since 2019-01-01)",
            "XYZ and ABC are both controlled by JKL on 2026-05-31",
        ),
    ),
    (
        "ABC",
        "P037",
        "2026-06-01",
        Relation.GROUP_EMPLOYEE,
        (
            "P037 is employed by XYZ (since 2026-06-01)",
            "JKL holds 100% of the votes in ABC (since 2019-01-01)",
            "JKL holds 100% of the votes in XYZ (since 2020-07-01)",
            "ABC and XYZ are both controlled by JKL on 2026-06-01",
        ),
    ),
    (
        "XYZ",
        "P037",
        "2026-06-01",
        Relation.EMPLOYEE,
        ("P037 is employed by XYZ (since 2026-06-01)",),
    ),
    # the leaver: last day 2026-07-31
    (
        "TEL",
        "P050",
        "2026-07-31",
        Relation.EMPLOYEE,
        ("P050 is employed by TEL (since 2018-03-01, until 2026-08-01)",),
    ),
    (
        "TEL",
        "P050",
        "2026-08-01",
        Relation.EXTERNAL,
        ("P050 has no employment in the JKL group on 2026-08-01",),
    ),
    # the part-timer: employee of both ABC and INS
    (
        "ABC",
        "P038",
        "2026-03-02",
        Relation.EMPLOYEE,
        ("P038 is employed by ABC (since 2022-05-01)",),
    ),
    (
        "INS",
        "P038",
        "2026-03-02",
        Relation.EMPLOYEE,
        ("P038 is employed by INS (since 2024-09-01)",),
    ),
    (
        "TEL",
        "P038",
        "2026-03-02",
        Relation.GROUP_EMPLOYEE,
        (
            "P038 is employed by ABC (since 2022-05-01)",
            "JKL holds 100% of the votes in TEL (since 2021-01-01)",
            "JKL holds 100% of the votes in ABC (since 2019-01-01)",
            "TEL and ABC are both controlled by JKL on 2026-03-02",
        ),
    ),
    # a joiner: external the day before joining
    (
        "JKL",
        "P005",
        "2026-02-28",
        Relation.EXTERNAL,
        ("P005 has no employment in the JKL group on 2026-02-28",),
    ),
    (
        "JKL",
        "P005",
        "2026-03-01",
        Relation.EMPLOYEE,
        ("P005 is employed by JKL (since 2026-03-01)",),
    ),
]


@pytest.mark.parametrize(
    ("seller", "buyer", "on", "relation", "evidence"),
    CASES,
    ids=[f"{c[0]}->{c[1]}@{c[2]}" for c in CASES],
)
def test_the_cast_classifies_as_the_story_says(
    register: Register,
    seller: str,
    buyer: str,
    on: str,
    relation: Relation,
    evidence: tuple[str, ...],
) -> None:
    answer = register.classify(seller, buyer, D(on))

    assert answer.relation is relation
    assert answer.evidence == evidence
    assert answer.uncertain is False


def test_the_named_cast_exists_in_the_files(register: Register) -> None:
    for entity in (
        demo.GROUP,
        demo.SEED_SELLER,
        demo.SEED_BUYER,
        demo.TELECOM,
        demo.INSURANCE,
        demo.PARTS,
        demo.LOGISTICS,
        demo.US_SUBSIDIARY,
        demo.UK_SUBSIDIARY,
        demo.ASSOCIATE,
        demo.JOINT_VENTURE,
        demo.JV_PARTNER,
        demo.SHAREHOLDER_COMPANY,
        *demo.EXTERNAL_COMPANIES,
    ):
        assert entity in register.entities, entity
    staff = {e.person for e in register.employments}
    for person in (
        demo.RETIREE,
        demo.MOVER,
        demo.LEAVER,
        demo.PART_TIMER,
        demo.BIG_SPENDER,
        *demo.JOINERS,
    ):
        assert person in staff, person
    for person in (demo.SHAREHOLDER, demo.PARTS_FOUNDER, *demo.PRIVATE_CUSTOMERS):
        assert person in register.persons and person not in staff, person
    for joiner in demo.JOINERS:
        (first,) = [e for e in register.employments if e.person == joiner]
        assert first.period.valid_from is not None
        assert demo.START < first.period.valid_from <= demo.END


def test_staff_count_and_currencies(register: Register) -> None:
    staff = {e.person for e in register.employments}
    assert len(staff) == 54
    assert register.entities["JKL-US"].currency == "USD"
    assert register.entities["JKL-UK"].currency == "GBP"


# --------------------------------------------------------------------------- integrity


def test_every_id_is_unique_across_entities_units_and_people() -> None:
    ids = [row["id"] for name in ("entities.csv", "units.csv", "people.csv") for row in _rows(name)]

    assert [i for i, n in Counter(ids).items() if n > 1] == []


def test_units_form_trees_inside_their_entity(register: Register) -> None:
    for unit in register.units.values():
        if unit.parent is not None:
            assert register.units[unit.parent].entity == unit.entity, unit.id


def test_every_sale_names_a_known_seller_and_product_of_that_seller(
    register: Register, sales: list[dict[str, str]], products: dict[str, dict[str, str]]
) -> None:
    assert [s["id"] for s in sales] == [f"S{n:05d}" for n in range(1, len(sales) + 1)]
    for sale in sales:
        assert register.kind_of(sale["seller"]) in ("entity", "unit"), sale["id"]
        product = products[sale["product"]]
        seller_entity = register.structure_on(D(sale["date"])).entity_of(sale["seller"])
        assert product["seller"] == seller_entity, sale["id"]
        assert sale["currency"] == product["currency"] == register.entities[seller_entity].currency
        assert demo.START <= D(sale["date"]) <= demo.END
        assert Decimal(sale["amount"]) == int(sale["quantity"]) * Decimal(sale["price_paid"])
        assert Decimal(sale["price_paid"]) == Decimal(sale["price_paid"]).quantize(Decimal("0.01"))


def test_unknown_buyers_are_walk_ins(register: Register, sales: list[dict[str, str]]) -> None:
    unknown = {s["buyer"] for s in sales if register.kind_of(s["buyer"]) is None}

    assert unknown
    assert all(b.startswith(demo.WALK_IN_PREFIX) for b in unknown)


def test_returns_refer_to_earlier_purchases_of_the_same_product(
    sales: list[dict[str, str]],
) -> None:
    bought: dict[tuple[str, str, str, str], int] = defaultdict(int)
    returns = 0
    for sale in sales:  # in date order
        key = (sale["seller"], sale["buyer"], sale["product"], sale["price_paid"])
        quantity = int(sale["quantity"])
        if quantity < 0:
            returns += 1
            assert Decimal(sale["amount"]) < 0
            assert bought[key] >= -quantity, sale["id"]
        bought[key] += quantity
    assert returns > 20


def test_prices_follow_the_relation_of_each_sale(
    register: Register, sales: list[dict[str, str]], products: dict[str, dict[str, str]]
) -> None:
    relations: Counter[Relation] = Counter()
    for sale in sales:
        relation = register.classify(sale["seller"], sale["buyer"], D(sale["date"])).relation
        relations[relation] += 1
        product = products[sale["product"]]
        paid, listed = Decimal(sale["price_paid"]), Decimal(product["list_price"])
        if product["for_employees_only"] == "true":
            assert relation is Relation.EMPLOYEE, sale["id"]
        if relation in (Relation.EXTERNAL, Relation.RELATED_PARTY):
            assert paid == listed, sale["id"]
            assert sale["market_price"] == "", sale["id"]
        elif relation is Relation.SAME_ENTITY:
            assert paid == Decimal(product["unit_cost"]), sale["id"]
        else:
            assert paid <= listed, sale["id"]
        if sale["market_price"]:
            assert paid < Decimal(sale["market_price"]) < listed, sale["id"]
    assert set(relations) == set(Relation)
    assert sum(relations.values()) > 2500


def test_staff_pay_the_discounted_price(sales: list[dict[str, str]]) -> None:
    def paid(day: str, seller: str, buyer: str, product: str) -> str:
        (row,) = [
            s
            for s in sales
            if (s["date"], s["seller"], s["buyer"], s["product"]) == (day, seller, buyer, product)
        ]
        return row["price_paid"]

    assert paid("2026-04-18", "ABC-SHOP-CGN", demo.BIG_SPENDER, "ABC-EBIKE") == "2799.20"
    assert paid("2026-06-13", "ABC-SHOP-CGN", "P013", "ABC-EBIKE") == "3149.10"
    assert paid("2026-05-30", "ABC-SHOP-CGN", demo.MOVER, "ABC-DRILL") == "103.20"
    assert paid("2026-06-06", "ABC-SHOP-CGN", demo.MOVER, "ABC-LAMP") == "22.49"
    assert paid("2026-07-24", "TEL-DSL", demo.LEAVER, "TEL-ROUTER") == "83.30"
    assert paid("2026-08-15", "ABC-SHOP-CGN", demo.LEAVER, "ABC-KIT") == "49.90"
    assert paid("2026-03-14", "XYZ", "P063", "XYZ-W300") == "39.00"
    assert paid("2026-04-18", "XYZ", "P063", "XYZ-W300") == "33.15"
    assert paid("2026-10-02", "UK-SALES", "P076", "UK-KIT") == "27.00"


def test_the_big_spender_passes_the_rabattfreibetrag(
    sales: list[dict[str, str]], products: dict[str, dict[str, str]]
) -> None:
    benefit = Decimal(0)
    for sale in sales:
        if sale["buyer"] == demo.BIG_SPENDER and sale["seller"].startswith("ABC"):
            listed = Decimal(products[sale["product"]]["list_price"])
            line = max(Decimal(0), listed * Decimal("0.96") - Decimal(sale["price_paid"]))
            benefit += line * int(sale["quantity"])

    assert benefit > Decimal("1080.00")
