"""Wire shapes of dataset imports and exports."""

from __future__ import annotations

from pydantic import BaseModel, Field

from inhouse.dataset.services import ImportReport


class TableCounts(BaseModel):
    added: int
    changed: int
    ended: int = Field(description="Only valid_to set, from empty to a date")
    unchanged: int
    kept: int = Field(description="Stored, not in the dataset, left alone (nothing is deleted)")


class ImportReportRead(BaseModel):
    source: str = Field(description="The uploaded file")
    nothing_to_change: bool
    summary: str = Field(description="What the import did, in words")
    tables: dict[str, TableCounts]
    notes: list[str] = Field(
        description="Register files that are absent or have no rows while the database holds "
        "their records (those are kept), and files of the dataset that are not imported yet"
    )

    @classmethod
    def of(cls, report: ImportReport, *, source: str) -> ImportReportRead:
        return cls(
            source=source,
            nothing_to_change=report.nothing_to_change,
            summary=report.summary(),
            tables={t.table: TableCounts(**t.counts()) for t in report.tables},
            notes=report.notes(),
        )
