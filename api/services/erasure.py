"""Erasing a person's data: one way for the person, operators and the retention purge."""

from typing import Literal

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.orm import Session

from api.audit import record
from api.enums import RegistrationStatus
from api.models import (
    Application,
    ApplicationTerritory,
    CallbackRequest,
    IdempotencyRecord,
    Registration,
    StatusChange,
    Workshop,
)
from api.security import Principal

Requester = Literal["person", "operator", "retention"]


def erase_application(
    session: Session, application: Application, requested_by: Requester, actor: Principal | str
) -> None:
    """Delete the application, its history and the person's bookings and callback requests."""
    application_id = application.id
    phone = application.phone
    email = application.email.lower() if application.email else None

    _release_and_delete_registrations(session, phone, email)
    session.execute(
        delete(CallbackRequest).where(
            or_(
                CallbackRequest.phone == phone,
                CallbackRequest.application_reference == application.reference,
            )
        )
    )
    # Kept, blanked, so that replaying the original submission cannot bring the data back.
    session.execute(
        update(IdempotencyRecord)
        .where(IdempotencyRecord.application_id == application_id)
        .values(erased=True, body_hash="", application_id=None)
    )
    session.execute(delete(StatusChange).where(StatusChange.application_id == application_id))
    session.execute(
        delete(ApplicationTerritory).where(ApplicationTerritory.application_id == application_id)
    )
    session.execute(delete(Application).where(Application.id == application_id))
    record(
        session,
        actor,
        "erase",
        "application",
        application_id,
        detail=f"requested by {requested_by}",
    )
    session.flush()


def _release_and_delete_registrations(session: Session, phone: str, email: str | None) -> None:
    matches = [Registration.phone == phone]
    if email is not None:
        matches.append(func.lower(Registration.email) == email)
    registrations = session.execute(
        select(Registration.id, Registration.workshop_id, Registration.status).where(or_(*matches))
    ).all()
    for _id, workshop_id, status in registrations:
        if status == RegistrationStatus.confirmed:
            # The seat this person held goes back to the workshop.
            session.execute(
                update(Workshop)
                .where(Workshop.id == workshop_id, Workshop.seats_taken > 0)
                .values(seats_taken=Workshop.seats_taken - 1)
            )
    if registrations:
        session.execute(
            delete(Registration).where(Registration.id.in_([r[0] for r in registrations]))
        )
