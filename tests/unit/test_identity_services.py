"""Identity services on an in-memory unit of work: users, sign-in, API tokens, the audit log."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from typing import Any

import pytest
from fake_uow import FakeStore, FakeUnitOfWork

from inhouse.clock import FixedClock
from inhouse.errors import InvalidRequest
from inhouse.identity import services
from inhouse.identity.domain import SYSTEM, Actor, Role
from inhouse.identity.services import Conflict, NotAllowed, NotFound

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
LATER = datetime(2026, 3, 2, 10, 30, tzinfo=UTC)
PASSWORD = "correct horse battery"
NOT_ADMINS = [r.value for r in Role if r is not Role.ADMIN]


@pytest.fixture
def store() -> FakeStore:
    """Persons P1 and P2, entity ORG, and an admin user (id 1) without a password."""
    made = FakeStore(parties={"P1": "person", "P2": "person", "ORG": "entity"})
    made.users[1] = {"id": 1, "username": "root", "password_hash": None, "role": "admin",
                     "person": None, "active": True, "created_at": NOW}  # fmt: skip
    return made


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(NOW)


ADMIN = Actor(user_id=1, username="root", role=Role.ADMIN)


def add(store: FakeStore, clock: FixedClock, actor: Actor = ADMIN, **values: Any) -> dict[str, Any]:
    """``add_user`` with defaults: erika, finance, no password, no person."""
    arguments: dict[str, Any] = {"username": "erika", "password": None, "role": "finance"}
    arguments.update(values)
    return services.add_user(uow=FakeUnitOfWork(store), actor=actor, clock=clock, **arguments)


def user_actor(store: FakeStore, username: str) -> Actor:
    row = next(u for u in store.users.values() if u["username"] == username)
    return services.actor_of(row)


# --------------------------------------------------------------------- add_user


@pytest.mark.parametrize("role", [r.value for r in Role if r is not Role.EMPLOYEE])
def test_an_admin_adds_a_user_of_each_role(store: FakeStore, clock: FixedClock, role: str) -> None:
    # when the admin adds a user with that role
    shown = add(store, clock, username="  erika  ", role=role)

    # then the user is stored, trimmed, active, without a password, and shown without a hash
    assert shown == {"id": 2, "username": "erika", "role": role, "person": None,
                     "active": True, "created_at": NOW}  # fmt: skip
    assert store.users[2]["password_hash"] is None
    assert store.commits == 1


def test_an_employee_user_is_linked_to_a_person(store: FakeStore, clock: FixedClock) -> None:
    # when the admin adds an employee user for person P1
    shown = add(store, clock, username="petra", role="employee", person="P1")

    # then the user carries the person
    assert shown["person"] == "P1"
    assert user_actor(store, "petra") == Actor(user_id=2, username="petra", role=Role.EMPLOYEE,
                                              person="P1")  # fmt: skip


def test_adding_a_user_writes_an_audit_entry_with_the_after_state(
    store: FakeStore, clock: FixedClock
) -> None:
    # when the admin adds a user
    add(store, clock, username="erika", role="hr", password=PASSWORD)

    # then one audit entry says who, when, what, and the new row without its password hash
    assert store.audit_log == [
        {
            "id": 1,
            "at": NOW,
            "actor": "root",
            "action": "create",
            "resource": "users",
            "resource_id": "2",
            "before": None,
            "after": {
                "id": 2,
                "username": "erika",
                "role": "hr",
                "person": None,
                "active": True,
                "created_at": "2026-03-02T09:00:00+00:00",
            },
        }
    ]


def test_a_password_is_stored_as_an_argon2_hash(store: FakeStore, clock: FixedClock) -> None:
    # when a user is added with a password
    add(store, clock, password=PASSWORD)

    # then only an argon2 hash of it is stored
    stored = store.users[2]["password_hash"]
    assert isinstance(stored, str)
    assert stored.startswith("$argon2id$")
    assert PASSWORD not in repr(store)


def _nothing_added(store: FakeStore) -> None:
    assert list(store.users) == [1]
    assert store.audit_log == []
    assert store.commits == 0


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"role": "employee"}, "an employee user must be linked to a person"),
        ({"role": "employee", "person": "P9"}, "P9 is not a known person"),
        ({"role": "employee", "person": "ORG"}, "ORG is not a known person"),
        ({"role": "finance", "person": "P9"}, "P9 is not a known person"),
        (
            {"role": "boss"},
            '"boss" is not a role (expected one of admin, finance, hr, '
            "service_agent, sales_system, employee)",
        ),
        ({"username": "   "}, "a username is required"),
        ({"password": "too short"}, "a password needs at least 10 characters"),
    ],
)
def test_an_invalid_user_is_refused_and_nothing_is_stored(
    store: FakeStore, clock: FixedClock, values: dict[str, Any], message: str
) -> None:
    # when the admin adds a user that cannot be
    with pytest.raises(InvalidRequest) as refused:
        add(store, clock, **values)

    # then the reason is named and nothing is stored
    assert str(refused.value) == message
    _nothing_added(store)


def test_a_duplicate_username_is_a_conflict(store: FakeStore, clock: FixedClock) -> None:
    # given a user erika
    add(store, clock, username="erika")
    # when a second erika is added
    with pytest.raises(Conflict) as refused:
        add(store, clock, username="erika", role="hr")

    # then it is refused and the first one is the only one
    assert str(refused.value) == "a user named erika exists already"
    assert [u["username"] for u in store.users.values()] == ["root", "erika"]
    assert store.users[2]["role"] == "finance"
    assert len(store.audit_log) == 1


@pytest.mark.parametrize("role", NOT_ADMINS)
def test_only_admins_add_users(store: FakeStore, clock: FixedClock, role: str) -> None:
    # given an actor who is not an admin
    actor = Actor(user_id=1, username="someone", role=Role(role), person="P1")

    # when they add a user, then they are not allowed and nothing is stored
    with pytest.raises(NotAllowed) as refused:
        add(store, clock, actor=actor, role="admin")
    assert str(refused.value) == f"the role {role} may not manage users and API tokens"
    _nothing_added(store)


# --------------------------------------------------------------------- authenticate


@pytest.fixture(scope="module")
def password_hash() -> str:
    """The argon2 hash of PASSWORD, made once (hashing is slow on purpose)."""
    return services.hash_password(PASSWORD)


@pytest.fixture
def erika(store: FakeStore, clock: FixedClock, password_hash: str) -> FakeStore:
    """A hr user erika (id 2) with a password, and a finance user fred (id 3) without one."""
    add(store, clock, username="erika", role="hr")
    add(store, clock, username="fred", role="finance")
    store.users[2]["password_hash"] = password_hash
    return store


def test_the_right_password_signs_in(erika: FakeStore) -> None:
    actor = services.authenticate(uow=FakeUnitOfWork(erika), username="erika", password=PASSWORD)
    assert actor == Actor(user_id=2, username="erika", role=Role.HR, person=None)


@pytest.mark.parametrize(
    ("username", "password"),
    [
        ("erika", "wrong horse battery"),
        ("erika", ""),
        ("Erika", PASSWORD),
        ("nobody", PASSWORD),
        ("fred", PASSWORD),  # a user without a password signs in with tokens only
    ],
)
def test_a_wrong_password_or_unknown_user_does_not_sign_in(
    erika: FakeStore, username: str, password: str
) -> None:
    actor = services.authenticate(uow=FakeUnitOfWork(erika), username=username, password=password)
    assert actor is None


def test_an_inactive_user_does_not_sign_in(erika: FakeStore) -> None:
    # given erika was deactivated
    erika.users[2]["active"] = False
    # when she signs in with the right password, then she is refused
    actor = services.authenticate(uow=FakeUnitOfWork(erika), username="erika", password=PASSWORD)
    assert actor is None


def test_signing_in_changes_nothing(erika: FakeStore) -> None:
    before = erika.copy()
    services.authenticate(uow=FakeUnitOfWork(erika), username="erika", password=PASSWORD)
    services.authenticate(uow=FakeUnitOfWork(erika), username="erika", password="wrong!")
    assert erika == before


# --------------------------------------------------------------------- API tokens


def make_token(
    store: FakeStore, clock: FixedClock, actor: Actor, username: str
) -> services.NewToken:
    return services.create_token(
        uow=FakeUnitOfWork(store), actor=actor, clock=clock, username=username, name="till 4"
    )


def test_a_new_token_is_shown_once_and_only_its_hash_is_stored(
    erika: FakeStore, clock: FixedClock
) -> None:
    # when erika makes herself a token
    made = make_token(erika, clock, user_actor(erika, "erika"), "erika")

    # then the secret has the prefix and is returned, but only its SHA-256 is stored
    assert made.secret.startswith("ih_")
    assert len(made.secret) == 3 + 43  # 32 random bytes, URL-safe base64
    assert (made.id, made.name, made.username) == (1, "till 4", "erika")
    assert erika.api_tokens == {
        1: {
            "id": 1,
            "user_id": 2,
            "name": "till 4",
            "prefix": made.secret[:9],
            "secret_hash": hashlib.sha256(made.secret.encode()).digest(),
            "created_at": NOW,
            "last_used_at": None,
            "revoked_at": None,
        }
    }
    assert made.secret not in repr(erika)
    assert made.secret[9:] not in repr(erika)


def test_making_a_token_writes_an_audit_entry_without_the_hash(
    erika: FakeStore, clock: FixedClock
) -> None:
    audited = len(erika.audit_log)
    made = make_token(erika, clock, user_actor(erika, "erika"), "erika")

    assert erika.audit_log[audited:] == [
        {
            "id": audited + 1,
            "at": NOW,
            "actor": "erika",
            "action": "create",
            "resource": "api_tokens",
            "resource_id": "1",
            "before": None,
            "after": {
                "id": 1,
                "user_id": 2,
                "name": "till 4",
                "prefix": made.secret[:9],
                "created_at": "2026-03-02T09:00:00+00:00",
                "last_used_at": None,
                "revoked_at": None,
            },
        }
    ]


def test_two_tokens_differ(erika: FakeStore, clock: FixedClock) -> None:
    first = make_token(erika, clock, ADMIN, "erika")
    second = make_token(erika, clock, ADMIN, "erika")
    assert first.secret != second.secret
    assert [t["user_id"] for t in erika.api_tokens.values()] == [2, 2]


def test_an_admin_makes_a_token_for_another_user(erika: FakeStore, clock: FixedClock) -> None:
    made = make_token(erika, clock, ADMIN, "fred")
    assert erika.api_tokens[made.id]["user_id"] == 3
    assert erika.audit_log[-1]["actor"] == "root"


def test_others_make_tokens_only_for_themselves(erika: FakeStore, clock: FixedClock) -> None:
    before = erika.copy()
    with pytest.raises(NotAllowed):
        make_token(erika, clock, user_actor(erika, "erika"), "fred")
    assert erika == before


def test_a_token_for_an_unknown_user_is_not_found(erika: FakeStore, clock: FixedClock) -> None:
    before = erika.copy()
    with pytest.raises(NotFound) as refused:
        make_token(erika, clock, ADMIN, "nobody")
    assert str(refused.value) == "no user named nobody"
    assert erika == before


def test_a_token_names_its_owner(erika: FakeStore, clock: FixedClock) -> None:
    made = make_token(erika, clock, ADMIN, "erika")
    actor = services.actor_for_token(uow=FakeUnitOfWork(erika), token=made.secret)
    assert actor == Actor(user_id=2, username="erika", role=Role.HR, person=None)


def test_an_unknown_token_names_nobody(erika: FakeStore, clock: FixedClock) -> None:
    made = make_token(erika, clock, ADMIN, "erika")
    assert services.actor_for_token(uow=FakeUnitOfWork(erika), token=made.secret + "x") is None
    assert services.actor_for_token(uow=FakeUnitOfWork(erika), token="ih_") is None


def test_a_revoked_token_names_nobody(erika: FakeStore, clock: FixedClock) -> None:
    made = make_token(erika, clock, ADMIN, "erika")
    services.revoke_token(uow=FakeUnitOfWork(erika), actor=ADMIN, clock=clock, token_id=made.id)
    assert services.actor_for_token(uow=FakeUnitOfWork(erika), token=made.secret) is None


def test_the_token_of_an_inactive_user_names_nobody(erika: FakeStore, clock: FixedClock) -> None:
    made = make_token(erika, clock, ADMIN, "erika")
    erika.users[2]["active"] = False
    assert services.actor_for_token(uow=FakeUnitOfWork(erika), token=made.secret) is None


def test_the_owner_revokes_a_token_and_the_audit_log_has_before_and_after(
    erika: FakeStore, clock: FixedClock
) -> None:
    # given erika's token, made at 09:00
    owner = user_actor(erika, "erika")
    made = make_token(erika, clock, owner, "erika")
    audited = len(erika.audit_log)

    # when she revokes it at 10:30
    clock.at = LATER
    row = services.revoke_token(uow=FakeUnitOfWork(erika), actor=owner, clock=clock,
                                token_id=made.id)  # fmt: skip

    # then it is revoked at 10:30, and the audit entry shows it before and after
    assert row["revoked_at"] == LATER
    assert erika.api_tokens[made.id]["revoked_at"] == LATER
    shared = {"id": 1, "user_id": 2, "name": "till 4", "prefix": made.secret[:9],
              "created_at": "2026-03-02T09:00:00+00:00", "last_used_at": None}  # fmt: skip
    assert erika.audit_log[audited:] == [
        {
            "id": audited + 1,
            "at": LATER,
            "actor": "erika",
            "action": "revoke",
            "resource": "api_tokens",
            "resource_id": "1",
            "before": {**shared, "revoked_at": None},
            "after": {**shared, "revoked_at": "2026-03-02T10:30:00+00:00"},
        }
    ]


def test_revoking_twice_changes_nothing_the_second_time(
    erika: FakeStore, clock: FixedClock
) -> None:
    made = make_token(erika, clock, ADMIN, "erika")
    services.revoke_token(uow=FakeUnitOfWork(erika), actor=ADMIN, clock=clock, token_id=made.id)
    before = erika.copy()

    clock.at = LATER
    row = services.revoke_token(uow=FakeUnitOfWork(erika), actor=ADMIN, clock=clock,
                                token_id=made.id)  # fmt: skip

    assert row["revoked_at"] == NOW
    assert erika == before


def test_someone_elses_token_is_not_theirs_to_revoke(erika: FakeStore, clock: FixedClock) -> None:
    # given fred's token
    made = make_token(erika, clock, ADMIN, "fred")
    before = erika.copy()

    # when erika (hr, not an admin) revokes it, then it is as if there were no such token
    # (as for an unknown id) and it still works
    with pytest.raises(NotFound, match=f"^no API token {made.id}$"):
        services.revoke_token(uow=FakeUnitOfWork(erika), actor=user_actor(erika, "erika"),
                              clock=clock, token_id=made.id)  # fmt: skip
    assert erika == before
    assert services.actor_for_token(uow=FakeUnitOfWork(erika), token=made.secret) is not None


def test_an_admin_revokes_anyones_token(erika: FakeStore, clock: FixedClock) -> None:
    made = make_token(erika, clock, user_actor(erika, "fred"), "fred")
    services.revoke_token(uow=FakeUnitOfWork(erika), actor=ADMIN, clock=clock, token_id=made.id)
    assert erika.api_tokens[made.id]["revoked_at"] == NOW
    assert erika.audit_log[-1]["actor"] == "root"


def test_revoking_an_unknown_token_is_not_found(erika: FakeStore, clock: FixedClock) -> None:
    before = erika.copy()
    with pytest.raises(NotFound) as refused:
        services.revoke_token(uow=FakeUnitOfWork(erika), actor=ADMIN, clock=clock, token_id=7)
    assert str(refused.value) == "no API token 7"
    assert erika == before


# --------------------------------------------------------------------- lists and the log


def test_users_are_listed_for_admins_without_password_hashes(erika: FakeStore) -> None:
    rows = services.list_users(uow=FakeUnitOfWork(erika), actor=ADMIN)
    assert [r["username"] for r in rows] == ["root", "erika", "fred"]
    assert all("password_hash" not in r for r in rows)


@pytest.mark.parametrize("role", NOT_ADMINS)
def test_only_admins_list_users(erika: FakeStore, role: str) -> None:
    actor = Actor(user_id=2, username="erika", role=Role(role), person="P1")
    with pytest.raises(NotAllowed):
        services.list_users(uow=FakeUnitOfWork(erika), actor=actor)


def test_tokens_are_listed_all_for_admins_and_ones_own_for_others(
    erika: FakeStore, clock: FixedClock
) -> None:
    make_token(erika, clock, ADMIN, "erika")
    make_token(erika, clock, ADMIN, "fred")

    everyone = services.list_tokens(uow=FakeUnitOfWork(erika), actor=ADMIN)
    own = services.list_tokens(uow=FakeUnitOfWork(erika), actor=user_actor(erika, "fred"))

    assert [(t["id"], t["user_id"]) for t in everyone] == [(1, 2), (2, 3)]
    assert [(t["id"], t["user_id"]) for t in own] == [(2, 3)]
    assert all("secret_hash" not in t for t in everyone)


def test_the_audit_log_is_read_newest_first_with_filters(
    erika: FakeStore, clock: FixedClock
) -> None:
    # given erika and fred were added (entries 1 and 2) and fred got a token (entry 3)
    make_token(erika, clock, ADMIN, "fred")

    def read(**filters: Any) -> list[int]:
        rows = services.read_audit_log(uow=FakeUnitOfWork(erika), actor=ADMIN, **filters)
        return [r["id"] for r in rows]

    assert read(limit=10) == [3, 2, 1]
    assert read(limit=2) == [3, 2]
    assert read(limit=2, before=2) == [1]
    assert read(limit=10, resource="users") == [2, 1]
    assert read(limit=10, resource="users", resource_id="3") == [2]
    assert read(limit=10, action="create", who="root") == [3, 2, 1]
    assert read(limit=10, who="erika") == []


@pytest.mark.parametrize("role", [r.value for r in Role if r is not Role.ADMIN])
def test_only_admins_read_the_audit_log(erika: FakeStore, role: str) -> None:
    actor = Actor(user_id=2, username="erika", role=Role(role), person="P1")
    with pytest.raises(NotAllowed) as refused:
        services.read_audit_log(uow=FakeUnitOfWork(erika), actor=actor, limit=10)
    assert str(refused.value) == f"the role {role} may not read the audit log"


def test_record_writes_inside_the_callers_unit_of_work(store: FakeStore, clock: FixedClock) -> None:
    # given a unit of work that records an entry but is not committed
    uow = FakeUnitOfWork(store)
    with uow:
        services.record(uow=uow, actor=SYSTEM, clock=clock, action="create", resource="entities",
                        resource_id="ABC", after={"id": "ABC", "since": NOW.date()})  # fmt: skip

    # then nothing is in the log
    assert store.audit_log == []

    # and when it is committed, the entry is there with dates as ISO text
    with uow:
        services.record(uow=uow, actor=SYSTEM, clock=clock, action="create", resource="entities",
                        resource_id="ABC", after={"id": "ABC", "since": NOW.date()})  # fmt: skip
        uow.commit()
    assert store.audit_log == [
        {"id": 1, "at": NOW, "actor": "system", "action": "create", "resource": "entities",
         "resource_id": "ABC", "before": None, "after": {"id": "ABC", "since": "2026-03-02"}}
    ]  # fmt: skip
