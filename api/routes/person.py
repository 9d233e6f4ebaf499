"""The person behind an application: where it stands, and erasing it (used by the assistant)."""

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.audit import record
from api.codes import normalise_reference
from api.deps import SessionDep, require
from api.enums import Scope
from api.errors import ApiError, error_responses
from api.models import Registration
from api.schemas.person import ErasureReport, PersonErasureRequest, PersonRequest, PersonStatus
from api.security import Principal
from api.services.applications import find_for_person
from api.services.erasure import erase_callbacks, erase_phone

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


def _proves_phone(session: Session, body: PersonErasureRequest) -> bool:
    """Whether the request shows the phone is the person's (see PersonErasureRequest)."""
    if body.phone_verified:
        return True
    if body.reference is not None:
        # A reference that does not match is a 404, as for the status: nothing is erased.
        find_for_person(session, body.reference, body.phone)
        return True
    if body.registration_reference is not None:
        found = session.scalar(
            select(Registration.id).where(
                Registration.reference == normalise_reference(body.registration_reference),
                Registration.phone == body.phone,
            )
        )
        if found is None:
            raise ApiError(
                404, "not_found", "no registration matches this reference and phone number"
            )
        return True
    return False


@router.post(
    "/person/erasure",
    response_model=ErasureReport,
    responses=error_responses(400, 401, 403, 404, 422),
)
def person_erasure(
    body: PersonErasureRequest, principal: PersonAccessDep, session: SessionDep, request: Request
) -> ErasureReport:
    """Erase what is held about this phone: applications, bookings and callback requests.

    Answers with what was deleted, so that the person is told exactly that.
    """
    if _proves_phone(session, body):
        counts = erase_phone(session, body.phone, principal)
        applications, registrations = counts.applications, counts.registrations
        callbacks = counts.callbacks
    else:
        applications = registrations = 0
        callbacks = erase_callbacks(session, body.phone, body.callback_ids, principal)
    session.commit()
    request.app.state.scrubber.scrub()
    return ErasureReport(
        applications=applications, registrations=registrations, callbacks=callbacks
    )
