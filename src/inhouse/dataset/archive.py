"""ZIP archives of dataset folders: unpacking an upload safely, packing an export.

An uploaded archive is untrusted: member paths may try to leave the folder ("zip slip")
and a small archive may unpack to gigabytes ("zip bomb"). ``unpack`` refuses both,
counting the bytes actually written rather than trusting the sizes the archive claims.
"""

from __future__ import annotations

import shutil
import zipfile
import zlib
from pathlib import Path, PurePosixPath

from inhouse.errors import FieldProblem, InhouseError, InvalidFields

MAX_UNPACKED_BYTES = 2 * 1024**3
MAX_MEMBERS = 1000
_CHUNK = 1024 * 1024
_TABLE_SUFFIXES = (".csv", ".xlsx", ".xml")  # a dataset's tables, or GLEIF files
_SKIPPED = ("__MACOSX",)  # resource forks that macOS adds to archives


class TooLarge(InhouseError):
    """An upload, or what it unpacks to, is larger than allowed."""


def _bad(field: str, reason: str) -> InvalidFields:
    return InvalidFields([FieldProblem(field, reason)])


def unpack(archive: Path, into: Path, *, field: str = "file") -> Path:
    """Unpack a ZIP of a dataset folder into ``into``; return the dataset folder.

    The tables may be at the top of the archive or in one folder (as when a folder is
    zipped). Hidden files and ``__MACOSX`` are skipped. Raises ``InvalidFields`` (naming
    ``field``) for an unreadable or unsafe archive and ``TooLarge`` past the limits.
    """
    name = archive.name
    try:
        with zipfile.ZipFile(archive) as zipped:
            members = [info for info in zipped.infolist() if not info.is_dir()]
            if len(members) > MAX_MEMBERS:
                raise _bad(field, f"{name} holds {len(members)} files; a dataset has at most "
                                  f"{MAX_MEMBERS}")  # fmt: skip
            written = 0
            for info in members:
                parts = _member_parts(info.filename)
                if parts is None:
                    raise _bad(field, f'{name} holds "{info.filename}", a path outside the archive')
                if parts[0] in _SKIPPED or any(part.startswith(".") for part in parts):
                    continue
                target = into.joinpath(*parts)
                target.parent.mkdir(parents=True, exist_ok=True)
                written = _copy(zipped, info, target, written)
    except (zipfile.BadZipFile, zlib.error, EOFError) as error:
        raise _bad(field, f"{name} is not a readable ZIP archive ({error})") from None
    except (RuntimeError, NotImplementedError) as error:  # encrypted, unknown compression
        raise _bad(field, f"{name} cannot be unpacked ({error})") from None
    return _dataset_root(into)


def _member_parts(filename: str) -> tuple[str, ...] | None:
    """The path parts of a member, or ``None`` if it would land outside the folder."""
    if "\\" in filename or filename.startswith("/") or ":" in filename.split("/")[0]:
        return None
    parts = PurePosixPath(filename).parts
    if not parts or any(part in ("..", "") for part in parts):
        return None
    return parts


def _copy(zipped: zipfile.ZipFile, info: zipfile.ZipInfo, target: Path, written: int) -> int:
    with zipped.open(info) as source, target.open("wb") as sink:
        while chunk := source.read(_CHUNK):
            written += len(chunk)
            if written > MAX_UNPACKED_BYTES:
                raise TooLarge(
                    f"the archive unpacks to more than {MAX_UNPACKED_BYTES // 1024**2} MB"
                )
            sink.write(chunk)
    return written


def _dataset_root(folder: Path) -> Path:
    """Descend through single folders that hold no tables or GLEIF files (``dataset/``
    inside the archive)."""
    while True:
        entries = list(folder.iterdir())
        tables = [e for e in entries if e.is_file() and e.suffix.lower() in _TABLE_SUFFIXES]
        folders = [e for e in entries if e.is_dir()]
        if tables or len(folders) != 1:
            return folder
        folder = folders[0]


def pack(folder: Path, archive: Path, *, root: str) -> Path:
    """Write the files of ``folder`` into a ZIP below the top folder ``root``."""
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as zipped:
        for path in sorted(folder.iterdir()):
            if path.is_file():
                zipped.write(path, f"{root}/{path.name}")
    return archive


def remove(folder: Path) -> None:
    shutil.rmtree(folder, ignore_errors=True)
