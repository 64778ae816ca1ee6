"""Problems found while reading a dataset: each names the file, row, column and reason."""

from __future__ import annotations

from dataclasses import dataclass

from inhouse.errors import InhouseError


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with the input, e.g. ``stakes.csv row 7, column voting: "(50,75" is not a share``.

    ``row`` counts the header as row 1 (for BODS files: the statement's position, from 1;
    for GLEIF files: the record's position in its file, from 1).
    """

    file: str
    row: int | None
    column: str | None
    reason: str

    def __str__(self) -> str:
        where = self.file
        if self.row is not None:
            where += f" row {self.row}"
        if self.column is not None:
            where += f"{',' if self.row is not None else ''} column {self.column}"
        return f"{where}: {self.reason}"


class DatasetError(InhouseError):
    """A dataset with any problem is rejected whole; this lists every problem found."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        count = len(problems)
        head = f"{count} problem{'s' if count != 1 else ''} in the dataset"
        super().__init__("\n".join([head, *(str(p) for p in problems)]))
