"""Wire shapes of the identity context."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from inhouse.wire import PlainJson


class AccessToken(BaseModel):
    access_token: str
    token_type: str = "bearer"
    expires_in: int = Field(description="Seconds until the token expires")


class Me(BaseModel):
    username: str
    role: str
    person: str | None


class UserCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    username: str = Field(min_length=1, max_length=150)
    password: str | None = Field(default=None, min_length=10, max_length=200)
    role: str = Field(description="admin, finance, hr, service_agent, sales_system or employee")
    person: str | None = Field(default=None, description="Required for the employee role")


class UserRead(BaseModel):
    id: int
    username: str
    role: str
    person: str | None
    active: bool
    created_at: datetime


class TokenCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=150, description="What the token is for")
    username: str | None = Field(
        default=None, description="Whose token (admins only); default: your own"
    )


class TokenCreated(BaseModel):
    id: int
    name: str
    username: str
    token: str = Field(description="Shown once: store it now, only its hash is kept")


class TokenRead(BaseModel):
    id: int
    user_id: int
    name: str
    prefix: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


class AuditEntry(BaseModel):
    id: int
    at: datetime
    actor: str
    action: str
    resource: str
    resource_id: str
    before: PlainJson
    after: PlainJson


class AuditPage(BaseModel):
    items: list[AuditEntry]
    next_cursor: str | None = Field(description="Pass as cursor for the next (older) page")
