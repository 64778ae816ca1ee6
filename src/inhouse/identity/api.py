"""HTTP routes of the identity context: sign-in, users, API tokens, the audit log."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request
from fastapi.responses import JSONResponse
from fastapi.security import OAuth2PasswordRequestForm

from inhouse.db.uow import UnitOfWork
from inhouse.identity import services
from inhouse.identity.domain import Actor, Permission
from inhouse.identity.schemas import (
    AccessToken,
    AuditEntry,
    AuditPage,
    Me,
    TokenCreate,
    TokenCreated,
    TokenRead,
    UserCreate,
    UserRead,
)
from inhouse.schema_types import Instant
from inhouse.web.auth import (
    ACCESS_TOKEN_HOURS,
    CurrentActor,
    issue_access_token,
    requires,
)
from inhouse.web.problems import PROBLEM_RESPONSES
from inhouse.web.requests import IdempotencyKey, once

router = APIRouter(responses=PROBLEM_RESPONSES)


@router.post("/auth/token", response_model=AccessToken, tags=["identity"])
def sign_in(request: Request, form: Annotated[OAuth2PasswordRequestForm, Depends()]) -> AccessToken:
    """Sign in with username and password; returns a bearer access token."""
    state = request.app.state
    actor = services.authenticate(
        uow=UnitOfWork(state.engine), username=form.username, password=form.password
    )
    if actor is None:
        raise HTTPException(401, "wrong username or password", {"WWW-Authenticate": "Bearer"})
    token = issue_access_token(actor, state.secret_key, state.clock.now())
    return AccessToken(access_token=token, expires_in=ACCESS_TOKEN_HOURS * 3600)


@router.get("/me", response_model=Me, tags=["identity"])
def me(actor: CurrentActor) -> Me:
    """Who the current token belongs to."""
    return Me(username=actor.username, role=actor.role.value, person=actor.person)


@router.get("/users", response_model=list[UserRead], tags=["identity"])
def list_users(
    request: Request, actor: Annotated[Actor, Depends(requires(Permission.MANAGE_USERS))]
) -> list[UserRead]:
    rows = services.list_users(uow=UnitOfWork(request.app.state.engine), actor=actor)
    return [UserRead.model_validate(r) for r in rows]


@router.post("/users", status_code=201, response_model=UserRead, tags=["identity"])
def create_user(
    request: Request,
    body: UserCreate,
    actor: Annotated[Actor, Depends(requires(Permission.MANAGE_USERS))],
    key: IdempotencyKey = None,
) -> JSONResponse:
    state = request.app.state

    def run() -> UserRead:
        row = services.add_user(
            uow=UnitOfWork(state.engine),
            actor=actor,
            clock=state.clock,
            username=body.username,
            password=body.password,
            role=body.role,
            person=body.person,
        )
        return UserRead.model_validate(row)

    return once(request, actor, key, "/users", body, run)


@router.post("/tokens", status_code=201, response_model=TokenCreated, tags=["identity"])
def create_token(
    request: Request, body: TokenCreate, actor: CurrentActor, key: IdempotencyKey = None
) -> JSONResponse:
    """A new API token; the secret is in this response only."""
    state = request.app.state

    def run() -> TokenCreated:
        made = services.create_token(
            uow=UnitOfWork(state.engine),
            actor=actor,
            clock=state.clock,
            username=body.username or actor.username,
            name=body.name,
        )
        return TokenCreated(id=made.id, name=made.name, username=made.username,
                            token=made.secret)  # fmt: skip

    return once(request, actor, key, "/tokens", body, run)


@router.get("/tokens", response_model=list[TokenRead], tags=["identity"])
def list_tokens(request: Request, actor: CurrentActor) -> list[TokenRead]:
    rows = services.list_tokens(uow=UnitOfWork(request.app.state.engine), actor=actor)
    return [TokenRead.model_validate(r) for r in rows]


@router.post("/tokens/{token_id}/revoke", response_model=TokenRead, tags=["identity"])
def revoke_token(
    request: Request, token_id: Annotated[int, Path(ge=1, le=2**31 - 1)], actor: CurrentActor
) -> TokenRead:
    """Revoke a token for good (revoking twice changes nothing)."""
    state = request.app.state
    row = services.revoke_token(
        uow=UnitOfWork(state.engine), actor=actor, clock=state.clock, token_id=token_id
    )
    return TokenRead.model_validate({k: v for k, v in row.items() if k != "secret_hash"})


@router.get("/audit-log", response_model=AuditPage, tags=["identity"])
def audit_log(
    request: Request,
    actor: Annotated[Actor, Depends(requires(Permission.READ_AUDIT_LOG))],
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    cursor: Annotated[str | None, Query(description="next_cursor of the previous page")] = None,
    who: Annotated[str | None, Query(alias="actor", description="Username")] = None,
    resource: str | None = None,
    resource_id: str | None = None,
    action: str | None = None,
    since: Instant | None = None,
    until: Instant | None = None,
) -> AuditPage:
    """The append-only audit log, newest first, filtered."""
    before = None
    if cursor is not None:
        if not cursor.isdigit():
            raise HTTPException(400, f'"{cursor}" is not a cursor of this list')
        before = int(cursor)
    rows = services.read_audit_log(
        uow=UnitOfWork(request.app.state.engine), actor=actor, limit=limit, before=before,
        who=who, resource=resource, resource_id=resource_id, action=action, since=since,
        until=until,
    )  # fmt: skip
    items = [AuditEntry.model_validate(r) for r in rows]
    next_cursor = str(items[-1].id) if len(items) == limit else None
    return AuditPage(items=items, next_cursor=next_cursor)
