"""The list component of every page: paginated, searchable, exportable to CSV and XLSX.

A page declares its columns and calls :func:`list_page`; the rows come from
``inhouse.insights.services.browse`` (which checks the role), so a new list needs a
:class:`~inhouse.insights.services.ListSpec` there and a few lines here.

``?q=`` searches, ``?page=`` pages (50 rows each), ``?format=csv`` / ``?format=xlsx``
downloads every matching row (at most 100,000) with raw values: ISO dates, plain numbers.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from fastapi import Request, Response
from fastapi.responses import StreamingResponse
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell

from inhouse.db.uow import UnitOfWork
from inhouse.identity.domain import Actor
from inhouse.insights import services as insights
from inhouse.web.i18n import Formats
from inhouse.web.pages.core import Language, language_of, render

PAGE_SIZE = 50
Row = dict[str, Any]


@dataclass(frozen=True, slots=True)
class Column:
    key: str
    label: str  # an English message, translated when shown
    link: Callable[[Row], str | None] | None = None
    values: Mapping[str, str] | None = None  # stored value → English message for people


def shown(value: Any, formats: Formats, language: Language) -> str:
    """A value as text for people in the page's language."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return language.gettext("yes") if value else language.gettext("no")
    if isinstance(value, datetime):
        return formats.datetime(value)
    if isinstance(value, date):
        return formats.date(value)
    if isinstance(value, Decimal | int) and not isinstance(value, bool):
        return formats.number(value)
    return str(value)


def _cell(column: Column, value: Any, language: Language) -> str:
    if column.values is not None and isinstance(value, str) and value in column.values:
        return language.gettext(column.values[value])
    return shown(value, language.formats, language)


def raw(value: Any) -> Any:
    """A value for files: ISO dates, plain decimals, text."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value.normalize(), "f") if value == value.to_integral() else str(value)
    return value


def _page_number(text: str | None) -> int:
    try:
        return max(1, int(text or "1"))
    except ValueError:
        return 1


def list_page(
    request: Request,
    actor: Actor,
    *,
    name: str,
    title: str,
    columns: Sequence[Column],
    where: Mapping[str, Any] | None = None,
    context: Mapping[str, Any] | None = None,
    template: str = "list.html",
) -> Response:
    """The page (or its CSV/XLSX export) of the list ``name`` for this actor."""
    params = request.query_params
    search = (params.get("q") or "").strip() or None
    export_format = params.get("format")
    state = request.app.state
    if export_format in ("csv", "xlsx"):
        keys, rows = insights.export(uow=UnitOfWork(state.engine), actor=actor, name=name,
                                     search=search, where=dict(where or {}))  # fmt: skip
        wanted = [c.key for c in columns if c.key in keys]
        if export_format == "csv":
            return _csv(name, wanted, rows)
        return _xlsx(name, wanted, rows)
    page = _page_number(params.get("page"))
    listing = insights.browse(
        uow=UnitOfWork(state.engine),
        actor=actor,
        name=name,
        query=insights.ListQuery(search, (page - 1) * PAGE_SIZE, PAGE_SIZE),
        where=dict(where or {}),
    )
    language = language_of(request)
    cells = [
        [(_cell(c, row.get(c.key), language), c.link(row) if c.link else None) for c in columns]
        for row in listing.rows
    ]
    pages = max(1, -(-listing.total // PAGE_SIZE))

    def url(**changes: Any) -> str:
        query = {k: v for k, v in params.items() if k not in ("page", "format")}
        query.update({k: str(v) for k, v in changes.items() if v is not None})
        return f"{request.url.path}?{urlencode(query)}" if query else request.url.path

    values = {
        "title": title,
        "columns": columns,
        "cells": cells,
        "listing": listing,
        "search": search or "",
        "page": page,
        "pages": pages,
        "first": listing.offset + 1 if listing.rows else 0,
        "last": listing.offset + len(listing.rows),
        "previous_url": url(page=page - 1) if page > 1 else None,
        "next_url": url(page=page + 1) if page < pages else None,
        "csv_url": url(format="csv"),
        "xlsx_url": url(format="xlsx"),
        **(context or {}),
    }
    return render(request, template, values, actor=actor)


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value: Any) -> Any:
    """Text that a spreadsheet would run as a formula (``=HYPERLINK(…)``, ``+1+cmd``…)
    gets a leading apostrophe, so that it opens as the text it is; numbers stay numbers."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return raw(value)


def _csv(name: str, keys: list[str], rows: Iterator[Row]) -> StreamingResponse:
    def lines() -> Iterator[str]:
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(keys)
        for row in rows:
            writer.writerow([spreadsheet_safe(row.get(k)) for k in keys])
            if buffer.tell() > 64 * 1024:
                yield buffer.getvalue()
                buffer.seek(0)
                buffer.truncate()
        yield buffer.getvalue()

    return StreamingResponse(
        lines(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}.csv"'},
    )


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _xlsx(name: str, keys: list[str], rows: Iterator[Row]) -> Response:
    book = Workbook(write_only=True)
    sheet = book.create_sheet(name)
    sheet.append(keys)
    for row in rows:
        values: list[Any] = []
        for key in keys:
            value = row.get(key)
            if isinstance(value, datetime) and value.tzinfo is not None:
                value = value.replace(tzinfo=None)  # Excel has no time zones (stored as UTC)
            if not isinstance(value, date | Decimal | int | float):
                value = raw(value)
            if isinstance(value, str) and value.startswith("="):
                # text stays text: openpyxl would write "=…" as a formula that Excel runs
                cell = WriteOnlyCell(sheet, value=value)
                cell.data_type = "s"
                value = cell
            values.append(value)
        sheet.append(values)
    data = io.BytesIO()
    book.save(data)
    return Response(
        data.getvalue(),
        media_type=XLSX,
        headers={"Content-Disposition": f'attachment; filename="{name}.xlsx"'},
    )
