"""Workshops and registrations: seats are taken and given back only by guarded updates.

A seat is taken with one statement that checks the capacity itself
(`seats_taken = seats_taken + 1 WHERE seats_taken < capacity …`), in the transaction that
writes the registration. Concurrent bookings therefore queue on the workshop's row (PostgreSQL)
or on the database lock (SQLite, `BEGIN IMMEDIATE`), and none can over-book.
"""

from datetime import datetime, time, timedelta
from typing import Any, cast
from zoneinfo import ZoneInfo

from sqlalchemy import CursorResult, Update, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from api.codes import new_reference, normalise_reference
from api.enums import Audience, Language, RegistrationStatus, WorkshopKind
from api.errors import ApiError, not_found
from api.models import Registration, Workshop
from api.models.base import utcnow
from api.schemas.workshops import RegistrationCreate, WorkshopCreate, WorkshopUpdate

# A fresh reference colliding with a stored one is rare (32**6 codes); a few tries settle it.
REFERENCE_ATTEMPTS = 5


def _rowcount(session: Session, statement: Update) -> int:
    result = cast(CursorResult[Any], session.execute(statement))
    return result.rowcount


def get_workshop(session: Session, workshop_id: int) -> Workshop:
    """The workshop `workshop_id`, or 404."""
    workshop = session.get(Workshop, workshop_id)
    if workshop is None:
        raise not_found("workshop")
    return workshop


def list_workshops(
    session: Session,
    now: datetime,
    *,
    upcoming: bool = True,
    audience: Audience | None = None,
    kind: WorkshopKind | None = None,
    language: Language | None = None,
    limit: int = 100,
) -> list[Workshop]:
    """Workshops by start date; `upcoming` keeps those not started and not cancelled."""
    query = select(Workshop).order_by(Workshop.starts_at, Workshop.id).limit(limit)
    if upcoming:
        query = query.where(Workshop.starts_at > now, Workshop.cancelled.is_(False))
    if audience is not None:
        query = query.where(Workshop.audience == audience)
    if kind is not None:
        query = query.where(Workshop.kind == kind)
    if language is not None:
        query = query.where(Workshop.language == language)
    return list(session.scalars(query))


def create_workshop(session: Session, data: WorkshopCreate) -> Workshop:
    """Store a new workshop with no seat taken."""
    workshop = Workshop(**data.model_dump(), seats_taken=0, cancelled=False)
    session.add(workshop)
    session.flush()
    return workshop


def update_workshop(session: Session, workshop_id: int, changes: WorkshopUpdate) -> Workshop:
    """Apply the fields sent; the capacity never drops below the seats already taken."""
    workshop = get_workshop(session, workshop_id)
    values = changes.model_dump(exclude_unset=True)
    capacity = values.pop("capacity", None)
    if capacity is not None:
        changed = _rowcount(
            session,
            update(Workshop)
            .where(Workshop.id == workshop_id, Workshop.seats_taken <= capacity)
            .values(capacity=capacity)
            .execution_options(synchronize_session=False),
        )
        session.refresh(workshop)
        if not changed:
            raise ApiError(
                409,
                "capacity_below_seats_taken",
                f"{workshop.seats_taken} seats are already taken: "
                f"the capacity cannot go below that",
            )
    for field, value in values.items():
        setattr(workshop, field, value)
    if workshop.place is None and workshop.online_url is None:
        raise ApiError(422, "invalid_input", "a workshop needs a place, an online_url, or both")
    session.flush()
    session.refresh(workshop)
    return workshop


def _take_seat(session: Session, workshop_id: int, now: datetime) -> bool:
    """Take one seat if the workshop is open and not full; False otherwise."""
    return (
        _rowcount(
            session,
            update(Workshop)
            .where(
                Workshop.id == workshop_id,
                Workshop.seats_taken < Workshop.capacity,
                Workshop.cancelled.is_(False),
                Workshop.starts_at > now,
            )
            .values(seats_taken=Workshop.seats_taken + 1)
            .execution_options(synchronize_session=False),
        )
        == 1
    )


def _free_seat(session: Session, workshop_id: int) -> None:
    session.execute(
        update(Workshop)
        .where(Workshop.id == workshop_id, Workshop.seats_taken > 0)
        .values(seats_taken=Workshop.seats_taken - 1)
        .execution_options(synchronize_session=False)
    )


def _no_seat(session: Session, workshop: Workshop, now: datetime) -> ApiError:
    """Why no seat could be taken, read after the failed attempt."""
    session.refresh(workshop)
    if workshop.cancelled:
        return ApiError(409, "workshop_cancelled", "this workshop is cancelled")
    if workshop.starts_at <= now:
        return ApiError(409, "workshop_past", "this workshop has already started or taken place")
    return ApiError(409, "workshop_full", "this workshop is full: no seat is left")


def _find(session: Session, workshop_id: int, contact_key: str) -> Registration | None:
    return session.scalar(
        select(Registration)
        .where(Registration.workshop_id == workshop_id, Registration.contact_key == contact_key)
        .execution_options(populate_existing=True)
    )


def register(
    session: Session, workshop_id: int, data: RegistrationCreate, now: datetime | None = None
) -> tuple[Registration, Workshop, bool]:
    """Book a seat for this contact; the same contact again gets its registration back.

    Returns the registration, its workshop (fresh) and whether a new registration was made.
    """
    now = now or utcnow()
    workshop = get_workshop(session, workshop_id)
    key = data.contact_key
    for _attempt in range(REFERENCE_ATTEMPTS):
        existing = _find(session, workshop_id, key)
        if existing is not None:
            if existing.status is RegistrationStatus.cancelled:
                _rebook(session, workshop, existing, data, now)
            session.refresh(workshop)
            return existing, workshop, False
        savepoint = session.begin_nested()
        if not _take_seat(session, workshop_id, now):
            savepoint.rollback()
            # On PostgreSQL the same person may have just taken the last seat in parallel.
            existing = _find(session, workshop_id, key)
            if existing is not None and existing.status is RegistrationStatus.confirmed:
                session.refresh(workshop)
                return existing, workshop, False
            raise _no_seat(session, workshop, now)
        registration = Registration(
            reference=new_reference(),
            workshop_id=workshop_id,
            name=data.name,
            organisation=data.organisation,
            phone=data.phone,
            email=data.email,
            contact_key=key,
            language=data.language,
            status=RegistrationStatus.confirmed,
        )
        session.add(registration)
        try:
            session.flush()
        except IntegrityError:
            # The same contact booked in parallel (or the reference was taken): the seat taken
            # above is given back with the savepoint, and the next round finds the winner.
            savepoint.rollback()
            continue
        savepoint.commit()
        session.refresh(workshop)
        return registration, workshop, True
    raise ApiError(409, "conflict", "the registration could not be stored; try again")


def _rebook(
    session: Session,
    workshop: Workshop,
    registration: Registration,
    data: RegistrationCreate,
    now: datetime,
) -> None:
    """Give a seat back to someone who cancelled, if one is free."""
    savepoint = session.begin_nested()
    # Flipping the status first, guarded, makes two parallel re-bookings take one seat.
    flipped = _rowcount(
        session,
        update(Registration)
        .where(
            Registration.id == registration.id,
            Registration.status == RegistrationStatus.cancelled,
        )
        .values(status=RegistrationStatus.confirmed, cancelled_at=None)
        .execution_options(synchronize_session=False),
    )
    if not flipped:
        savepoint.rollback()
        session.refresh(registration)
        return
    if not _take_seat(session, workshop.id, now):
        savepoint.rollback()
        session.refresh(registration)
        raise _no_seat(session, workshop, now)
    savepoint.commit()
    session.refresh(registration)
    registration.name = data.name
    registration.organisation = data.organisation
    registration.phone = data.phone
    registration.email = data.email
    registration.language = data.language
    session.flush()


def get_registration(session: Session, reference: str) -> Registration:
    """The registration with this reference (spaces and case forgiven), or 404."""
    registration = session.scalar(
        select(Registration).where(Registration.reference == normalise_reference(reference))
    )
    if registration is None:
        raise not_found("registration")
    return registration


def cancel_registration(
    session: Session, reference: str, now: datetime | None = None
) -> tuple[Registration, Workshop]:
    """Cancel a registration and free its seat; cancelling again changes nothing."""
    now = now or utcnow()
    registration = get_registration(session, reference)
    workshop = get_workshop(session, registration.workshop_id)
    if registration.status is RegistrationStatus.confirmed and workshop.starts_at <= now:
        raise ApiError(409, "workshop_past", "this workshop has already started or taken place")
    cancelled = _rowcount(
        session,
        update(Registration)
        .where(
            Registration.id == registration.id,
            Registration.status == RegistrationStatus.confirmed,
        )
        .values(status=RegistrationStatus.cancelled, cancelled_at=now)
        .execution_options(synchronize_session=False),
    )
    if cancelled:
        _free_seat(session, workshop.id)
    session.refresh(registration)
    session.refresh(workshop)
    return registration, workshop


def workshop_registrations(session: Session, workshop_id: int) -> list[Registration]:
    """Every registration of a workshop, cancelled ones included, oldest first."""
    get_workshop(session, workshop_id)
    return list(
        session.scalars(
            select(Registration)
            .where(Registration.workshop_id == workshop_id)
            .order_by(Registration.created_at, Registration.id)
        )
    )


def _sample_workshops(now: datetime, tz: ZoneInfo) -> list[Workshop]:
    """A few sessions in the coming weeks, at fixed local hours."""
    today = now.astimezone(tz).date()

    def at(days: int, hour: int) -> datetime:
        return datetime.combine(today + timedelta(days=days), time(hour), tzinfo=tz)

    sample = "Session d'exemple, créée pour essayer l'assistant."
    return [
        Workshop(
            kind=WorkshopKind.awareness_workshop,
            audience=Audience.professionals,
            title="Atelier de sensibilisation EMILE (en ligne)",
            description="Pour les travailleurs sociaux et conseillers emploi qui orientent des "
            "candidats vers EMILE. " + sample,
            starts_at=at(7, 10),
            duration_minutes=90,
            online_url="https://visio.example.org/emile-atelier",
            language=Language.fr,
            capacity=30,
        ),
        Workshop(
            kind=WorkshopKind.awareness_workshop,
            audience=Audience.professionals,
            title="Atelier de sensibilisation EMILE à Paris",
            description="Pour les professionnels de l'hébergement, du logement et de l'emploi. "
            + sample,
            starts_at=at(21, 14),
            duration_minutes=120,
            place="Paris",
            language=Language.fr,
            capacity=20,
        ),
        Workshop(
            kind=WorkshopKind.information_meeting,
            audience=Audience.candidates,
            title="Réunion d'information EMILE (en ligne)",
            description="Comment marche EMILE, les territoires, les étapes. " + sample,
            starts_at=at(10, 14),
            duration_minutes=60,
            online_url="https://visio.example.org/emile-information",
            language=Language.fr,
            capacity=25,
        ),
        Workshop(
            kind=WorkshopKind.information_meeting,
            audience=Audience.candidates,
            title="Réunion d'information EMILE à Paris",
            description="Comment marche EMILE, les territoires, les étapes. " + sample,
            starts_at=at(17, 10),
            duration_minutes=90,
            place="Paris",
            language=Language.fr,
            capacity=15,
        ),
    ]


def seed_sample_workshops(
    session: Session, now: datetime | None = None, timezone: str = "Europe/Paris"
) -> int:
    """Add a few sample workshops in the coming weeks when none is upcoming; returns how many."""
    now = now or utcnow()
    upcoming = session.scalar(
        select(Workshop.id).where(Workshop.starts_at > now, Workshop.cancelled.is_(False)).limit(1)
    )
    if upcoming is not None:
        return 0
    workshops = _sample_workshops(now, ZoneInfo(timezone))
    session.add_all(workshops)
    session.flush()
    return len(workshops)
