"""Who is signed in to the console, and the CSRF token of its forms.

The console keeps the operator's API key in an HttpOnly, SameSite=Strict cookie and checks it
on every request exactly as the API checks the `X-API-Key` header (`api.deps.get_principal`),
so a revoked key stops working at once. Every form carries a CSRF token: an HMAC of the key
cookie under a random per-browser secret kept in a second cookie (a signed double-submit
cookie), compared in constant time.
"""

import hashlib
import hmac
import re
import secrets
from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, Request, Response
from sqlalchemy.orm import Session
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.formparsers import MultiPartException

from api.deps import ReadSessionDep, authenticate
from api.enums import Scope
from api.errors import ApiError
from api.security import Principal
from api.services.territories import list_territories

KEY_COOKIE = "emile_console_key"
CSRF_COOKIE = "emile_console_csrf"
CSRF_FIELD = "csrf_token"
# A working day; the key is checked again on every request anyway.
KEY_COOKIE_MAX_AGE = 10 * 3600
# What a key made by `emile-api create-key` looks like; anything else is refused unread.
_KEY_SHAPE = re.compile(r"emk_[0-9A-Za-z]{1,16}_[0-9A-Za-z_-]{1,128}")
_CSRF_SECRET_SHAPE = re.compile(r"[0-9A-Za-z_-]{43}")
# Forms of the console have a handful of short fields.
_MAX_FORM_FIELDS = 20
_MAX_FIELD_BYTES = 64 * 1024


class SignInRequired(Exception):
    """No valid key in the cookie: the browser goes to the sign-in page."""

    def __init__(self, clear_cookie: bool) -> None:
        super().__init__("sign in required")
        self.clear_cookie = clear_cookie


class ConsoleError(Exception):
    """A request the console answers with an error page (`kind` names its text)."""

    def __init__(self, status_code: int, kind: str) -> None:
        super().__init__(kind)
        self.status_code = status_code
        self.kind = kind


def clean_key(raw: str | None) -> str | None:
    """The key without the spaces a copy and paste adds, if it has the shape of a key."""
    if raw is None:
        return None
    key = raw.strip()
    return key if _KEY_SHAPE.fullmatch(key) else None


def principal_for_key(session: Session, raw: str | None) -> Principal | None:
    """The principal of this key as the API would see it, or None when it is not valid."""
    key = clean_key(raw)
    if key is None:
        return None
    try:
        return authenticate(session, key)
    except ApiError:
        return None


def console_path(request: Request, path: str = "") -> str:
    """The absolute path of a console page (`path` starts with "/" or is empty)."""
    return f"{request.scope.get('root_path', '')}/console{path}"


def is_https(request: Request) -> bool:
    """Whether the browser talks to us over HTTPS (cookies are then `Secure`)."""
    return request.url.scheme == "https"


def _set_cookie(
    request: Request, response: Response, name: str, value: str, max_age: int | None = None
) -> None:
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        path=console_path(request),
        httponly=True,
        samesite="strict",
        secure=is_https(request),
    )


def keep_key(request: Request, response: Response, key: str) -> None:
    """Sign the browser in: keep the key, and start a new CSRF secret."""
    _set_cookie(request, response, KEY_COOKIE, key, max_age=KEY_COOKIE_MAX_AGE)
    new_csrf_secret(request, response)


def forget_key(request: Request, response: Response) -> None:
    """Sign the browser out: drop the key, and start a new CSRF secret."""
    response.delete_cookie(
        KEY_COOKIE,
        path=console_path(request),
        httponly=True,
        samesite="strict",
        secure=is_https(request),
    )
    new_csrf_secret(request, response)


def new_csrf_secret(request: Request, response: Response) -> None:
    """Give the browser a new random CSRF secret (the forms of this response use it)."""
    secret = secrets.token_urlsafe(32)
    request.state.console_csrf_secret = secret
    _set_cookie(request, response, CSRF_COOKIE, secret)


def _csrf_secret(request: Request) -> str | None:
    given = request.cookies.get(CSRF_COOKIE)
    return given if given and _CSRF_SECRET_SHAPE.fullmatch(given) else None


def csrf_token(request: Request, key: str | None = None) -> str:
    """The token this browser's forms carry; sets up a CSRF secret when it has none yet.

    `key` is the key the token is bound to when it is not (or not yet) in the request's cookie.
    """
    secret = getattr(request.state, "console_csrf_secret", None) or _csrf_secret(request)
    if secret is None:
        secret = secrets.token_urlsafe(32)
        request.state.console_csrf_secret = secret
        request.state.console_csrf_is_new = True
    bound_to = key if key is not None else (request.cookies.get(KEY_COOKIE) or "")
    return _token(secret, bound_to)


def _token(secret: str, bound_to: str) -> str:
    message = f"emile-console-csrf|{bound_to}".encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def send_new_csrf_secret(request: Request, response: Response) -> None:
    """Set the CSRF cookie when this response's forms use a secret the browser lacks."""
    if getattr(request.state, "console_csrf_is_new", False):
        _set_cookie(request, response, CSRF_COOKIE, request.state.console_csrf_secret)


def check_csrf(request: Request, fields: dict[str, str]) -> None:
    """403 unless the form's token matches this browser's secret and signed-in key."""
    secret = _csrf_secret(request)
    given = fields.get(CSRF_FIELD, "")
    if secret is None or not given:
        raise ConsoleError(403, "csrf")
    expected = _token(secret, request.cookies.get(KEY_COOKIE) or "")
    if not hmac.compare_digest(given.encode(), expected.encode()):
        raise ConsoleError(403, "csrf")


async def form_fields(request: Request) -> dict[str, str]:
    """The posted form's text fields (the first value of each); a broken body is a 400 page."""
    try:
        form = await request.form(
            max_files=0, max_fields=_MAX_FORM_FIELDS, max_part_size=_MAX_FIELD_BYTES
        )
    except (StarletteHTTPException, MultiPartException, ValueError) as exc:
        raise ConsoleError(400, "bad_form") from exc
    fields: dict[str, str] = {}
    for name, value in form.multi_items():
        if isinstance(value, str):
            fields.setdefault(name, value)
    return fields


FormFields = Annotated[dict[str, str], Depends(form_fields)]


def signed_in(*scopes: Scope) -> Callable[..., Principal]:
    """A dependency: the signed-in principal, which must hold `applications:read` and `scopes`.

    No valid key: the sign-in page. A missing scope: the console's 403 page.
    """

    def dependency(request: Request, session: ReadSessionDep) -> Principal:
        raw = request.cookies.get(KEY_COOKIE)
        principal = principal_for_key(session, raw)
        if principal is None:
            raise SignInRequired(clear_cookie=raw is not None)
        request.state.console_principal = principal
        # Names for the pages (the header shows the key's territories); committed now so that
        # no transaction is held while the handler waits for its threadpool slot.
        request.state.console_territory_names = {t.code: t.name for t in list_territories(session)}
        session.commit()
        for scope in (Scope.applications_read, *scopes):
            if scope not in principal.scopes:
                raise ConsoleError(403, f"scope:{scope.value}")
        return principal

    return dependency
