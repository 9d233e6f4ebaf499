"""Callback requests: people who asked to talk to a person, and operators who call back."""

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query

from api.audit import record
from api.deps import ReadAuditDep, ReadSessionDep, SessionDep, SettingsDep, require
from api.enums import CallbackStatus, Scope
from api.errors import ApiError, error_responses
from api.schemas.callbacks import CallbackClose, CallbackCreate, CallbackOut
from api.schemas.pagination import PAGE_MAX, Page
from api.security import Principal
from api.services import callbacks as service

router = APIRouter(tags=["callbacks"])

# Every handler commits before it returns: FastAPI validates the answer in another threadpool
# slot, and a transaction held over that hop can starve the pool when many requests wait.

Writer = Annotated[Principal, Depends(require(Scope.callbacks_write))]
Reader = Annotated[Principal, Depends(require(Scope.callbacks_read))]
CallbackId = Annotated[int, Path(ge=1, le=2**31 - 1)]


@router.post(
    "/callbacks",
    response_model=CallbackOut,
    status_code=201,
    responses=error_responses(400, 401, 403, 422, 429),
)
def create_callback(
    session: SessionDep, settings: SettingsDep, _principal: Writer, body: CallbackCreate
) -> CallbackOut:
    """Leave a request for an operator to call this person back (a few open per phone)."""
    callback = service.create_callback(session, body, settings.callbacks_per_phone)
    created = CallbackOut.model_validate(callback)
    session.commit()
    return created


@router.get(
    "/callbacks",
    response_model=Page[CallbackOut],
    responses=error_responses(401, 403, 422),
)
def list_callbacks(
    reads: ReadSessionDep,
    audit: ReadAuditDep,
    settings: SettingsDep,
    principal: Reader,
    status: CallbackStatus | None = None,
    page: Annotated[int, Query(ge=1, le=PAGE_MAX)] = 1,
    page_size: Annotated[int, Query(ge=1, description="At most EMILE_PAGE_SIZE_MAX.")] = 50,
) -> Page[CallbackOut]:
    """Callback requests of this key's territories, newest first; the read is audited."""
    if page_size > settings.page_size_max:
        raise ApiError(
            422, "invalid_input", f"page_size: at most {settings.page_size_max} per page"
        )
    items, total = service.list_callbacks(reads, principal, status, page, page_size)
    found = Page[CallbackOut](
        items=[CallbackOut.model_validate(c) for c in items],
        total=total,
        page=page,
        page_size=page_size,
    )
    audit.add(
        principal,
        "read",
        "callbacks",
        detail=f"status={status or 'any'} page={page} page_size={page_size}",
    )
    return found


@router.post(
    "/callbacks/{callback_id}/close",
    response_model=CallbackOut,
    responses=error_responses(400, 401, 403, 404, 409, 422),
)
def close_callback(
    session: SessionDep, principal: Reader, callback_id: CallbackId, body: CallbackClose
) -> CallbackOut:
    """Close a callback request with a note on how it went; closing it twice is a 409."""
    callback = service.close_callback(session, principal, callback_id, body.note)
    record(session, principal, "update", "callbacks", callback_id, detail="closed")
    closed_callback = CallbackOut.model_validate(callback)
    session.commit()
    return closed_callback
