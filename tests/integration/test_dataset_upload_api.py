"""Uploading a dataset to import it, and downloading the database as one, on SQLite and PostgreSQL.

A good upload is imported and reported; an upload with a problem is refused whole with
the same file/row/column lines as the command line, and nothing is written.
"""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Callable
from pathlib import Path

import openpyxl
import pytest
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import Engine, func, select

from inhouse.dataset import DatasetError, archive, load_register
from inhouse.dataset import api as dataset_api
from inhouse.groups import tables as t
from inhouse.identity.tables import audit_log

HeadersFor = Callable[..., dict[str, str]]
API = "/api/v1"
ZIP = "application/zip"

TABLES = {
    "entities.csv": "id,name,country,currency\nJKL,JKL Holding AG,DE,EUR\nABC,ABC Handel GmbH,DE,EUR\n",
    "stakes.csv": "holder,entity,voting,valid_from\nJKL,ABC,100,2019-01-01\n",
    "people.csv": "id,name,email\nP1,Petra Eins,petra@jkl.example\n",
    "employments.csv": "person,entity,valid_from\nP1,ABC,2020-01-01\n",
}
COUNTS = {"added": 0, "changed": 0, "ended": 0, "unchanged": 0, "kept": 0}


def zipped(files: dict[str, str], folder: str = "") -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive_file:
        for name, text in files.items():
            archive_file.writestr(folder + name, text)
    return buffer.getvalue()


def upload(client: TestClient, headers: dict[str, str], name: str, data: bytes) -> Response:
    response: Response = client.post(
        f"{API}/imports", headers=headers, files={"file": (name, data)}
    )
    return response


def stored(engine: Engine) -> dict[str, int]:
    tables = [t.entities, t.stakes, t.units, t.persons, t.employments, audit_log]
    with engine.connect() as connection:
        return {
            table.name: int(
                connection.execute(select(func.count()).select_from(table)).scalar_one()
            )
            for table in tables
        }


@pytest.fixture
def admin(headers_for: HeadersFor) -> dict[str, str]:
    return headers_for("admin")


def test_a_zipped_dataset_folder_is_imported_and_reported(
    client: TestClient, admin: dict[str, str], engine: Engine
) -> None:
    response = upload(client, admin, "jkl.zip", zipped(TABLES))
    assert response.status_code == 200, response.text
    assert response.json() == {
        "source": "jkl.zip",
        "nothing_to_change": False,
        "summary": "5 added",
        "tables": {
            "entities": {**COUNTS, "added": 2},
            "stakes": {**COUNTS, "added": 1},
            "units": COUNTS,
            "people": {**COUNTS, "added": 1},
            "employments": {**COUNTS, "added": 1},
        },
        "notes": [],
    }
    entities = client.get(f"{API}/entities", headers=admin).json()["items"]
    assert [(e["id"], e["name"]) for e in entities] == [
        ("ABC", "ABC Handel GmbH"),
        ("JKL", "JKL Holding AG"),
    ]
    # the same dataset again, this time in a folder inside the archive, changes nothing
    again = upload(client, admin, "jkl-again.zip", zipped(TABLES, folder="jkl/"))
    assert again.status_code == 200, again.text
    assert (again.json()["nothing_to_change"], again.json()["summary"]) == (
        True,
        "nothing to change: the database already holds this dataset",
    )


def test_a_dataset_with_a_problem_is_refused_whole_naming_file_row_and_column(
    client: TestClient, admin: dict[str, str], engine: Engine, tmp_path: Path
) -> None:
    before = stored(engine)
    bad = {
        **TABLES,
        "stakes.csv": 'holder,entity,voting,valid_from\nJKL,ABC,100,2019-01-01\nJKL,NOPE,"(50,75",\n',
        "people.csv": "id,name,email\nP1,Petra Eins,petra\n",
    }
    response = upload(client, admin, "bad.zip", zipped(bad))
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert (body["title"], body["detail"]) == ("Invalid dataset", "3 problems")
    lines = [f"{e['path']}: {e['message']}" for e in body["errors"]]
    assert lines == [
        'stakes.csv row 3, column entity: "NOPE" is not a known entity',
        'stakes.csv row 3, column voting: "(50,75" is not a share',
        'people.csv row 2, column email: "petra" is not an email address',
    ]
    # the command line names the same problems in the same words
    for name, text in bad.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    with pytest.raises(DatasetError) as caught:
        load_register(tmp_path)
    assert str(caught.value).splitlines() == ["3 problems in the dataset", *lines]
    assert stored(engine) == before


def test_a_bods_file_is_imported(client: TestClient, admin: dict[str, str], engine: Engine) -> None:
    statements = [
        {"recordId": "ent-a", "recordType": "entity", "recordStatus": "new",
         "statementDate": "2020-01-01", "recordDetails": {"isComponent": False, "name": "Alpha Holding"}},
        {"recordId": "ent-b", "recordType": "entity", "recordStatus": "new",
         "statementDate": "2020-01-01", "recordDetails": {"isComponent": False, "name": "Beta GmbH"}},
        {"recordId": "rel-1", "recordType": "relationship", "recordStatus": "new",
         "statementDate": "2020-01-01", "recordDetails": {
             "isComponent": False, "subject": "ent-b", "interestedParty": "ent-a",
             "interests": [{"type": "shareholding", "directOrIndirect": "direct",
                            "share": {"exact": 80}, "startDate": "2020-01-01"}]}},
    ]  # fmt: skip
    response = upload(client, admin, "register.json", json.dumps(statements).encode())
    assert response.status_code == 200, response.text
    assert response.json()["tables"]["stakes"] == {**COUNTS, "added": 1}
    stakes = client.get(f"{API}/stakes", headers=admin).json()["items"]
    assert [(s["holder"], s["entity"], s["voting"], s["valid_from"]) for s in stakes] == [
        ("ent-a", "ent-b", "80", "2020-01-01")
    ]


def test_an_xlsx_workbook_is_imported(client: TestClient, admin: dict[str, str]) -> None:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "entities"
    for row in (["id", "name"], ["JKL", "JKL Holding AG"]):
        sheet.append(row)
    units = workbook.create_sheet("units")
    for row in (["id", "entity", "name"], ["JKL-HR", "JKL", "Group HR"]):
        units.append(row)
    data = io.BytesIO()
    workbook.save(data)
    response = upload(client, admin, "group.xlsx", data.getvalue())
    assert response.status_code == 200, response.text
    assert response.json()["summary"] == "2 added"
    bad = upload(client, admin, "broken.xlsx", b"not a workbook")
    assert bad.status_code == 422, bad.text
    assert [e["path"] for e in bad.json()["errors"]] == ["broken.xlsx"]


def test_uploads_that_are_no_dataset_are_refused(
    client: TestClient, admin: dict[str, str], engine: Engine
) -> None:
    before = stored(engine)
    text = upload(client, admin, "notes.txt", b"hello")
    assert text.status_code == 415, text.text
    assert text.json()["detail"] == (
        "notes.txt: upload a .zip of a dataset folder, an .xlsx workbook or a BODS .json/.jsonl file"
    )
    not_zip = upload(client, admin, "data.zip", b"hello")
    assert not_zip.status_code == 422, not_zip.text
    assert not_zip.json()["errors"] == [
        {
            "path": "body.file",
            "message": "data.zip is not a readable ZIP archive (File is not a zip file)",
        }
    ]
    escaping = upload(
        client, admin, "evil.zip", zipped({"../entities.csv": TABLES["entities.csv"]})
    )
    assert escaping.json()["errors"] == [
        {
            "path": "body.file",
            "message": 'evil.zip holds "../entities.csv", a path outside the archive',
        }
    ]
    no_file = client.post(f"{API}/imports", headers=admin, data={"other": "x"})
    assert no_file.json()["errors"] == [
        {"path": "body.file", "message": "upload the dataset as the form field file"}
    ]
    assert stored(engine) == before


def test_uploads_are_limited_in_size(
    client: TestClient, admin: dict[str, str], engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(dataset_api, "MAX_UPLOAD_BYTES", 100)
    response = upload(client, admin, "jkl.zip", zipped(TABLES))
    assert response.status_code == 413, response.text
    assert response.json()["detail"] == "an upload has at most 0 MB"
    # a request that says it is too large is refused before it is read
    monkeypatch.setattr(dataset_api, "FORM_OVERHEAD", 0)
    said = client.post(f"{API}/imports", headers=admin, content=b"x" * 101)
    assert said.status_code == 413, said.text
    monkeypatch.setattr(dataset_api, "MAX_UPLOAD_BYTES", 10 * 1024**2)
    monkeypatch.setattr(archive, "MAX_UNPACKED_BYTES", 100)
    bomb = upload(client, admin, "jkl.zip", zipped(TABLES))
    assert bomb.status_code == 413, bomb.text
    assert stored(engine)["entities"] == 0


@pytest.mark.parametrize("role", ["finance", "hr", "service_agent", "sales_system", "employee"])
def test_only_admins_import_and_export(
    client: TestClient, headers_for: HeadersFor, role: str
) -> None:
    headers = headers_for(role)
    assert upload(client, headers, "jkl.zip", zipped(TABLES)).status_code == 403
    assert client.get(f"{API}/exports", headers=headers).status_code == 403


def test_the_export_is_a_zip_that_imports_back_unchanged(
    client: TestClient, admin: dict[str, str]
) -> None:
    assert upload(client, admin, "jkl.zip", zipped(TABLES)).status_code == 200
    response = client.get(f"{API}/exports", headers=admin)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == ZIP
    assert 'filename="inhouse-dataset-2026-03-02.zip"' in response.headers["content-disposition"]
    with zipfile.ZipFile(io.BytesIO(response.content)) as exported:
        names = sorted(exported.namelist())
        entities = exported.read("inhouse-dataset-2026-03-02/entities.csv").decode()
    assert names == [f"inhouse-dataset-2026-03-02/{n}" for n in
                     ("employments.csv", "entities.csv", "people.csv", "stakes.csv", "units.csv")]  # fmt: skip
    assert entities == (
        "id,name,country,currency,lei,vat_id,line_of_business\n"
        "ABC,ABC Handel GmbH,DE,EUR,,,\n"
        "JKL,JKL Holding AG,DE,EUR,,,\n"
    )
    back = upload(client, admin, "export.zip", response.content)
    assert back.status_code == 200, back.text
    assert back.json()["nothing_to_change"] is True


def test_an_upload_of_some_tables_keeps_the_rest_and_says_so(
    client: TestClient, admin: dict[str, str], engine: Engine
) -> None:
    # given the dataset imported
    assert upload(client, admin, "jkl.zip", zipped(TABLES)).status_code == 200
    # when a ZIP holds only stakes.csv, with its header and no rows
    response = upload(client, admin, "stakes.zip", zipped({"stakes.csv": "holder,entity,voting\n"}))
    # then nothing changes, and the notes say which stored records were kept and why
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["nothing_to_change"], body["tables"]["stakes"]) == (True, {**COUNTS, "kept": 1})
    assert body["notes"] == [
        "entities.csv: not in this folder: the database's records are kept (2 entities)",
        "stakes.csv: no rows: the database's records are kept (1 stake)",
        "people.csv: not in this folder: the database's records are kept (1 person)",
        "employments.csv: not in this folder: the database's records are kept (1 employment)",
    ]
