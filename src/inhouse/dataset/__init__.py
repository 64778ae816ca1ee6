"""Reading and writing the dataset formats: a folder of CSV/XLSX tables, or a BODS JSON file."""

from __future__ import annotations

from pathlib import Path

from inhouse.dataset.bods import read_bods
from inhouse.dataset.errors import DatasetError, Problem
from inhouse.dataset.reader import read_register
from inhouse.groups.domain import Register

__all__ = ["DatasetError", "Problem", "load_register"]


def load_register(path: Path) -> Register:
    """The register of a dataset folder, an XLSX workbook or a BODS JSON file."""
    if path.suffix.lower() in (".json", ".jsonl"):
        return read_bods(path)
    return read_register(path)
