"""Imports: upload a dataset (a ZIP of the folder, its CSV files, an XLSX workbook or a BODS
file) and see what changed, or every problem with file, row, column and reason."""

from __future__ import annotations

import tempfile
from functools import partial
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response
from fastapi.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from inhouse.dataset import archive
from inhouse.dataset import services as datasets
from inhouse.dataset.api import MAX_UPLOAD_BYTES
from inhouse.dataset.errors import DatasetError
from inhouse.db.uow import UnitOfWork
from inhouse.errors import InhouseError
from inhouse.identity.domain import Actor, Permission
from inhouse.web.pages.core import N_, checked_form, needs, render

router = APIRouter()
Importer = Annotated[Actor, Depends(needs(Permission.IMPORT_DATASETS))]
_SINGLE = {".zip", ".xlsx", ".json", ".jsonl"}
_CHUNK = 1024 * 1024
NO_FILE = N_(
    "Choose a dataset: a .zip of the folder, its .csv files, an .xlsx workbook or a BODS .json file."
)
MIXED_FILES = N_("Upload one .zip, .xlsx or .json file, or the .csv files of a dataset folder.")


def _name(upload: UploadFile) -> str:
    raw = (upload.filename or "").replace("\\", "/").rsplit("/", 1)[-1]
    return "".join(c for c in raw if c.isprintable()).strip()[:120]


async def _save(upload: UploadFile, target: Path, budget: int) -> int:
    size = 0
    with target.open("wb") as sink:
        while chunk := await upload.read(_CHUNK):
            size += len(chunk)
            if size > budget:
                raise archive.TooLarge(f"an upload has at most {MAX_UPLOAD_BYTES // 1024**2} MB")
            sink.write(chunk)
    return size


@router.get("/imports")
def import_form(request: Request, actor: Importer) -> Response:
    return render(request, "imports.html", {}, actor=actor)


@router.post("/imports")
async def import_upload(request: Request, actor: Importer) -> Response:
    length = request.headers.get("content-length", "")
    context: dict[str, Any] = {}
    if length.isdigit() and int(length) > MAX_UPLOAD_BYTES + 64 * 1024:
        context["error"] = N_("The upload is too large.")
        return render(request, "imports.html", context, actor=actor, status=413)
    form = await checked_form(request)
    uploads = [u for u in form.getlist("files") if isinstance(u, UploadFile) and _name(u)]
    state = request.app.state
    with tempfile.TemporaryDirectory(prefix="inhouse-import-") as work:
        folder = Path(work) / "dataset"
        folder.mkdir()
        try:
            path, source = await _gather(uploads, Path(work), folder)
        except (InhouseError, ValueError) as error:
            context["error"] = str(error)
            return render(request, "imports.html", context, actor=actor, status=422)
        context["source"] = source
        try:
            report = await run_in_threadpool(
                partial(
                    datasets.import_dataset,
                    uow=UnitOfWork(state.engine),
                    actor=actor,
                    clock=state.clock,
                    path=path,
                    source=source,
                )
            )
        except DatasetError as error:
            context["problems"] = error.problems
            return render(request, "imports.html", context, actor=actor, status=422)
        except InhouseError as error:
            context["error"] = str(error)
            return render(request, "imports.html", context, actor=actor, status=422)
    context["report"] = report
    return render(request, "imports.html", context, actor=actor)


async def _gather(uploads: list[UploadFile], work: Path, folder: Path) -> tuple[Path, str]:
    """Save the uploads; return the dataset's path and a name for it."""
    if not uploads:
        raise ValueError(NO_FILE)
    names = [_name(u) for u in uploads]
    suffixes = {Path(n).suffix.lower() for n in names}
    budget = MAX_UPLOAD_BYTES
    if len(uploads) == 1 and suffixes <= _SINGLE:
        saved = work / names[0]
        await _save(uploads[0], saved, budget)
        if suffixes == {".zip"}:
            unpacked = await run_in_threadpool(archive.unpack, saved, folder, field="files")
            return unpacked, names[0]
        return saved, names[0]
    if suffixes != {".csv"}:
        raise ValueError(MIXED_FILES)
    for upload, name in zip(uploads, names, strict=True):
        budget -= await _save(upload, folder / name, budget)
    return folder, ", ".join(sorted(names))
