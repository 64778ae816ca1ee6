"""The identity API over HTTP on SQLite and PostgreSQL: sign-in, /me, users, tokens, audit log."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest
from conftest import NOW, Accounts
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import Engine, func, select, update

from inhouse.clock import FixedClock
from inhouse.db.uow import UnitOfWork
from inhouse.identity import services as identity
from inhouse.identity.domain import SYSTEM, Role
from inhouse.identity.tables import api_tokens, audit_log, users

HeadersFor = Callable[..., dict[str, str]]
API = "/api/v1"
PASSWORD = "correct horse battery"
LATER = NOW + timedelta(hours=2)
NOT_ADMINS = [r.value for r in Role if r is not Role.ADMIN]


def problem(response: Response, status: int, detail: str | None = None) -> dict[str, Any]:
    """The RFC 9457 body of an error response, checked for its shape."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    assert body["type"].startswith("https://inhouse.example/problems/")
    assert body["title"]
    if detail is not None:
        assert body["detail"] == detail
    return body


def count(engine: Engine, table: Any) -> int:
    with engine.connect() as connection:
        return int(connection.execute(select(func.count()).select_from(table)).scalar_one())


NOW_TEXT = "2026-03-02T09:00:00Z"  # how the API writes NOW: UTC, on both databases
LATER_TEXT = "2026-03-02T11:00:00Z"


@pytest.fixture(scope="module")
def password_hash() -> str:
    """The argon2 hash of PASSWORD, made once per module: hashing is slow on purpose."""
    return identity.hash_password(PASSWORD)


@pytest.fixture
def erika(engine: Engine, clock: FixedClock, password_hash: str) -> str:
    """An hr user erika with the password PASSWORD (made by the system user)."""
    identity.add_user(uow=UnitOfWork(engine), actor=SYSTEM, clock=clock, username="erika",
                      password=None, role="hr")  # fmt: skip
    with engine.begin() as connection:
        connection.execute(update(users).where(users.c.username == "erika")
                           .values(password_hash=password_hash))  # fmt: skip
    return "erika"


def sign_in(client: TestClient, username: str, password: str) -> Response:
    response: Response = client.post(
        f"{API}/auth/token", data={"username": username, "password": password}
    )
    return response


# --------------------------------------------------------------------- sign-in and /me


def test_signing_in_with_the_right_password_gives_an_access_token(
    client: TestClient, erika: str
) -> None:
    # when erika signs in with the OAuth2 password form
    response = sign_in(client, erika, PASSWORD)

    # then she gets a bearer access token for twelve hours, which /me accepts
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["token_type"] == "bearer"
    assert body["expires_in"] == 12 * 3600
    me = client.get(f"{API}/me", headers={"Authorization": f"Bearer {body['access_token']}"})
    assert me.status_code == 200
    assert me.json() == {"username": "erika", "role": "hr", "person": None}


@pytest.mark.parametrize(
    ("username", "password"),
    [("erika", "wrong horse battery"), ("nobody", PASSWORD), ("ERIKA", PASSWORD)],
)
def test_signing_in_with_a_wrong_password_or_name_is_401(
    client: TestClient, engine: Engine, erika: str, username: str, password: str
) -> None:
    audited = count(engine, audit_log)

    response = sign_in(client, username, password)

    problem(response, 401, "wrong username or password")
    assert response.headers["www-authenticate"] == "Bearer"
    assert "access_token" not in response.json()
    assert count(engine, audit_log) == audited


def test_signing_in_without_a_password_field_is_422_with_the_field(client: TestClient) -> None:
    response = client.post(f"{API}/auth/token", data={"username": "erika"})
    body = problem(response, 422)
    assert {"path": "body.password", "message": "Field required"} in body["errors"]


def test_me_names_the_token_owner(client: TestClient, headers_for: HeadersFor) -> None:
    response = client.get(f"{API}/me", headers=headers_for("employee", person="P2"))
    assert response.status_code == 200
    assert response.json() == {"username": "employee-p2", "role": "employee", "person": "P2"}


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer"},
        {"Authorization": "Bearer ih_not-a-token"},
        {"Authorization": "Bearer not.signed"},
        {"Authorization": "Basic ZXJpa2E6cGFzc3dvcmQ="},
    ],
)
def test_me_without_a_valid_token_is_401(client: TestClient, headers: dict[str, str]) -> None:
    response = client.get(f"{API}/me", headers=headers)
    problem(response, 401)
    assert response.headers["www-authenticate"] == "Bearer"


def test_an_access_token_signed_with_another_key_is_401(client: TestClient, erika: str) -> None:
    token = sign_in(client, erika, PASSWORD).json()["access_token"]
    body, signature = token.split(".")
    forged = f"{body}.{signature[:-2]}{'AA' if signature[-2:] != 'AA' else 'BB'}"
    problem(client.get(f"{API}/me", headers={"Authorization": f"Bearer {forged}"}), 401)


def test_an_access_token_expires_after_twelve_hours(
    client: TestClient, clock: FixedClock, erika: str
) -> None:
    # given an access token issued at 09:00
    token = sign_in(client, erika, PASSWORD).json()["access_token"]
    headers = {"Authorization": f"Bearer {token}"}

    # when the clock stands at 20:59:59, then it still works
    clock.at = NOW + timedelta(hours=12) - timedelta(seconds=1)
    assert client.get(f"{API}/me", headers=headers).status_code == 200

    # and when the clock passes 21:00, then it is refused
    clock.at = NOW + timedelta(hours=12, seconds=1)
    problem(
        client.get(f"{API}/me", headers=headers), 401, "the token is unknown, revoked or expired"
    )


# --------------------------------------------------------------------- API tokens


def test_a_new_api_token_is_shown_once_and_hashed_at_rest(
    client: TestClient, engine: Engine, headers_for: HeadersFor
) -> None:
    # when the hr user makes a token
    response = client.post(f"{API}/tokens", json={"name": "payroll export"},
                           headers=headers_for("hr"))  # fmt: skip

    # then the response has the secret, once
    assert response.status_code == 201, response.text
    made = response.json()
    secret = made["token"]
    assert made["name"] == "payroll export"
    assert made["username"] == "hr-user"
    assert secret.startswith("ih_")

    # and the database holds its SHA-256 and prefix, and the plaintext nowhere
    with engine.connect() as connection:
        row = connection.execute(select(api_tokens).where(api_tokens.c.id == made["id"])).one()
        everything = [
            *connection.execute(select(api_tokens)).all(),
            *connection.execute(select(audit_log)).all(),
            *connection.execute(select(users)).all(),
        ]
    assert bytes(row.secret_hash) == hashlib.sha256(secret.encode()).digest()
    assert row.prefix == secret[:9]
    assert all(secret not in repr(r) and secret[9:] not in repr(r) for r in everything)

    # and the token works, and listing tokens never shows the secret again
    me = client.get(f"{API}/me", headers={"Authorization": f"Bearer {secret}"})
    assert me.json()["username"] == "hr-user"
    listed = client.get(f"{API}/tokens", headers={"Authorization": f"Bearer {secret}"})
    assert listed.status_code == 200
    mine = [t for t in listed.json() if t["id"] == made["id"]]
    assert mine == [{"id": made["id"], "user_id": row.user_id, "name": "payroll export",
                     "prefix": secret[:9], "created_at": NOW_TEXT, "last_used_at": NOW_TEXT,
                     "revoked_at": None}]  # fmt: skip
    assert secret not in listed.text


def test_a_token_knows_when_it_was_last_used_to_the_minute(
    client: TestClient, engine: Engine, headers_for: HeadersFor, clock: FixedClock
) -> None:
    made = client.post(f"{API}/tokens", json={"name": "till"}, headers=headers_for("hr")).json()
    bearer = {"Authorization": f"Bearer {made['token']}"}

    def last_used() -> datetime | None:
        with engine.connect() as connection:
            found: datetime | None = connection.execute(
                select(api_tokens.c.last_used_at).where(api_tokens.c.id == made["id"])
            ).scalar_one()
        return found

    def audit_entries() -> int:
        with engine.connect() as connection:
            return int(connection.execute(select(func.count()).select_from(audit_log)).scalar_one())

    entries_before_use = audit_entries()
    assert last_used() is None  # made, not used yet
    client.get(f"{API}/me", headers=bearer)
    first = last_used()
    clock.at = NOW + timedelta(seconds=59)
    client.get(f"{API}/me", headers=bearer)
    within_the_minute = last_used()
    clock.at = NOW + timedelta(minutes=5)
    client.get(f"{API}/me", headers=bearer)

    assert first == NOW and within_the_minute == NOW  # one write a minute at most
    assert last_used() == NOW + timedelta(minutes=5)
    assert audit_entries() == entries_before_use  # a use is no change of the records


def test_a_revoked_token_is_401(
    client: TestClient, engine: Engine, clock: FixedClock, headers_for: HeadersFor
) -> None:
    # given a token of the finance user
    headers = headers_for("finance")
    made = client.post(f"{API}/tokens", json={"name": "till"}, headers=headers).json()
    own = {"Authorization": f"Bearer {made['token']}"}
    assert client.get(f"{API}/me", headers=own).status_code == 200

    # when the user revokes it at 11:00
    clock.at = LATER
    response = client.post(f"{API}/tokens/{made['id']}/revoke", headers=headers)

    # then it is revoked then, and it no longer signs in
    assert response.status_code == 200, response.text
    assert response.json()["revoked_at"] == LATER_TEXT
    problem(client.get(f"{API}/me", headers=own), 401, "the token is unknown, revoked or expired")
    # and the other token of the user still works
    assert client.get(f"{API}/me", headers=headers).status_code == 200


def test_a_token_of_someone_else_cannot_be_revoked_by_a_non_admin(
    client: TestClient, engine: Engine, headers_for: HeadersFor
) -> None:
    # given the finance user's token, and the hr user
    made = client.post(f"{API}/tokens", json={"name": "till"},
                       headers=headers_for("finance")).json()  # fmt: skip
    hr = headers_for("hr")
    audited = count(engine, audit_log)

    # when the hr user revokes it, then it answers as if there were no such token (like
    # an unknown id: another user's tokens are none of hr's business) and it still works
    response = client.post(f"{API}/tokens/{made['id']}/revoke", headers=hr)
    problem(response, 404, f"no API token {made['id']}")
    assert client.get(f"{API}/me", headers={"Authorization": f"Bearer {made['token']}"}).status_code == 200  # fmt: skip
    assert count(engine, audit_log) == audited


def test_revoking_an_unknown_token_is_404(client: TestClient, headers_for: HeadersFor) -> None:
    response = client.post(f"{API}/tokens/999999/revoke", headers=headers_for("admin"))
    problem(response, 404, "no API token 999999")


@pytest.mark.parametrize("token_id", ["0", "2147483648", "9223372036854775808", "one"])
def test_a_token_number_out_of_range_is_422_naming_it(
    client: TestClient, headers_for: HeadersFor, token_id: str
) -> None:
    response = client.post(f"{API}/tokens/{token_id}/revoke", headers=headers_for("admin"))
    assert [e["path"] for e in problem(response, 422)["errors"]] == ["path.token_id"]


def test_a_non_admin_cannot_make_a_token_for_someone_else(
    client: TestClient, engine: Engine, headers_for: HeadersFor, accounts: Accounts
) -> None:
    accounts.token("finance")
    hr = headers_for("hr")
    tokens = count(engine, api_tokens)
    response = client.post(f"{API}/tokens", json={"name": "x", "username": "finance-user"},
                           headers=hr)  # fmt: skip
    problem(response, 403)
    assert count(engine, api_tokens) == tokens


# --------------------------------------------------------------------- users


def test_an_admin_lists_and_creates_users(
    client: TestClient, engine: Engine, headers_for: HeadersFor, staff: tuple[str, str]
) -> None:
    # given the admin
    headers = headers_for("admin")

    # when the admin creates an employee user for P2
    response = client.post(f"{API}/users", headers=headers, json={
        "username": "paul", "password": PASSWORD, "role": "employee", "person": "P2"})  # fmt: skip

    # then it is created, shown without a password, and listed
    assert response.status_code == 201, response.text
    created = response.json()
    assert {k: v for k, v in created.items() if k != "id"} == {"username": "paul",
        "role": "employee", "person": "P2", "active": True, "created_at": NOW_TEXT}  # fmt: skip
    listed = client.get(f"{API}/users", headers=headers)
    assert listed.status_code == 200
    assert [u["username"] for u in listed.json()] == ["admin-user", "paul"]
    assert "password" not in listed.text
    # and paul signs in with his password
    assert sign_in(client, "paul", PASSWORD).status_code == 200


@pytest.mark.parametrize("role", NOT_ADMINS)
def test_only_admins_list_and_create_users(
    client: TestClient, engine: Engine, headers_for: HeadersFor, role: str
) -> None:
    headers = headers_for(role)
    known = count(engine, users)
    audited = count(engine, audit_log)

    problem(client.get(f"{API}/users", headers=headers), 403)
    response = client.post(f"{API}/users", headers=headers,
                           json={"username": "mallory", "role": "admin"})  # fmt: skip

    problem(response, 403, f"the role {role} may not manage users and API tokens")
    assert count(engine, users) == known
    assert count(engine, audit_log) == audited


@pytest.mark.parametrize(
    ("body", "status", "detail"),
    [
        ({"username": "eve", "role": "employee"}, 422,
         "an employee user must be linked to a person"),
        ({"username": "eve", "role": "employee", "person": "NOBODY"}, 422,
         "NOBODY is not a known person"),
        ({"username": "eve", "role": "chief"}, 422,
         '"chief" is not a role (expected one of admin, finance, hr, service_agent, '
         "sales_system, employee)"),
        ({"username": "admin-user", "role": "hr"}, 409, "a user named admin-user exists already"),
    ],
)  # fmt: skip
def test_a_user_that_cannot_be_is_refused_and_nothing_is_stored(
    client: TestClient,
    engine: Engine,
    headers_for: HeadersFor,
    body: dict[str, str],
    status: int,
    detail: str,
) -> None:
    headers = headers_for("admin")
    known = count(engine, users)
    audited = count(engine, audit_log)

    problem(client.post(f"{API}/users", headers=headers, json=body), status, detail)

    assert count(engine, users) == known
    assert count(engine, audit_log) == audited


def test_a_short_password_is_422_with_the_field_path(
    client: TestClient, engine: Engine, headers_for: HeadersFor
) -> None:
    headers = headers_for("admin")
    known = count(engine, users)
    response = client.post(f"{API}/users", headers=headers,
                           json={"username": "eve", "role": "hr", "password": "short"})  # fmt: skip
    body = problem(response, 422)
    assert [e["path"] for e in body["errors"]] == ["body.password"]
    assert count(engine, users) == known


# --------------------------------------------------------------------- the audit log


def audit(client: TestClient, headers: dict[str, str], **query: Any) -> list[dict[str, Any]]:
    response = client.get(f"{API}/audit-log", headers=headers, params=query)
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


def test_every_write_is_in_the_audit_log_with_who_when_what_before_and_after(
    client: TestClient, clock: FixedClock, headers_for: HeadersFor
) -> None:
    admin = headers_for("admin")
    hr = headers_for("hr")

    # when the admin creates a user at 09:00 and hr makes and revokes a token at 11:00
    user = client.post(f"{API}/users", headers=admin,
                       json={"username": "fiona", "role": "finance"}).json()  # fmt: skip
    clock.at = LATER
    token = client.post(f"{API}/tokens", headers=hr, json={"name": "till"}).json()
    client.post(f"{API}/tokens/{token['id']}/revoke", headers=hr)

    # then each write has its entry: who, when, what, before and after
    by_admin = audit(client, admin, actor="admin-user")
    assert [(e["action"], e["resource"], e["resource_id"]) for e in by_admin] == [
        ("create", "users", str(user["id"]))]  # fmt: skip
    entry = by_admin[0]
    assert entry["at"] == NOW_TEXT
    assert entry["actor"] == "admin-user"
    assert entry["before"] is None
    assert entry["after"] == {"id": user["id"], "username": "fiona", "role": "finance",
                              "person": None, "active": True,
                              "created_at": "2026-03-02T09:00:00+00:00"}  # fmt: skip
    assert "password_hash" not in entry["after"]

    by_hr = audit(client, admin, actor="hr-user")
    assert [(e["action"], e["resource"], e["resource_id"]) for e in by_hr] == [
        ("revoke", "api_tokens", str(token["id"])),
        ("create", "api_tokens", str(token["id"])),
    ]
    revoke, create = by_hr
    assert [e["at"] for e in by_hr] == [LATER_TEXT, LATER_TEXT]
    assert create["before"] is None
    assert create["after"]["name"] == "till"
    assert "secret_hash" not in create["after"]
    assert revoke["before"]["revoked_at"] is None
    assert revoke["after"]["revoked_at"] == "2026-03-02T11:00:00+00:00"
    assert revoke["before"]["created_at"] == "2026-03-02T11:00:00+00:00"
    assert {k: v for k, v in revoke["before"].items() if k != "revoked_at"} == {
        k: v for k, v in revoke["after"].items() if k != "revoked_at"}  # fmt: skip


def test_the_audit_log_filters_by_actor_resource_action_and_time(
    client: TestClient, clock: FixedClock, headers_for: HeadersFor
) -> None:
    # given the admin and hr users (made by "system" at 09:00) and writes at 09:00 and 11:00
    admin = headers_for("admin")
    hr = headers_for("hr")
    client.post(f"{API}/users", headers=admin, json={"username": "fiona", "role": "finance"})
    clock.at = LATER
    token = client.post(f"{API}/tokens", headers=hr, json={"name": "till"}).json()
    client.post(f"{API}/tokens/{token['id']}/revoke", headers=hr)

    def seen(**query: Any) -> list[tuple[str, str, str]]:
        return [(e["actor"], e["action"], e["resource"]) for e in audit(client, admin, **query)]

    # then each filter picks its entries, newest first
    assert seen(actor="hr-user") == [("hr-user", "revoke", "api_tokens"),
                                     ("hr-user", "create", "api_tokens")]  # fmt: skip
    assert seen(resource="users") == [("admin-user", "create", "users"),
                                      ("system", "create", "users"),
                                      ("system", "create", "users")]  # fmt: skip
    assert seen(resource="api_tokens", resource_id=str(token["id"])) == [
        ("hr-user", "revoke", "api_tokens"), ("hr-user", "create", "api_tokens")]  # fmt: skip
    assert seen(action="revoke") == [("hr-user", "revoke", "api_tokens")]
    assert seen(since="2026-03-02T10:00:00Z") == [("hr-user", "revoke", "api_tokens"),
                                                  ("hr-user", "create", "api_tokens")]  # fmt: skip
    assert len(seen(until="2026-03-02T10:00:00Z")) == 5
    assert seen(actor="system", action="create", resource="api_tokens") == [
        ("system", "create", "api_tokens"), ("system", "create", "api_tokens")]  # fmt: skip
    assert seen(actor="nobody") == []


@pytest.mark.parametrize(
    ("since", "until", "count"),
    [
        ("2026-03-02T10:00:00Z", None, 1),
        ("2026-03-02T11:00:00+01:00", None, 1),  # 10:00 UTC
        ("2026-03-02T12:30:00+01:00", None, 0),  # 11:30 UTC
        ("2026-03-02T05:00:00-05:00", None, 1),  # 10:00 UTC
        (None, "2026-03-02T11:30:00+01:00", 2),  # 10:30 UTC
        (None, "2026-03-02T06:30:00-05:00", 3),  # 11:30 UTC
    ],
)
def test_audit_log_times_with_any_offset_mean_the_same_moment(
    client: TestClient, clock: FixedClock, headers_for: HeadersFor,
    since: str | None, until: str | None, count: int,
) -> None:  # fmt: skip
    # given the admin user and its token made at 08:00 UTC, and a user created at 11:00 UTC
    clock.at = NOW - timedelta(hours=1)
    admin = headers_for("admin")
    clock.at = LATER
    client.post(f"{API}/users", headers=admin, json={"username": "fiona", "role": "finance"})

    # when the log is read from or until a moment written with some offset
    query = {k: v for k, v in (("since", since), ("until", until)) if v is not None}
    found = audit(client, admin, **query)

    # then the offset is honoured (the same moment on SQLite and PostgreSQL)
    assert len(found) == count


def test_the_audit_log_pages_with_a_cursor(
    client: TestClient, engine: Engine, clock: FixedClock, headers_for: HeadersFor
) -> None:
    # given five entries (the admin user and its token by "system", three users by the admin)
    admin = headers_for("admin")
    for name in ("u1", "u2", "u3"):
        client.post(f"{API}/users", headers=admin, json={"username": name, "role": "hr"})
    everything = [e["id"] for e in audit(client, admin, limit=100)]
    assert len(everything) == 5
    assert everything == sorted(everything, reverse=True)

    # when it is read two at a time
    pages: list[list[int]] = []
    cursor: str | None = None
    while True:
        query: dict[str, Any] = {"limit": 2} | ({"cursor": cursor} if cursor else {})
        response = client.get(f"{API}/audit-log", headers=admin, params=query)
        assert response.status_code == 200
        page = response.json()
        pages.append([e["id"] for e in page["items"]])
        cursor = page["next_cursor"]
        if cursor is None:
            break
        assert cursor == str(pages[-1][-1])

    # then the pages are the whole log, newest first, without gaps or repeats
    assert [len(p) for p in pages] == [2, 2, 1]
    assert [i for p in pages for i in p] == everything


def test_a_bad_cursor_is_400(client: TestClient, headers_for: HeadersFor) -> None:
    response = client.get(f"{API}/audit-log", headers=headers_for("admin"),
                          params={"cursor": "yesterday"})  # fmt: skip
    problem(response, 400, '"yesterday" is not a cursor of this list')


@pytest.mark.parametrize("role", NOT_ADMINS)
def test_only_admins_read_the_audit_log(
    client: TestClient, headers_for: HeadersFor, role: str
) -> None:
    response = client.get(f"{API}/audit-log", headers=headers_for(role))
    problem(response, 403, f"the role {role} may not read the audit log")
