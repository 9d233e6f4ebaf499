"""Callback requests: creating them within a per-phone quota, listing and closing them in scope.

An operator limited to territories sees a request when the person's application (named by
the request's reference, or made with the same phone) prefers one of those territories. A
request from someone with no application is seen only by keys without a territory limit
(admins and operators of every territory), who route it.
"""

from datetime import timedelta
from typing import Any, cast

from sqlalchemy import ColumnElement, CursorResult, exists, func, or_, select, update
from sqlalchemy.orm import Session

from api.enums import CallbackStatus
from api.errors import ApiError, not_found
from api.models import Application, ApplicationTerritory, CallbackRequest
from api.models.base import utcnow
from api.schemas.callbacks import CallbackCreate
from api.security import Principal


def _preferring(codes: list[str]) -> ColumnElement[bool]:
    """The person's application (by reference or phone) prefers one of `codes`."""
    return exists().where(
        or_(
            Application.reference == CallbackRequest.application_reference,
            Application.phone == CallbackRequest.phone,
        ),
        ApplicationTerritory.application_id == Application.id,
        ApplicationTerritory.territory_code.in_(codes),
    )


def _in_scope(principal: Principal) -> list[ColumnElement[bool]]:
    if principal.territories is None:
        return []
    return [_preferring(sorted(principal.territories))]


def create_callback(session: Session, data: CallbackCreate, open_per_phone: int) -> CallbackRequest:
    """Store a request, unless this phone already has `open_per_phone` open ones (429)."""
    waiting = session.scalar(
        select(func.count())
        .select_from(CallbackRequest)
        .where(CallbackRequest.phone == data.phone, CallbackRequest.status == CallbackStatus.open)
    )
    if (waiting or 0) >= open_per_phone:
        raise ApiError(
            429,
            "callback_quota",
            f"this phone already has {waiting} callback requests waiting; an operator will call",
            headers={"Retry-After": str(int(timedelta(days=1).total_seconds()))},
        )
    callback = CallbackRequest(**data.model_dump(), status=CallbackStatus.open)
    session.add(callback)
    session.flush()
    return callback


def list_callbacks(
    session: Session,
    principal: Principal,
    status: CallbackStatus | None,
    page: int,
    page_size: int,
    *,
    territory: str | None = None,
    oldest_first: bool = False,
) -> tuple[list[CallbackRequest], int]:
    """One page of the requests this key sees (newest first by default), and how many match.

    `territory` keeps the requests of people whose application prefers it, as the
    applications' filter does; the console lists the open ones oldest first (who waited most).
    """
    conditions = _in_scope(principal)
    if status is not None:
        conditions.append(CallbackRequest.status == status)
    if territory is not None:
        conditions.append(_preferring([territory]))
    total = session.scalar(select(func.count()).select_from(CallbackRequest).where(*conditions))
    order = (
        (CallbackRequest.created_at, CallbackRequest.id)
        if oldest_first
        else (CallbackRequest.created_at.desc(), CallbackRequest.id.desc())
    )
    items = session.scalars(
        select(CallbackRequest)
        .where(*conditions)
        .order_by(*order)
        .offset((page - 1) * page_size)
        .limit(page_size)
    )
    return list(items), total or 0


def find_callback(session: Session, principal: Principal, callback_id: int) -> CallbackRequest:
    """The request with this id if this key sees it, else 404."""
    callback = session.scalar(
        select(CallbackRequest).where(CallbackRequest.id == callback_id, *_in_scope(principal))
    )
    if callback is None:
        raise not_found("callback request")
    return callback


def close_callback(
    session: Session, principal: Principal, callback_id: int, note: str
) -> CallbackRequest:
    """Close a request this key sees with a note; closing it twice is a 409."""
    callback = find_callback(session, principal, callback_id)
    # Guarded so that two operators closing at once cannot both succeed.
    closed = cast(
        CursorResult[Any],
        session.execute(
            update(CallbackRequest)
            .where(CallbackRequest.id == callback_id, CallbackRequest.status == CallbackStatus.open)
            .values(
                status=CallbackStatus.closed,
                note=note,
                closed_by=principal.name,
                closed_at=utcnow(),
            )
            .execution_options(synchronize_session=False)
        ),
    )
    session.refresh(callback)
    if not closed.rowcount:
        raise ApiError(
            409,
            "callback_already_closed",
            f"this callback request was already closed by {callback.closed_by}",
        )
    return callback
