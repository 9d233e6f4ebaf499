"""Erasing a person's data: one way for the person, operators and the retention purge."""

from dataclasses import dataclass
from typing import Literal

from sqlalchemy import ColumnElement, delete, func, or_, select, update
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
# The tables that hold personal data, for the database's own clean-up after erasures.
PERSONAL_TABLES = [
    "applications",
    "application_territories",
    "status_changes",
    "registrations",
    "callback_requests",
    "idempotency_records",
]


@dataclass(frozen=True)
class ErasureCounts:
    """How many records of each kind an erasure deleted."""

    applications: int = 0
    registrations: int = 0
    callbacks: int = 0

    def __add__(self, other: "ErasureCounts") -> "ErasureCounts":
        return ErasureCounts(
            self.applications + other.applications,
            self.registrations + other.registrations,
            self.callbacks + other.callbacks,
        )


def erase_application(
    session: Session, application: Application, requested_by: Requester, actor: Principal | str
) -> ErasureCounts:
    """Delete the application, its history and the person's bookings and callback requests."""
    application_id = application.id
    phone = application.phone
    email = application.email.lower() if application.email else None

    registrations = _release_and_delete_registrations(session, phone, email)
    callbacks = _delete_callbacks(
        session,
        or_(
            CallbackRequest.phone == phone,
            CallbackRequest.application_reference == application.reference,
        ),
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
    return ErasureCounts(1, registrations, callbacks)


def erase_phone(session: Session, phone: str, actor: Principal | str) -> ErasureCounts:
    """Everything held about this phone: its applications, bookings and callback requests."""
    counts = ErasureCounts()
    ids = session.scalars(select(Application.id).where(Application.phone == phone)).all()
    for application_id in ids:
        application = session.get(Application, application_id)
        if application is not None:
            counts += erase_application(session, application, "person", actor)
    # What was made without an application (or after it was erased).
    leftover = ErasureCounts(
        registrations=_release_and_delete_registrations(session, phone, None),
        callbacks=_delete_callbacks(session, CallbackRequest.phone == phone),
    )
    if leftover.registrations or leftover.callbacks:
        record(
            session,
            actor,
            "erase",
            "person",
            detail=f"requested by person: {leftover.registrations} registrations, "
            f"{leftover.callbacks} callback requests",
        )
    session.flush()
    return counts + leftover


def erase_callbacks(
    session: Session, phone: str, callback_ids: list[int], actor: Principal | str
) -> int:
    """Delete the listed callback requests if they were made with this phone."""
    if not callback_ids:
        return 0
    count = _delete_callbacks(
        session, CallbackRequest.id.in_(callback_ids), CallbackRequest.phone == phone
    )
    if count:
        record(session, actor, "erase", "callbacks", detail=f"requested by person: {count}")
    return count


def _delete_callbacks(session: Session, *conditions: ColumnElement[bool]) -> int:
    ids = session.scalars(select(CallbackRequest.id).where(*conditions)).all()
    if ids:
        session.execute(delete(CallbackRequest).where(CallbackRequest.id.in_(ids)))
    return len(ids)


def _release_and_delete_registrations(session: Session, phone: str, email: str | None) -> int:
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
    return len(registrations)
