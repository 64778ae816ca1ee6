"""Helpers for tests of the web pages: sessions per role and the CSRF token of a page."""

from __future__ import annotations

import io
import re
import zipfile
from datetime import datetime

from fastapi.testclient import TestClient
from httpx import Response

from inhouse.identity.domain import Actor
from inhouse.web.auth import issue_access_token
from inhouse.web.pages.core import CSRF_FIELD, SESSION_COOKIE

_TOKEN = re.compile(r'name="csrf_token" value="([0-9a-f]{64})"')
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\b(?:src=|type=\"application/json\"))[^>]*>", re.I)


def sign_in_as(client: TestClient, actor: Actor, secret: str, now: datetime) -> None:
    """Put a session of ``actor`` into the client's cookies (as signing in does)."""
    token = issue_access_token(actor, secret, now)
    client.cookies.set(SESSION_COOKIE, token)


def csrf_of(client: TestClient, path: str = "/login") -> str:
    """The CSRF token of a page's forms (also sets the browser's CSRF cookie)."""
    page = client.get(path)
    found = _TOKEN.search(page.text)
    assert found, f"no CSRF token on {path} ({page.status_code})"
    return found.group(1)


def post_form(
    client: TestClient, path: str, data: dict[str, str], *, token_from: str = "/login"
) -> Response:
    answer: Response = client.post(
        path, data={CSRF_FIELD: csrf_of(client, token_from), **data}, follow_redirects=False
    )
    return answer


def post_zip(client: TestClient, files: dict[str, str]) -> Response:
    """Upload ``files`` (name: text) as one ZIP on the import page, with its CSRF token."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zipped:
        for name, text in files.items():
            zipped.writestr(name, text)
    token = csrf_of(client, "/imports")
    upload = ("upload.zip", buffer.getvalue(), "application/zip")
    answer: Response = client.post("/imports", data={CSRF_FIELD: token}, files={"files": upload})
    return answer
