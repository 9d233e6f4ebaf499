"""The person behind an application: where it stands, and erasing it (used by the assistant)."""

from typing import Annotated

from fastapi import APIRouter, Depends

from api.audit import record
from api.deps import SessionDep, require
from api.enums import Scope
from api.errors import error_responses
from api.schemas.applications import Erased
from api.schemas.person import PersonRequest, PersonStatus
from api.security import Principal
from api.services.applications import find_for_person
from api.services.erasure import erase_application

router = APIRouter(tags=["person"])

PersonAccessDep = Annotated[Principal, Depends(require(Scope.person_access))]


@router.post(
    "/person/status",
    response_model=PersonStatus,
    responses=error_responses(400, 401, 403, 404, 422),
)
def person_status(
    request: PersonRequest, principal: PersonAccessDep, session: SessionDep
) -> PersonStatus:
    """Where the application with this reference and phone number stands."""
    application = find_for_person(session, request.reference, request.phone)
    record(session, principal, "read", "application", application.id, detail="person status")
    session.commit()
    return PersonStatus(
        reference=application.reference,
        status=application.status,
        updated_at=application.updated_at,
    )


@router.post(
    "/person/erasure",
    response_model=Erased,
    responses=error_responses(400, 401, 403, 404, 422),
)
def person_erasure(
    request: PersonRequest, principal: PersonAccessDep, session: SessionDep
) -> Erased:
    """Erase the application with this reference and phone, and that phone's other records."""
    application = find_for_person(session, request.reference, request.phone)
    erase_application(session, application, "person", principal)
    session.commit()
    return Erased()
