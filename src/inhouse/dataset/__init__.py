"""Reading and writing the dataset formats: a folder of CSV/XLSX tables, a BODS JSON file, or
a folder of GLEIF XML files."""

from __future__ import annotations

from pathlib import Path

from inhouse.dataset.bods import read_bods
from inhouse.dataset.errors import DatasetError, Problem
from inhouse.dataset.gleif import is_gleif, read_gleif
from inhouse.dataset.reader import read_register
from inhouse.groups.domain import Register

__all__ = ["DatasetError", "Problem", "load_register"]


def load_register(path: Path) -> Register:
    """The register of a dataset folder, an XLSX workbook, a BODS JSON file, or GLEIF XML
    files (a folder holding ``.xml`` files, or one ``.xml`` file)."""
    if path.suffix.lower() in (".json", ".jsonl"):
        return read_bods(path)
    if is_gleif(path):
        return read_gleif(path)
    return read_register(path)
