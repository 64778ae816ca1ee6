"""What every page needs: the signed-in user, CSRF tokens, the language, and rendering.

Sessions are stateless: the session cookie holds a signed, expiring token of the user
(the same token the API issues at ``/auth/token``), so no table is needed. CSRF uses a
random per-browser nonce in its own cookie; every form carries ``HMAC(secret, nonce)``
and a POST without the matching token is refused. Both cookies are ``HttpOnly`` and
``SameSite=Lax`` (and ``Secure`` over HTTPS).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from fastapi import HTTPException, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse
from jinja2 import Environment, FileSystemLoader, pass_context, select_autoescape
from markupsafe import Markup
from starlette.datastructures import FormData
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from inhouse.clock import today
from inhouse.dates import parse_date
from inhouse.identity.domain import Actor, Permission
from inhouse.web import evidence, reasons
from inhouse.web.auth import read_access_token
from inhouse.web.i18n import LANGUAGE_NAMES, LANGUAGES, Formats, choose_language, translations

TEMPLATES_DIR = Path(__file__).resolve().parent.parent / "templates"
STATIC_DIR = Path(__file__).resolve().parent.parent / "static"
SESSION_COOKIE = "inhouse_session"
CSRF_COOKIE = "inhouse_csrf"
LANG_COOKIE = "inhouse_lang"
CSRF_FIELD = "csrf_token"
_API_PATHS = ("/api/", "/docs")

environment = Environment(
    loader=FileSystemLoader(TEMPLATES_DIR),
    autoescape=select_autoescape(default=True, default_for_string=True),
    trim_blocks=True,
    lstrip_blocks=True,
)


def _in_page_language(translate: Callable[[str, str], str]) -> Callable[..., Any]:
    """A filter that gives a sentence the code wrote in English in the page's language;
    anything but a string is left as it is."""

    @pass_context
    def filter_(context: Any, sentence: Any) -> Any:
        if not isinstance(sentence, str):
            return sentence
        return translate(sentence, str(context.get("lang", "en")))

    return filter_


# {{ line | evidence }}: a domain's evidence sentence (see inhouse.web.evidence);
# {{ p.reason | reason }}: an import's, a form field's or a service's reason (inhouse.web.reasons)
environment.filters["evidence"] = _in_page_language(evidence.translate)
environment.filters["reason"] = _in_page_language(reasons.translate)


def N_(message: str) -> str:  # noqa: N802 - the usual name of the marker
    """Mark a message for translation where it is defined; ``_`` translates it when shown."""
    return message


ROLE_NAMES = {
    "admin": N_("administrator"),
    "finance": N_("finance"),
    "hr": N_("HR"),
    "service_agent": N_("service agent"),
    "sales_system": N_("sales system"),
    "employee": N_("employee"),
}


def is_page(path: str) -> bool:
    """Whether a path belongs to the web pages (not to the API or its docs)."""
    return not path.startswith(_API_PATHS)


# --------------------------------------------------------------------------- cookies


def _cookie(scope: Scope, name: str) -> str | None:
    for key, value in scope.get("headers", ()):
        if key == b"cookie":
            for part in value.decode("latin-1").split(";"):
                k, _, v = part.strip().partition("=")
                if k == name:
                    return str(v)
    return None


def set_cookie(
    request: Request, response: Response, name: str, value: str, max_age: int | None
) -> None:
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
        path="/",
    )


CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self' data:; object-src 'none'; base-uri 'none'; "
    "frame-ancestors 'none'; form-action 'self'"
)


class PageSecurity:
    """Security headers on every response; a CSRF nonce cookie for every browser.

    The API's interactive docs load Swagger UI with inline scripts, so they get no CSP;
    everything else gets a CSP without inline scripts.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope.get("path", "")
        page = is_page(path)
        nonce = _cookie(scope, CSRF_COOKIE)
        fresh = None
        if page and not (nonce and len(nonce) == 43):
            fresh = nonce = secrets.token_urlsafe(32)
        scope.setdefault("state", {})["csrf_nonce"] = nonce
        https = scope.get("scheme") == "https"

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                headers += [
                    (b"x-content-type-options", b"nosniff"),
                    (b"referrer-policy", b"same-origin"),
                    (b"x-frame-options", b"DENY"),
                ]
                if not path.startswith("/docs"):
                    headers.append((b"content-security-policy", CSP.encode()))
                if fresh is not None:
                    cookie = f"{CSRF_COOKIE}={fresh}; Path=/; HttpOnly; SameSite=Lax"
                    headers.append(
                        (b"set-cookie", (cookie + ("; Secure" if https else "")).encode())
                    )
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)


# --------------------------------------------------------------------------- session


class SignInRequired(Exception):
    """No valid session: the page handler sends the browser to the sign-in form."""


def page_actor(request: Request) -> Actor | None:
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        return None
    state = request.app.state
    return read_access_token(token, state.secret_key, state.clock.now())


async def signed_in(request: Request) -> Actor:
    actor = page_actor(request)
    if actor is None:
        raise SignInRequired
    return actor


def needs(*permissions: Permission) -> Callable[[Request], Awaitable[Actor]]:
    """A page dependency: the signed-in user, if their role grants any of ``permissions``."""

    async def check(request: Request) -> Actor:
        actor = await signed_in(request)
        if permissions and not any(actor.may(p) for p in permissions):
            raise HTTPException(403, f"the role {actor.role.value} may not {permissions[0].value}")
        return actor

    return check


# --------------------------------------------------------------------------- CSRF


def csrf_token(request: Request) -> str:
    nonce = getattr(request.state, "csrf_nonce", None) or ""
    secret = request.app.state.secret_key
    return hmac.new(secret.encode(), f"csrf|{nonce}".encode(), hashlib.sha256).hexdigest()


async def checked_form(request: Request) -> FormData:
    """The posted form, if it carries this browser's CSRF token; 403 otherwise."""
    form = await request.form()
    given = form.get(CSRF_FIELD)
    nonce_cookie = request.cookies.get(CSRF_COOKIE)
    if (
        not isinstance(given, str)
        or not nonce_cookie
        or not hmac.compare_digest(given, csrf_token(request))
    ):
        raise HTTPException(403, "the form has expired or did not come from this site; "
                            "reload the page and try again")  # fmt: skip
    return form


# --------------------------------------------------------------------------- language


@dataclass(frozen=True, slots=True)
class Language:
    code: str
    formats: Formats

    def gettext(self, message: str, **values: Any) -> str:
        text = translations(self.code).gettext(message)
        return text % values if values else text

    def ngettext(self, singular: str, plural: str, count: int, **values: Any) -> str:
        text = translations(self.code).ngettext(singular, plural, count)
        return text % {"count": count, **values}


def language_of(request: Request) -> Language:
    code = choose_language(request.cookies.get(LANG_COOKIE), request.headers.get("accept-language"))
    return Language(code, Formats(code))


# --------------------------------------------------------------------------- rendering


def safe_next(target: str | None, default: str = "/") -> str:
    """A local path to go to after a form (never another site)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return default
    return target


def day_param(request: Request, value: str | None) -> tuple[date, str | None]:
    """A day from a query parameter (today by default) and the problem with it, if any."""
    fallback = today(request.app.state.clock)
    if not value:
        return fallback, None
    try:
        return parse_date(value.strip()), None
    except ValueError as error:
        return fallback, str(error)


def render(
    request: Request,
    template: str,
    context: Mapping[str, Any] | None = None,
    *,
    actor: Actor | None = None,
    status: int = 200,
) -> HTMLResponse:
    from inhouse.web.pages.menu import entries_for

    language = language_of(request)
    token = csrf_token(request)
    field = Markup(f'<input type="hidden" name="{CSRF_FIELD}" value="{token}">')
    values: dict[str, Any] = {
        "request": request,
        "actor": actor,
        "lang": language.code,
        "languages": [(code, LANGUAGE_NAMES[code]) for code in LANGUAGES],
        "fmt": language.formats,
        "_": language.gettext,
        "ngettext": language.ngettext,
        "csrf": lambda: field,
        "menu": entries_for(actor) if actor else [],
        "role_names": ROLE_NAMES,
        "manage_users": Permission.MANAGE_USERS,
        "path": request.url.path,
        "here": request.url.path + (f"?{request.url.query}" if request.url.query else ""),
    }
    values.update(context or {})
    html = environment.get_template(template).render(values)
    return HTMLResponse(html, status_code=status, headers={"Cache-Control": "no-store"})


def redirect(target: str) -> RedirectResponse:
    return RedirectResponse(target, status_code=303)
