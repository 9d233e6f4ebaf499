"""API keys: list, create (the token is shown once) and revoke (admin)."""

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request
from sqlalchemy import select

from api.audit import record
from api.deps import SessionDep, require
from api.enums import Scope
from api.errors import ApiError, error_responses, not_found
from api.models import ApiKey
from api.schemas.keys import KeyCreate, KeyCreated, KeyOut
from api.security import Principal
from api.services.keys import KeyRequestError, create_key, revoke_key

router = APIRouter(tags=["keys"])

AdminDep = Annotated[Principal, Depends(require(Scope.keys_admin))]


@router.get("/keys", response_model=list[KeyOut], responses=error_responses(401, 403))
def list_keys(principal: AdminDep, session: SessionDep) -> list[KeyOut]:
    """Every key, revoked ones included; never a secret."""
    return [KeyOut.of(k) for k in session.scalars(select(ApiKey).order_by(ApiKey.id))]


@router.post(
    "/keys",
    status_code=201,
    response_model=KeyCreated,
    responses=error_responses(400, 401, 403, 409, 422),
)
def add_key(request: KeyCreate, principal: AdminDep, session: SessionDep) -> KeyCreated:
    """Create a key; its token is in this answer and nowhere else, ever."""
    if session.scalar(select(ApiKey.id).where(ApiKey.name == request.name)) is not None:
        raise ApiError(409, "key_name_taken", f"a key named {request.name!r} already exists")
    try:
        key, new = create_key(
            session,
            request.name,
            role=request.role,
            scopes=None if request.scopes is None else [s.value for s in request.scopes],
            territories=request.territories,
        )
    except KeyRequestError as exc:
        raise ApiError(422, "invalid_key_request", str(exc)) from None
    record(session, principal, "create", "api_key", key.id, detail=f"scopes={','.join(key.scopes)}")
    session.commit()
    return KeyCreated(**KeyOut.of(key).model_dump(), token=new.token)


@router.post(
    "/keys/{key_id}/revocation",
    response_model=KeyOut,
    responses=error_responses(401, 403, 404, 422),
)
def revoke(
    key_id: Annotated[int, Path(ge=1, le=2**31 - 1)],
    principal: AdminDep,
    session: SessionDep,
    request: Request,
) -> KeyOut:
    """Revoke a key: from now on it gets 401 (through another server process: within
    EMILE_KEY_CACHE_SECONDS)."""
    key = session.get(ApiKey, key_id)
    if key is None:
        raise not_found("API key")
    revoke_key(session, key.name)
    record(session, principal, "revoke", "api_key", key.id)
    session.commit()
    request.app.state.principal_cache.forget(key.id)
    return KeyOut.of(key)
