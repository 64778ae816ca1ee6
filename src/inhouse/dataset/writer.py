"""Write a dataset folder: UTF-8 CSV files with a header row, as design/interfaces.md says.

Columns come in the order of the spec (``dataset.tables``); empty cells stand for
``None``; dates are ISO ``YYYY-MM-DD``; shares keep their dataset notation (``60``,
``(50,75]``). The files of one folder are written side by side as ``*.part`` files and
renamed only when all are complete, so a failed export leaves no half-written table.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from enum import Enum
from pathlib import Path
from types import TracebackType

from inhouse.dataset.tables import TableSpec
from inhouse.groups.domain import Share

PART_SUFFIX = ".part"


def cell(value: object) -> str:
    """The CSV text of one value: ``""`` for ``None``, ISO dates, shares in notation."""
    if value is None:
        return ""
    if isinstance(value, Share):
        return value.notation()
    if isinstance(value, Enum):
        return str(value.value)
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


@dataclass(frozen=True, slots=True)
class WrittenTable:
    file: str
    rows: int


class FolderWriter:
    """Writes tables into a folder; ``commit`` renames them into place, otherwise they vanish.

    ``with FolderWriter(folder) as writer: writer.write(spec, rows); writer.commit()``.
    """

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._parts: list[tuple[Path, Path]] = []
        self._written: list[WrittenTable] = []

    def __enter__(self) -> FolderWriter:
        self.folder.mkdir(parents=True, exist_ok=True)
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        for part, _final in self._parts:
            part.unlink(missing_ok=True)
        self._parts.clear()

    def write(self, spec: TableSpec, rows: Iterable[Sequence[object]]) -> WrittenTable:
        """Write one table's rows (values in the order of ``spec.columns``) to ``<name>.csv.part``."""
        final = self.folder / spec.csv_name
        part = final.with_name(final.name + PART_SUFFIX)
        self._parts.append((part, final))
        count = 0
        with part.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle, lineterminator="\n")
            writer.writerow(spec.columns)
            for row in rows:
                writer.writerow([cell(value) for value in row])
                count += 1
        written = WrittenTable(spec.csv_name, count)
        self._written.append(written)
        return written

    def write_text(self, name: str, text: str, records: int) -> WrittenTable:
        """Write a file that is not a table (``programmes.toml``) the same way."""
        final = self.folder / name
        part = final.with_name(final.name + PART_SUFFIX)
        self._parts.append((part, final))
        part.write_text(text, encoding="utf-8")
        written = WrittenTable(name, records)
        self._written.append(written)
        return written

    def commit(self) -> list[WrittenTable]:
        """Move every written table into place (each rename is atomic)."""
        for part, final in self._parts:
            part.replace(final)
        self._parts.clear()
        return list(self._written)
