"""Request dependencies: database sessions, the calling API key and its request rate."""

from collections.abc import Awaitable, Callable, Iterator
from typing import Annotated

from fastapi import Depends, Request, Security
from fastapi.concurrency import run_in_threadpool
from fastapi.security import APIKeyHeader
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.audit import ReadAudit
from api.db import SessionFactory, session_scope
from api.enums import Scope
from api.errors import ApiError
from api.key_cache import PrincipalCache
from api.limits import RequestRateLimiter
from api.models import ApiKey
from api.security import Principal, secret_matches, split_token
from api.settings import Settings

api_key_header = APIKeyHeader(
    name="X-API-Key", auto_error=False, description="An API key made by `emile-api create-key`."
)


def get_session(request: Request) -> Iterator[Session]:
    """A session for this request's writes, committed when the handler succeeds."""
    yield from session_scope(request.app.state.sessionmaker)


def get_read_session(request: Request) -> Iterator[Session]:
    """A session for reads: it never takes SQLite's write lock, so reads run side by side."""
    yield from session_scope(request.app.state.read_sessionmaker)


# Dependencies that neither block nor touch the database are `async def`: FastAPI runs a
# plain `def` in its threadpool, and each such hop costs more than the work itself.


async def get_settings_dep(request: Request) -> Settings:
    """The settings the app was built with."""
    settings: Settings = request.app.state.settings
    return settings


# scope="function": commit before the response is sent, so a failed commit is never a 2xx.
SessionDep = Annotated[Session, Depends(get_session, scope="function")]
ReadSessionDep = Annotated[Session, Depends(get_read_session, scope="function")]
# For a streamed body: the session lives until the last byte is sent, then closes.
StreamSessionDep = Annotated[Session, Depends(get_read_session, scope="request")]
SettingsDep = Annotated[Settings, Depends(get_settings_dep)]


def authenticate(session: Session, token: str | None) -> Principal:
    """The principal of a presented API key, or 401."""
    parts = split_token(token) if token else None
    if parts is None:
        raise ApiError(401, "unauthorized", "a valid X-API-Key header is required")
    prefix, secret = parts
    key = session.scalar(select(ApiKey).where(ApiKey.prefix == prefix))
    if key is None or key.revoked_at is not None or not secret_matches(secret, key.secret_hash):
        raise ApiError(401, "unauthorized", "this API key is not valid")
    return Principal(
        key_id=key.id,
        name=key.name,
        scopes=frozenset(Scope(s) for s in key.scopes),
        territories=None if key.territories is None else frozenset(key.territories),
    )


def _check_key(sessions: SessionFactory, token: str | None) -> Principal:
    """Read and check the presented key in a short read transaction of its own."""
    with sessions() as session:
        principal = authenticate(session, token)
        session.commit()
    return principal


async def get_principal(
    request: Request,
    token: Annotated[str | None, Security(api_key_header)],
) -> Principal:
    """The API key this request presents (401 otherwise), within its request rate (429)."""
    cache: PrincipalCache = request.app.state.principal_cache
    principal = cache.get(token) if token else None
    if principal is None:
        # Its own transaction, closed before the handler runs: holding the connection until
        # then let waiting requests take every pool slot, and nothing moved any more.
        principal = await run_in_threadpool(_check_key, request.app.state.read_sessionmaker, token)
        assert token is not None
        cache.put(token, principal)
    limiter: RequestRateLimiter = request.app.state.rate_limiter
    limiter.check(principal.key_id)
    return principal


async def get_read_audit(request: Request) -> ReadAudit:
    """Where reads are audited (written in batches)."""
    audit: ReadAudit = request.app.state.read_audit
    return audit


ReadAuditDep = Annotated[ReadAudit, Depends(get_read_audit)]


def require(*scopes: Scope) -> Callable[[Principal], Awaitable[Principal]]:
    """A dependency that checks the caller holds every one of `scopes` (403 otherwise)."""

    async def check(principal: Annotated[Principal, Depends(get_principal)]) -> Principal:
        missing = [s.value for s in scopes if s not in principal.scopes]
        if missing:
            raise ApiError(403, "forbidden", f"this API key lacks the scope {', '.join(missing)}")
        return principal

    return check
