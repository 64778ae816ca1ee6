"""Signing in and out, and choosing the language."""

from __future__ import annotations

import threading
from collections import deque
from datetime import datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
from fastapi.concurrency import run_in_threadpool
from starlette.datastructures import FormData

from inhouse.db.uow import UnitOfWork
from inhouse.identity import services as identity
from inhouse.identity.domain import Actor
from inhouse.insights import services as insights
from inhouse.web.auth import ACCESS_TOKEN_HOURS, issue_access_token
from inhouse.web.i18n import LANGUAGES
from inhouse.web.pages.core import (
    LANG_COOKIE,
    SESSION_COOKIE,
    checked_form,
    page_actor,
    redirect,
    render,
    safe_next,
    set_cookie,
)

router = APIRouter()
Form = Annotated[FormData, Depends(checked_form)]


class SignInLimiter:
    """At most ``attempts`` failed sign-ins per ``window`` for one address or one username.

    Kept in memory per process: enough to slow down guessing against one server.
    """

    def __init__(self, attempts: int = 5, window: timedelta = timedelta(minutes=15)) -> None:
        self.attempts = attempts
        self.window = window
        self._failures: dict[str, deque[datetime]] = {}
        self._lock = threading.Lock()

    def _recent(self, key: str, now: datetime) -> deque[datetime]:
        times = self._failures.setdefault(key, deque())
        while times and times[0] <= now - self.window:
            times.popleft()
        return times

    def wait(self, keys: list[str], now: datetime) -> timedelta | None:
        """How long these keys must wait before the next try, or None."""
        with self._lock:
            waits = [
                times[0] + self.window - now
                for key in keys
                if len(times := self._recent(key, now)) >= self.attempts
            ]
        return max(waits) if waits else None

    def failed(self, keys: list[str], now: datetime) -> None:
        with self._lock:
            for key in keys:
                self._recent(key, now).append(now)

    def succeeded(self, username_key: str) -> None:
        with self._lock:
            self._failures.pop(username_key, None)


def home_of(actor: Actor) -> str:
    return "/" if insights.has_dashboard(actor) else "/me"


@router.get("/login")
def login_form(request: Request, next: str | None = None) -> Response:
    actor = page_actor(request)
    if actor is not None:
        return redirect(safe_next(next, home_of(actor)))
    return render(request, "login.html", {"next": safe_next(next, "")})


@router.post("/login")
async def login(request: Request, form: Form) -> Response:
    state = request.app.state
    username = str(form.get("username") or "").strip()
    password = str(form.get("password") or "")
    target = str(form.get("next") or "")
    client = request.client.host if request.client else "unknown"
    keys = [f"address:{client}", f"user:{username.lower()}"]
    limiter: SignInLimiter = state.sign_in_limiter
    now = state.clock.now()
    wait = limiter.wait(keys, now)
    if wait is not None:
        minutes = max(1, -(-int(wait.total_seconds()) // 60))
        return render(request, "login.html", {"next": target, "username": username,
                      "error": "too_many", "minutes": minutes}, status=429)  # fmt: skip
    actor = await run_in_threadpool(
        identity.authenticate, uow=UnitOfWork(state.engine), username=username, password=password
    )
    if actor is None:
        limiter.failed(keys, now)
        return render(request, "login.html", {"next": target, "username": username,
                      "error": "wrong"}, status=401)  # fmt: skip
    limiter.succeeded(keys[1])
    response = redirect(safe_next(target, home_of(actor)))
    token = issue_access_token(actor, state.secret_key, now)
    set_cookie(request, response, SESSION_COOKIE, token, ACCESS_TOKEN_HOURS * 3600)
    return response


@router.post("/logout")
async def logout(request: Request, _form: Form) -> Response:
    response = redirect("/login")
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="lax")
    return response


@router.post("/language")
async def choose_language(request: Request, form: Form) -> Response:
    language = str(form.get("language") or "")
    response = redirect(safe_next(str(form.get("next") or ""), "/"))
    if language in LANGUAGES:
        set_cookie(request, response, LANG_COOKIE, language, 365 * 24 * 3600)
    return response
