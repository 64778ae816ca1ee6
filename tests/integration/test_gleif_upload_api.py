"""Uploading GLEIF files (docs/gleif.md) as a ZIP to POST /imports, on SQLite and PostgreSQL:
imported and reported, again changes nothing; a broken folder is refused whole."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import Engine, Table, func, select

from inhouse.groups import tables as t

HeadersFor = Callable[..., dict[str, str]]
API = "/api/v1"
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "gleif"
JKL, ABC, XYZ = "529900JKLHOLDINGSE95", "529900ABCGMBH0000134", "213800XYZLTD00000147"


@pytest.fixture
def admin(headers_for: HeadersFor) -> dict[str, str]:
    return headers_for("admin")


def zipped(folder: Path, top: str = "") -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for file in sorted(folder.iterdir()):
            archive.write(file, top + file.name)
    return buffer.getvalue()


def upload(client: TestClient, headers: dict[str, str], name: str, data: bytes) -> Response:
    response: Response = client.post(
        f"{API}/imports", headers=headers, files={"file": (name, data)}
    )
    return response


def count(engine: Engine, table: Table) -> int:
    with engine.connect() as connection:
        return int(connection.execute(select(func.count()).select_from(table)).scalar_one())


def test_a_zip_of_gleif_files_is_imported_and_a_second_time_changes_nothing(
    client: TestClient, admin: dict[str, str]
) -> None:
    # given the fixture's two files inside a folder of the archive
    data = zipped(FIXTURES / "group", "gleif-2026-12-01/")
    # when
    first = upload(client, admin, "gleif.zip", data)
    second = upload(client, admin, "gleif.zip", data)
    # then
    assert first.status_code == 200, first.text
    assert first.json()["tables"]["entities"]["added"] == 9
    assert first.json()["tables"]["stakes"]["added"] == 6
    assert second.status_code == 200, second.text
    assert second.json()["nothing_to_change"] is True
    stakes = client.get(f"{API}/stakes", headers=admin, params={"on": "2026-03-02"}).json()
    found = {(s["holder"], s["entity"]): (s["voting"], s["control"]) for s in stakes["items"]}
    assert found[(ABC, XYZ)] == ("75.5", "yes")
    answer = client.post(f"{API}/classifications", headers=admin,
                         json={"seller": XYZ, "buyer": ABC, "on": "2026-03-02"})  # fmt: skip
    assert answer.json()["relation"] == "intercompany"


def test_a_zip_of_a_broken_gleif_folder_is_refused_whole(
    client: TestClient, admin: dict[str, str], engine: Engine
) -> None:
    # when
    response = upload(client, admin, "broken.zip", zipped(FIXTURES / "broken"))
    # then
    assert response.status_code == 422, response.text
    lines = [f"{e['path']}: {e['message']}" for e in response.json()["errors"]]
    assert len(lines) == 14
    assert lines[-1] == "rr-records.xml row 6, column Relationship: required field is missing"
    assert count(engine, t.entities) == 0
