"""HTTP routes for datasets: upload one to import it, download the database as one."""

from __future__ import annotations

import tempfile
from functools import partial
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import FileResponse
from starlette.background import BackgroundTask
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from inhouse.clock import today
from inhouse.dataset import archive
from inhouse.dataset import services as datasets
from inhouse.dataset.schemas import ImportReportRead
from inhouse.db.uow import UnitOfWork
from inhouse.errors import FieldProblem, InvalidFields
from inhouse.identity.domain import Actor, Permission
from inhouse.web.auth import requires
from inhouse.web.problems import PROBLEM_JSON, PROBLEM_RESPONSES, Problem

router = APIRouter(responses=PROBLEM_RESPONSES)

MAX_UPLOAD_BYTES = 200 * 1024**2
FORM_OVERHEAD = 64 * 1024  # the multipart form's own bytes around the file
_CHUNK = 1024 * 1024
_KINDS = {".zip": "zip", ".xlsx": "workbook", ".json": "bods", ".jsonl": "bods"}
_MAX_NAME = 120
FIELD = "file"
Importer = Annotated[Actor, Depends(requires(Permission.IMPORT_DATASETS))]

_UPLOAD_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": [FIELD],
                    "properties": {
                        FIELD: {
                            "type": "string",
                            "format": "binary",
                            "description": "A .zip of a dataset folder (or of GLEIF XML "
                            "files), an .xlsx workbook or a BODS .json/.jsonl file",
                        }
                    },
                }
            }
        },
    }
}
_TOO_LARGE: dict[int | str, dict[str, Any]] = {
    413: {"model": Problem, "content": {PROBLEM_JSON: {}}, "description": "Too large"},
    415: {"model": Problem, "content": {PROBLEM_JSON: {}}, "description": "Not a dataset file"},
}


def _too_large() -> HTTPException:
    return HTTPException(413, f"an upload has at most {MAX_UPLOAD_BYTES // 1024**2} MB")


def _file_name(upload: UploadFile) -> str:
    """The uploaded file's own name (browsers may send a path), as problems will name it."""
    raw = (upload.filename or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(c for c in raw if c.isprintable()).strip()
    if not name or name.startswith("."):
        raise InvalidFields(
            [FieldProblem(FIELD, "the file has no name; its ending tells its kind")]
        )
    if len(name) > _MAX_NAME:
        stem, dot, suffix = name.rpartition(".")
        name = stem[: _MAX_NAME - len(suffix) - 1] + dot + suffix
    return name


def _kind(name: str) -> str:
    kind = _KINDS.get(Path(name).suffix.lower())
    if kind is None:
        raise HTTPException(
            415,
            f"{name}: upload a .zip of a dataset folder, an .xlsx workbook or a BODS "
            ".json/.jsonl file",
        )
    return kind


async def _save(upload: UploadFile, target: Path) -> None:
    size = 0
    with target.open("wb") as sink:
        while chunk := await upload.read(_CHUNK):
            size += len(chunk)
            if size > MAX_UPLOAD_BYTES:
                raise _too_large()
            sink.write(chunk)


@router.post(
    "/imports",
    response_model=ImportReportRead,
    tags=["datasets"],
    openapi_extra=_UPLOAD_BODY,
    responses=_TOO_LARGE,
)
async def import_upload(request: Request, actor: Importer) -> ImportReportRead:
    """Import an uploaded dataset (multipart field `file`): a ZIP of a dataset folder (the
    tables at its top or in one folder), a ZIP of GLEIF XML files (LEI-CDF and RR-CDF, see
    docs/gleif.md), an XLSX workbook, or a BODS JSON file.

    The dataset is checked whole first: with any problem nothing is written, and the 422
    problem lists each one in `errors` as the command line does (`path`: file, row and
    column, `message`: the reason). Otherwise the database is brought up to the dataset
    (added, changed, ended; nothing deleted) and the report is returned. Importing the
    same dataset again changes nothing. At most 200 MB (413).
    """
    length = request.headers.get("content-length", "")
    if length.isdigit() and int(length) > MAX_UPLOAD_BYTES + FORM_OVERHEAD:
        raise _too_large()  # before anything is read
    state = request.app.state
    with tempfile.TemporaryDirectory(prefix="inhouse-import-") as work:
        async with request.form(max_files=1, max_fields=5) as form:
            upload = form.get(FIELD)
            if not isinstance(upload, UploadFile):
                raise InvalidFields(
                    [FieldProblem(FIELD, "upload the dataset as the form field file")]
                )
            name = _file_name(upload)
            kind = _kind(name)
            saved = Path(work) / name
            await _save(upload, saved)
        path = saved
        if kind == "zip":
            try:
                folder = Path(work) / (Path(name).stem or "dataset")
                path = await run_in_threadpool(archive.unpack, saved, folder)
            except archive.TooLarge as error:
                raise HTTPException(413, str(error)) from None
        report = await run_in_threadpool(
            partial(
                datasets.import_dataset,
                uow=UnitOfWork(state.engine),
                actor=actor,
                clock=state.clock,
                path=path,
                source=name,
            )
        )
    return ImportReportRead.of(report, source=name)


@router.get(
    "/exports",
    response_class=FileResponse,
    tags=["datasets"],
    responses={200: {"content": {"application/zip": {}}, "description": "The dataset folder"}},
)
def export_download(request: Request, _actor: Importer) -> FileResponse:
    """The database as a dataset folder in a ZIP (entities, stakes, units, people,
    employments as CSV), in a folder `inhouse-dataset-YYYY-MM-DD`; it imports back as is."""
    state = request.app.state
    work = Path(tempfile.mkdtemp(prefix="inhouse-export-"))
    root = f"inhouse-dataset-{today(state.clock).isoformat()}"
    try:
        datasets.export_dataset(uow=UnitOfWork(state.engine), path=work / root)
        zipped = archive.pack(work / root, work / f"{root}.zip", root=root)
    except BaseException:
        archive.remove(work)
        raise
    return FileResponse(zipped, media_type="application/zip", filename=zipped.name,
                        background=BackgroundTask(archive.remove, work))  # fmt: skip
