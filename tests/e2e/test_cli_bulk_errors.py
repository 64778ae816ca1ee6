"""Bulk classification on bad input, through the real command line in its own process.

The sales file is read on another thread while the dataset is read: a failure on either
side must end with the problems listed and exit code 1, never a DuckDB error or an abort.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from inhouse.demo import DATA_DIR

DATASET_FILES = ("entities.csv", "stakes.csv", "units.csv", "people.csv", "employments.csv")


def run_bulk(data: Path, sales: Path, out: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "inhouse.cli", "classify", "--data", str(data),
         "--sales", str(sales), "--out", str(out)],
        capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip


def write_sales(path: Path, header: str, rows: int, seller: str, buyer: str) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        handle.write(header + "\n")
        handle.writelines(f"S{n:07d},2026-01-05,{seller},{buyer}\n" for n in range(1, rows + 1))


def bad_dataset(folder: Path, more_entities: int = 0) -> Path:
    """Two bad stakes; ``more_entities`` make it take a while to read."""
    folder.mkdir()
    (folder / "entities.csv").write_text(
        "id,name\nA,Alpha\nB,Beta\n" + "".join(f"E{n:06d},E {n}\n" for n in range(more_entities)),
        encoding="utf-8",
    )
    (folder / "stakes.csv").write_text(
        'holder,entity,voting\nA,B,"(50,75"\nA,C,60\n', encoding="utf-8"
    )
    return folder


def demo_dataset(folder: Path) -> Path:
    folder.mkdir()
    for name in DATASET_FILES:
        shutil.copy(DATA_DIR / name, folder / name)
    return folder


def test_a_bad_dataset_with_a_big_sales_file_lists_its_problems_every_time(
    tmp_path: Path,
) -> None:
    # given a dataset of 20,000 entities with two bad stakes and 1,000,000 good sales,
    # still being read by DuckDB when the dataset's problems are found
    data = bad_dataset(tmp_path / "data", more_entities=20_000)
    sales = tmp_path / "sales.csv"
    write_sales(sales, "id,date,seller,buyer", 1_000_000, "A", "B")
    out = tmp_path / "answers.csv"
    for _ in range(5):
        # when the bulk classification runs
        result = run_bulk(data, sales, out)
        # then it lists the dataset's problems and exits 1, with no traceback, every time
        assert result.returncode == 1, result.stderr
        assert result.stderr.splitlines() == [
            "2 problems in the dataset",
            'stakes.csv row 2, column voting: "(50,75" is not a share',
            'stakes.csv row 3, column entity: "C" is not a known entity',
        ]
        assert result.stdout == ""
        assert not out.exists()


def test_a_bad_dataset_and_a_bad_sales_header_are_listed_together(tmp_path: Path) -> None:
    # given a dataset with two bad stakes and a sales file without a buyer column
    data = bad_dataset(tmp_path / "data")
    sales = tmp_path / "sales.csv"
    write_sales(sales, "id,date,seller,customer", 200_000, "A", "B")
    out = tmp_path / "answers.csv"
    for _ in range(3):
        # when the bulk classification runs
        result = run_bulk(data, sales, out)
        # then both files' problems are listed at once, and it exits 1
        assert result.returncode == 1, result.stderr
        assert result.stderr.splitlines() == [
            "4 problems in the dataset",
            'stakes.csv row 2, column voting: "(50,75" is not a share',
            'stakes.csv row 3, column entity: "C" is not a known entity',
            "sales.csv row 1, column buyer: required column is missing",
            "sales.csv row 1, column customer: unknown column (expected one of id, date, "
            "seller, buyer, amount, currency, product, quantity, price_paid, market_price)",
        ]
        assert not out.exists()


def test_more_than_a_hundred_bad_sales_end_with_the_number_of_rows(tmp_path: Path) -> None:
    # given the demo dataset and 1,500 sales whose seller is unknown
    data = demo_dataset(tmp_path / "data")
    sales = tmp_path / "sales.csv"
    write_sales(sales, "id,date,seller,buyer", 1_500, "NOPE", "ABC")
    out = tmp_path / "answers.csv"
    # when the bulk classification runs
    result = run_bulk(data, sales, out)
    # then the first 100 problems are listed, then one line with the number of rows
    assert result.returncode == 1, result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 102
    assert lines[0] == "101 problems in the dataset"
    assert lines[1] == (
        'sales.csv row 2, column seller: "NOPE" is not a known legal entity or org unit'
    )
    assert lines[100] == (
        'sales.csv row 101, column seller: "NOPE" is not a known legal entity or org unit'
    )
    assert lines[101] == "sales.csv: more problems not listed (the file has 1,500 rows)"
    assert not out.exists()
