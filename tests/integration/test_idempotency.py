"""``Idempotency-Key``: a retried write gets the first answer and writes nothing more."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import Engine, func, select

from inhouse.identity.tables import api_tokens, audit_log, idempotency_keys, users

HeadersFor = Callable[..., dict[str, str]]
API = "/api/v1"
KEY = "7d1f0c1e-retry-me"


def writes(engine: Engine) -> tuple[int, int, int]:
    """Users, API tokens and audit entries stored."""
    with engine.connect() as connection:
        return tuple(  # type: ignore[return-value]
            int(connection.execute(select(func.count()).select_from(t)).scalar_one())
            for t in (users, api_tokens, audit_log)
        )


def stored_keys(engine: Engine) -> list[tuple[str, int]]:
    with engine.connect() as connection:
        query = select(idempotency_keys.c.key, idempotency_keys.c.status)
        return [(r.key, r.status) for r in connection.execute(query)]


def post_user(client: TestClient, headers: dict[str, str], body: dict[str, Any],
              key: str | None = KEY) -> Response:  # fmt: skip
    extra = {"Idempotency-Key": key} if key is not None else {}
    response: Response = client.post(f"{API}/users", headers={**headers, **extra}, json=body)
    return response


def test_the_same_key_and_body_replays_the_first_response_and_writes_once(
    client: TestClient, engine: Engine, headers_for: HeadersFor
) -> None:
    # given an admin
    admin = headers_for("admin")
    before = writes(engine)
    body = {"username": "fiona", "role": "finance"}

    # when the same user creation is sent twice with one key
    first = post_user(client, admin, body)
    second = post_user(client, admin, body)

    # then both get the same 201 answer, the second marked as a replay
    assert first.status_code == 201, first.text
    assert second.status_code == 201
    assert second.json() == first.json()
    assert "idempotent-replayed" not in first.headers
    assert second.headers["idempotent-replayed"] == "true"
    # and one user and one audit entry were written
    assert writes(engine) == (before[0] + 1, before[1], before[2] + 1)
    assert stored_keys(engine) == [(KEY, 201)]


def test_a_replayed_token_creation_shows_the_same_secret_and_makes_one_token(
    client: TestClient, engine: Engine, headers_for: HeadersFor
) -> None:
    headers = {**headers_for("hr"), "Idempotency-Key": KEY}
    before = writes(engine)

    first = client.post(f"{API}/tokens", headers=headers, json={"name": "till"})
    second = client.post(f"{API}/tokens", headers=headers, json={"name": "till"})

    assert first.status_code == second.status_code == 201
    assert second.json() == first.json()
    assert second.headers["idempotent-replayed"] == "true"
    assert writes(engine) == (before[0], before[1] + 1, before[2] + 1)


def test_the_same_key_with_another_body_is_422_and_writes_nothing(
    client: TestClient, engine: Engine, headers_for: HeadersFor
) -> None:
    # given a user created with a key
    admin = headers_for("admin")
    post_user(client, admin, {"username": "fiona", "role": "finance"})
    before = writes(engine)

    # when the key comes again with another body
    response = post_user(client, admin, {"username": "gina", "role": "finance"})

    # then it is refused as problem details, and nothing more is written
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["detail"] == (
        "this Idempotency-Key was used for a different request; use a new key"
    )
    assert writes(engine) == before
    listed = client.get(f"{API}/users", headers=admin).json()
    assert [u["username"] for u in listed] == ["admin-user", "fiona"]


def test_keys_belong_to_their_user(
    client: TestClient, engine: Engine, headers_for: HeadersFor
) -> None:
    # given the hr user made a token with a key
    hr = client.post(f"{API}/tokens", json={"name": "till"},
                     headers={**headers_for("hr"), "Idempotency-Key": KEY})  # fmt: skip
    # when the finance user sends the same key and body
    finance = client.post(f"{API}/tokens", json={"name": "till"},
                          headers={**headers_for("finance"), "Idempotency-Key": KEY})  # fmt: skip

    # then that is a request of its own
    assert hr.status_code == finance.status_code == 201
    assert "idempotent-replayed" not in finance.headers
    assert (hr.json()["username"], finance.json()["username"]) == ("hr-user", "finance-user")


def test_a_failed_write_releases_its_key(
    client: TestClient, engine: Engine, headers_for: HeadersFor
) -> None:
    # given a request with a key that fails (the username exists)
    admin = headers_for("admin")
    failed = post_user(client, admin, {"username": "admin-user", "role": "hr"})
    assert failed.status_code == 409
    assert stored_keys(engine) == []
    before = writes(engine)

    # when the key is used again for a good request, then that one runs
    retried = post_user(client, admin, {"username": "hannah", "role": "hr"})
    assert retried.status_code == 201, retried.text
    assert "idempotent-replayed" not in retried.headers
    assert writes(engine) == (before[0] + 1, before[1], before[2] + 1)


def test_without_a_key_every_request_writes(
    client: TestClient, engine: Engine, headers_for: HeadersFor
) -> None:
    headers = headers_for("hr")
    before = writes(engine)
    for _ in range(2):
        assert client.post(f"{API}/tokens", headers=headers, json={"name": "x"}).status_code == 201
    assert writes(engine) == (before[0], before[1] + 2, before[2] + 2)
    assert stored_keys(engine) == []


@pytest.mark.parametrize("key", ["", "   ", "k" * 201])
def test_an_unusable_key_is_400_and_writes_nothing(
    client: TestClient, engine: Engine, headers_for: HeadersFor, key: str
) -> None:
    admin = headers_for("admin")
    before = writes(engine)
    response = post_user(client, admin, {"username": "fiona", "role": "finance"}, key=key)
    assert response.status_code == 400
    assert response.json()["detail"] == "an Idempotency-Key has 1 to 200 characters"
    assert writes(engine) == before


def test_concurrent_duplicates_write_exactly_once(
    client: TestClient, engine: Engine, headers_for: HeadersFor
) -> None:
    # given an admin and eight copies of one request, released at the same moment
    admin = headers_for("admin")
    before = writes(engine)
    body = {"username": "fiona", "role": "finance"}
    copies = 8
    start = threading.Barrier(copies)

    def send(_: int) -> Response:
        start.wait()
        return post_user(client, admin, body)

    # when they run at once
    with ThreadPoolExecutor(max_workers=copies) as pool:
        responses = list(pool.map(send, range(copies)))

    # then one wrote, the others were replayed or told the first is still running
    statuses = sorted(r.status_code for r in responses)
    assert set(statuses) <= {201, 409}, [r.text for r in responses]
    created = [r for r in responses if r.status_code == 201]
    assert len([r for r in created if "idempotent-replayed" not in r.headers]) == 1
    assert all(r.json() == created[0].json() for r in created)
    assert all(r.json()["detail"] == "a request with this Idempotency-Key is still running"
               for r in responses if r.status_code == 409)  # fmt: skip
    assert writes(engine) == (before[0] + 1, before[1], before[2] + 1)
    # and a later retry gets the stored answer
    again = post_user(client, admin, body)
    assert again.status_code == 201
    assert again.json() == created[0].json()
