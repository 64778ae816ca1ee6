"""Errors as RFC 9457 problem details (``application/problem+json``)."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from inhouse.dataset.errors import DatasetError
from inhouse.errors import FieldErrors, InhouseError, InvalidRequest, UnknownParty
from inhouse.identity.services import Conflict, NotAllowed, NotFound

PROBLEM_JSON = "application/problem+json"
_BASE = "https://inhouse.example/problems/"


class FieldError(BaseModel):
    path: str = Field(description="Where the problem is: a JSON path, or file/row/column")
    message: str


class Problem(BaseModel):
    """RFC 9457 problem details."""

    type: str
    title: str
    status: int
    detail: str | None = None
    errors: list[FieldError] | None = None


PROBLEM_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"model": Problem, "content": {PROBLEM_JSON: {}}, "description": title}
    for status, title in (
        (400, "Bad request"),
        (401, "Not signed in"),
        (403, "Not allowed"),
        (404, "Not found"),
        (409, "Conflict"),
        (422, "Invalid input"),
    )
}


def problem(
    status: int,
    title: str,
    detail: str | None = None,
    errors: list[FieldError] | None = None,
    kind: str | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    body = Problem(
        type=_BASE + (kind or title.lower().replace(" ", "-")),
        title=title,
        status=status,
        detail=detail,
        errors=errors,
    )
    return JSONResponse(
        body.model_dump(exclude_none=True),
        status_code=status,
        media_type=PROBLEM_JSON,
        headers=headers,
    )


_STATUS: list[tuple[type[InhouseError], int, str]] = [
    (NotAllowed, 403, "Not allowed"),
    (NotFound, 404, "Not found"),
    (UnknownParty, 422, "Unknown party"),
    (Conflict, 409, "Conflict"),
    (InvalidRequest, 422, "Invalid request"),
]


def install(app: FastAPI) -> None:
    @app.exception_handler(DatasetError)
    async def dataset_error(_request: Request, error: DatasetError) -> JSONResponse:
        errors = [
            FieldError(
                path=str(p).split(": ", 1)[0],
                message=p.reason,
            )
            for p in error.problems
        ]
        count = len(errors)
        return problem(
            422, "Invalid dataset", f"{count} problem{'s' if count != 1 else ''}", errors
        )

    @app.exception_handler(InhouseError)
    async def domain_error(_request: Request, error: InhouseError) -> JSONResponse:
        errors = None
        if isinstance(error, FieldErrors):
            errors = [FieldError(path=f"{error.where}.{p.field}", message=p.reason)
                      for p in error.problems]  # fmt: skip
        for kind, status, title in _STATUS:
            if isinstance(error, kind):
                return problem(status, title, str(error), errors)
        return problem(422, "Invalid request", str(error), errors)

    @app.exception_handler(RequestValidationError)
    async def validation_error(_request: Request, error: RequestValidationError) -> JSONResponse:
        errors = [
            FieldError(
                path=".".join(str(part) for part in item.get("loc", ())),
                message=str(item.get("msg", "invalid")),
            )
            for item in error.errors()
        ]
        return problem(422, "Invalid input", "the request does not match the schema", errors)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_request: Request, error: StarletteHTTPException) -> JSONResponse:
        headers = dict(error.headers) if error.headers else None
        return problem(error.status_code, _title(error.status_code), str(error.detail), None,
                       None, headers)  # fmt: skip


def _title(status: int) -> str:
    return {
        400: "Bad request",
        401: "Not signed in",
        403: "Not allowed",
        404: "Not found",
        405: "Method not allowed",
        409: "Conflict",
        413: "Too large",
        415: "Unsupported media type",
        422: "Invalid input",
        429: "Too many requests",
    }.get(status, "Error")
