"""Who is signed in to the console, and the CSRF token of its forms.

People sign in with their personal account (`api.services.accounts`): the browser keeps a
random session id in an HttpOnly, SameSite=Strict cookie (Secure over HTTPS) and never a
credential; the server stores only its hash with an expiry and checks it on every request, so
signing out or disabling the account ends it at once. Every form carries a CSRF token: an HMAC
of the session cookie under a random per-browser secret kept in a second cookie (a signed
double-submit cookie), compared in constant time.
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

from api.deps import ReadSessionDep
from api.enums import Scope
from api.models import Account
from api.security import Principal
from api.services.accounts import account_for_session, principal_of
from api.services.territories import list_territories

SESSION_COOKIE = "emile_console_session"
CSRF_COOKIE = "emile_console_csrf"
CSRF_FIELD = "csrf_token"
# What `secrets.token_urlsafe(32)` gives; anything else is refused unread.
_SESSION_SHAPE = re.compile(r"[0-9A-Za-z_-]{43}")
_NEXT_PATH = re.compile(r"[A-Za-z0-9/_.,;:=&%?+-]{1,1000}")
_CSRF_SECRET_SHAPE = re.compile(r"[0-9A-Za-z_-]{43}")
# Forms of the console have a handful of short fields.
_MAX_FORM_FIELDS = 20
_MAX_FIELD_BYTES = 64 * 1024


class SignInRequired(Exception):
    """No valid session in the cookie: the browser goes to the sign-in page."""

    def __init__(self, clear_cookie: bool) -> None:
        super().__init__("sign in required")
        self.clear_cookie = clear_cookie


class ConsoleError(Exception):
    """A request the console answers with an error page (`kind` names its text)."""

    def __init__(self, status_code: int, kind: str) -> None:
        super().__init__(kind)
        self.status_code = status_code
        self.kind = kind


def session_token(request: Request) -> str | None:
    """The session id the browser sent, if it has the shape of one."""
    raw = request.cookies.get(SESSION_COOKIE)
    return raw if raw and _SESSION_SHAPE.fullmatch(raw) else None


def signed_in_account(session: Session, request: Request) -> Account | None:
    """The account of this browser's live session, or None."""
    return account_for_session(session, session_token(request))


def console_path(request: Request, path: str = "") -> str:
    """The absolute path of a console page (`path` starts with "/" or is empty)."""
    return f"{request.scope.get('root_path', '')}/console{path}"


def safe_next(request: Request, raw: str | None) -> str | None:
    """A console path to go back to after signing in; anything else (another site) is None."""
    if not raw or not _NEXT_PATH.fullmatch(raw) or "//" in raw:
        return None
    return raw if raw.startswith(console_path(request, "/")) else None


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


def keep_session(request: Request, response: Response, token: str, max_age: int) -> None:
    """Sign the browser in: keep the session id, and start a new CSRF secret."""
    _set_cookie(request, response, SESSION_COOKIE, token, max_age=max_age)
    new_csrf_secret(request, response)


def forget_session(request: Request, response: Response) -> None:
    """Sign the browser out: drop the session id, and start a new CSRF secret."""
    response.delete_cookie(
        SESSION_COOKIE,
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

    `key` is the session id the token is bound to when it is not (yet) in the request's cookie.
    """
    secret = getattr(request.state, "console_csrf_secret", None) or _csrf_secret(request)
    if secret is None:
        secret = secrets.token_urlsafe(32)
        request.state.console_csrf_secret = secret
        request.state.console_csrf_is_new = True
    bound_to = key if key is not None else (request.cookies.get(SESSION_COOKIE) or "")
    return _token(secret, bound_to)


def _token(secret: str, bound_to: str) -> str:
    message = f"emile-console-csrf|{bound_to}".encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def send_new_csrf_secret(request: Request, response: Response) -> None:
    """Set the CSRF cookie when this response's forms use a secret the browser lacks."""
    if getattr(request.state, "console_csrf_is_new", False):
        _set_cookie(request, response, CSRF_COOKIE, request.state.console_csrf_secret)


def check_csrf(request: Request, fields: dict[str, str]) -> None:
    """403 unless the form's token matches this browser's secret and session."""
    secret = _csrf_secret(request)
    given = fields.get(CSRF_FIELD, "")
    if secret is None or not given:
        raise ConsoleError(403, "csrf")
    expected = _token(secret, request.cookies.get(SESSION_COOKIE) or "")
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

    No live session: the sign-in page. A missing scope: the console's 403 page.
    """

    def dependency(request: Request, session: ReadSessionDep) -> Principal:
        account = signed_in_account(session, request)
        if account is None:
            raise SignInRequired(clear_cookie=SESSION_COOKIE in request.cookies)
        principal = principal_of(account)
        request.state.console_principal = principal
        request.state.console_account_name = account.name
        request.state.console_language = account.language
        # Names for the pages (the header shows the territories); committed now so that
        # no transaction is held while the handler waits for its threadpool slot.
        request.state.console_territory_names = {t.code: t.name for t in list_territories(session)}
        session.commit()
        for scope in (Scope.applications_read, *scopes):
            if scope not in principal.scopes:
                raise ConsoleError(403, f"scope:{scope.value}")
        return principal

    return dependency
