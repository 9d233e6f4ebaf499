"""Workshops and information meetings, and the seats people book in them."""

from functools import lru_cache
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Path, Query, Response

from api.audit import record
from api.deps import SessionDep, SettingsDep, get_principal, require
from api.enums import Audience, Language, Scope, WorkshopKind
from api.errors import error_responses
from api.models.base import utcnow
from api.schemas.workshops import (
    RegistrationCreate,
    RegistrationOut,
    RegistrationSummary,
    WorkshopCreate,
    WorkshopOut,
    WorkshopUpdate,
)
from api.security import Principal
from api.services import workshops as service

router = APIRouter(tags=["workshops"])

# Every handler commits before it returns: FastAPI validates the answer in another threadpool
# slot, and a transaction (a row lock, SQLite's write lock) held over that hop can starve the
# pool when many people book at once.

AnyKey = Annotated[Principal, Depends(get_principal)]
Admin = Annotated[Principal, Depends(require(Scope.workshops_admin))]
Registrar = Annotated[Principal, Depends(require(Scope.registrations_write))]
WorkshopId = Annotated[int, Path(ge=1, le=2**31 - 1)]
ReferencePath = Annotated[
    str, Path(pattern=r"^[A-Za-z0-9 ._-]{1,24}$", description="e.g. `K7P4XM`")
]


@lru_cache
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


@router.get("/workshops", response_model=list[WorkshopOut], responses=error_responses(401, 422))
def list_workshops(
    session: SessionDep,
    settings: SettingsDep,
    _principal: AnyKey,
    audience: Audience | None = None,
    kind: WorkshopKind | None = None,
    language: Language | None = None,
    upcoming: Annotated[
        bool, Query(description="Only those not started and not cancelled; false: all")
    ] = True,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[WorkshopOut]:
    """Workshops by start date, with the seats left."""
    now = utcnow()
    found = service.list_workshops(
        session,
        now,
        upcoming=upcoming,
        audience=audience,
        kind=kind,
        language=language,
        limit=limit,
    )
    tz = _zone(settings.timezone)
    listed = [WorkshopOut.of(w, tz, now) for w in found]
    session.commit()
    return listed


@router.get(
    "/workshops/{workshop_id}",
    response_model=WorkshopOut,
    responses=error_responses(401, 404, 422),
)
def get_workshop(
    session: SessionDep, settings: SettingsDep, _principal: AnyKey, workshop_id: WorkshopId
) -> WorkshopOut:
    """One workshop, past or cancelled ones included."""
    workshop = service.get_workshop(session, workshop_id)
    session.commit()
    return WorkshopOut.of(workshop, _zone(settings.timezone), utcnow())


@router.post(
    "/workshops",
    response_model=WorkshopOut,
    status_code=201,
    responses=error_responses(400, 401, 403, 422),
)
def create_workshop(
    session: SessionDep, settings: SettingsDep, _principal: Admin, body: WorkshopCreate
) -> WorkshopOut:
    """Schedule a workshop or an information meeting."""
    workshop = service.create_workshop(session, body)
    session.commit()
    return WorkshopOut.of(workshop, _zone(settings.timezone), utcnow())


@router.patch(
    "/workshops/{workshop_id}",
    response_model=WorkshopOut,
    responses=error_responses(400, 401, 403, 404, 409, 422),
)
def update_workshop(
    session: SessionDep,
    settings: SettingsDep,
    _principal: Admin,
    workshop_id: WorkshopId,
    body: WorkshopUpdate,
) -> WorkshopOut:
    """Change a workshop, or cancel it with `{"cancelled": true}`."""
    workshop = service.update_workshop(session, workshop_id, body)
    session.commit()
    return WorkshopOut.of(workshop, _zone(settings.timezone), utcnow())


@router.get(
    "/workshops/{workshop_id}/registrations",
    response_model=list[RegistrationSummary],
    responses=error_responses(401, 403, 404, 422),
)
def list_registrations(
    session: SessionDep, principal: Admin, workshop_id: WorkshopId
) -> list[RegistrationSummary]:
    """Who booked a seat (cancelled registrations included); the read is audited."""
    registrations = service.workshop_registrations(session, workshop_id)
    record(session, principal, "read", "workshop_registrations", workshop_id)
    session.commit()
    return [RegistrationSummary.model_validate(r) for r in registrations]


@router.post(
    "/workshops/{workshop_id}/registrations",
    response_model=RegistrationOut,
    status_code=201,
    responses={
        200: {
            "model": RegistrationOut,
            "description": "This contact was already registered: the same registration",
        },
        **error_responses(400, 401, 403, 404, 409, 422),
    },
)
def register(
    session: SessionDep,
    settings: SettingsDep,
    _principal: Registrar,
    workshop_id: WorkshopId,
    body: RegistrationCreate,
    response: Response,
) -> RegistrationOut:
    """Book a seat. The same phone or e-mail again gets the same registration and no new seat.

    409 with code `workshop_full`, `workshop_cancelled` or `workshop_past` when no seat can
    be given.
    """
    now = utcnow()
    registration, workshop, created = service.register(session, workshop_id, body, now)
    session.commit()
    if not created:
        response.status_code = 200
    return RegistrationOut.of(registration, workshop, _zone(settings.timezone), now)


@router.post(
    "/registrations/{reference}/cancellation",
    response_model=RegistrationOut,
    responses=error_responses(401, 403, 404, 409, 422),
)
def cancel_registration(
    session: SessionDep, settings: SettingsDep, _principal: Registrar, reference: ReferencePath
) -> RegistrationOut:
    """Cancel a registration and free its seat; cancelling twice is harmless.

    409 `workshop_past` once the workshop has started.
    """
    now = utcnow()
    registration, workshop = service.cancel_registration(session, reference, now)
    session.commit()
    return RegistrationOut.of(registration, workshop, _zone(settings.timezone), now)
