"""Users, API tokens and the audit log."""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Request, Response
from starlette.datastructures import FormData

from inhouse.db.uow import UnitOfWork
from inhouse.errors import InhouseError, InvalidRequest
from inhouse.identity import services as identity
from inhouse.identity.domain import Actor, Permission, Role
from inhouse.web.pages.core import N_, ROLE_NAMES, checked_form, needs, redirect, render
from inhouse.web.pages.lists import Column, list_page

router = APIRouter()
P = Permission
UserManager = Annotated[Actor, Depends(needs(P.MANAGE_USERS))]
AuditReader = Annotated[Actor, Depends(needs(P.READ_AUDIT_LOG))]
SignedIn = Annotated[Actor, Depends(needs())]
Form = Annotated[FormData, Depends(checked_form)]

USER_COLUMNS = [
    Column("id", N_("Id")),
    Column("username", N_("Username")),
    Column("role", N_("Role"), values=ROLE_NAMES),
    Column("person", N_("Person")),
    Column("active", N_("Active")),
    Column("created_at", N_("Created")),
]
TOKEN_COLUMNS = [
    Column("id", N_("Id")),
    Column("user_id", N_("User id")),
    Column("name", N_("Name")),
    Column("prefix", N_("Starts with")),
    Column("created_at", N_("Created")),
    Column("revoked_at", N_("Revoked")),
]


def _users(request: Request, actor: Actor, context: dict[str, Any], status: int = 200) -> Response:
    response = list_page(request, actor, name="users", title=N_("Users"), columns=USER_COLUMNS,
                         context={"roles": [r.value for r in Role], **context},
                         template="users.html")  # fmt: skip
    response.status_code = status
    return response


@router.get("/users")
def users(request: Request, actor: UserManager) -> Response:
    return _users(request, actor, {})


@router.post("/users")
def add_user(request: Request, actor: UserManager, form: Form) -> Response:
    values = {k: str(form.get(k) or "").strip() for k in ("username", "password", "role", "person")}
    try:
        identity.add_user(uow=UnitOfWork(request.app.state.engine), actor=actor,
                          clock=request.app.state.clock, username=values["username"],
                          password=values["password"] or None, role=values["role"],
                          person=values["person"] or None)  # fmt: skip
    except InhouseError as error:
        values.pop("password")
        return _users(request, actor, {"error": str(error), "form": values}, status=422)
    return redirect("/users")


def _tokens(request: Request, actor: Actor, context: dict[str, Any], status: int = 200) -> Response:
    response = list_page(request, actor, name="tokens", title=N_("API tokens"),
                         columns=TOKEN_COLUMNS, context=context, template="tokens.html")  # fmt: skip
    response.status_code = status
    return response


@router.get("/tokens")
def tokens(request: Request, actor: SignedIn) -> Response:
    return _tokens(request, actor, {})


@router.post("/tokens")
def create_token(request: Request, actor: SignedIn, form: Form) -> Response:
    name = str(form.get("name") or "").strip()
    username = str(form.get("username") or "").strip() or actor.username
    try:
        if not name:
            raise InvalidRequest("a token needs a name")
        made = identity.create_token(uow=UnitOfWork(request.app.state.engine), actor=actor,
                                     clock=request.app.state.clock, username=username, name=name)  # fmt: skip
    except identity.NotAllowed as error:
        return _tokens(request, actor, {"error": str(error)}, status=403)
    except InhouseError as error:
        return _tokens(request, actor, {"error": str(error)}, status=422)
    return _tokens(request, actor, {"made": made}, status=201)


@router.post("/tokens/{token_id}/revoke")
def revoke_token(request: Request, token_id: int, actor: SignedIn, _form: Form) -> Response:
    try:
        identity.revoke_token(uow=UnitOfWork(request.app.state.engine), actor=actor,
                              clock=request.app.state.clock, token_id=token_id)  # fmt: skip
    except identity.NotAllowed as error:
        return _tokens(request, actor, {"error": str(error)}, status=403)
    except InhouseError as error:
        return _tokens(request, actor, {"error": str(error)}, status=404)
    return redirect("/tokens")


def _entry_link(row: dict[str, Any]) -> str:
    return f"/audit/{row['id']}"


@router.get("/audit")
def audit(request: Request, actor: AuditReader) -> Response:
    columns = [
        Column("id", N_("Id"), _entry_link),
        Column("at", N_("When")),
        Column("actor", N_("Who")),
        Column("action", N_("Action")),
        Column("resource", N_("Resource")),
        Column("resource_id", N_("Record")),
    ]
    return list_page(request, actor, name="audit", title=N_("Audit log"), columns=columns)


@router.get("/audit/{entry_id}")
def audit_entry(request: Request, entry_id: int, actor: AuditReader) -> Response:
    """One entry of the audit log: who, when, what, and the record before and after."""
    rows = identity.read_audit_log(uow=UnitOfWork(request.app.state.engine), actor=actor,
                                   limit=1, before=entry_id + 1)  # fmt: skip
    if not rows or rows[0]["id"] != entry_id:
        raise HTTPException(404, f"no audit log entry {entry_id}")
    entry = rows[0]
    shown = {
        side: json.dumps(entry[side], indent=2, ensure_ascii=False, sort_keys=True)
        if entry[side] is not None
        else None
        for side in ("before", "after")
    }
    return render(request, "audit_entry.html", {"entry": entry, "shown": shown}, actor=actor)
