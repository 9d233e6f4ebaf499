"""Creating, finding, listing and moving applications along their pipeline."""

import hashlib
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, Row, Select, exists, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from api.codes import new_reference, normalise_reference
from api.enums import ALLOWED_TRANSITIONS, ApplicationStatus, Language, Verdict
from api.errors import ApiError, not_found
from api.models import (
    Application,
    ApplicationTerritory,
    IdempotencyRecord,
    StatusChange,
    Territory,
)
from api.models.base import utcnow
from api.schemas.applications import ApplicationCreate
from api.security import Principal

REFERENCE_ATTEMPTS = 8
_REFERENCE_SHAPE = re.compile(r"[A-Z0-9]{1,12}")
# Dates outside this range cannot be turned into timestamps on every backend.
_FIRST_DAY = date(1970, 1, 1)
_LAST_DAY = date(9999, 12, 30)


def body_hash(data: ApplicationCreate) -> str:
    """SHA-256 of the validated body in canonical JSON: equal bodies, equal hashes."""
    canonical = json.dumps(
        data.model_dump(mode="json"), sort_keys=True, separators=(",", ":"), ensure_ascii=False
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


@dataclass(frozen=True)
class PhoneQuota:
    """At most `applications` new applications per phone within `days` days."""

    applications: int
    days: int


def create_application(
    session: Session,
    principal: Principal,
    idempotency_key: str,
    data: ApplicationCreate,
    quota: PhoneQuota,
) -> tuple[Application, bool]:
    """Store a new application, or return the one this key already made (replayed=True)."""
    digest = body_hash(data)
    record = session.scalar(_idempotency_record(principal, idempotency_key))
    if record is not None:
        return _replay(session, record, digest), True
    _check_territories(session, data.territory_preferences)
    _check_phone_quota(session, data.phone, quota)
    try:
        with session.begin_nested():
            application = _insert_application(session, principal, data)
            session.add(
                IdempotencyRecord(
                    key=idempotency_key,
                    api_key_id=principal.key_id,
                    body_hash=digest,
                    application_id=application.id,
                )
            )
            session.flush()
    except IntegrityError:
        # A concurrent delivery with the same key won the race: answer with its result.
        record = session.scalar(
            _idempotency_record(principal, idempotency_key).execution_options(
                populate_existing=True
            )
        )
        if record is None:
            raise
        return _replay(session, record, digest), True
    return application, False


def _idempotency_record(principal: Principal, key: str) -> Select[tuple[IdempotencyRecord]]:
    return select(IdempotencyRecord).where(
        IdempotencyRecord.api_key_id == principal.key_id, IdempotencyRecord.key == key
    )


def _replay(session: Session, record: IdempotencyRecord, digest: str) -> Application:
    if record.erased:
        raise ApiError(410, "erased", "the application made with this Idempotency-Key was erased")
    if record.body_hash != digest:
        raise ApiError(
            422,
            "idempotency_key_reused",
            "this Idempotency-Key was already used with a different body",
        )
    application = (
        session.get(Application, record.application_id)
        if record.application_id is not None
        else None
    )
    if application is None:
        raise ApiError(410, "erased", "the application made with this Idempotency-Key was erased")
    return application


def _check_phone_quota(session: Session, phone: str, quota: PhoneQuota) -> None:
    since = utcnow() - timedelta(days=quota.days)
    recent = session.scalars(
        select(Application.created_at)
        .where(Application.phone == phone, Application.created_at >= since)
        .order_by(Application.created_at)
    ).all()
    if len(recent) >= quota.applications:
        # The oldest of them leaves the window first: then one more is accepted.
        retry_after = recent[-quota.applications] + timedelta(days=quota.days) - utcnow()
        raise ApiError(
            429,
            "application_quota",
            f"this phone already made {len(recent)} applications in {quota.days} days; "
            "an operator will get in touch",
            headers={"Retry-After": str(max(1, int(retry_after.total_seconds())))},
        )


def _check_territories(session: Session, codes: list[str]) -> None:
    if not codes:
        return
    active = set(
        session.scalars(select(Territory.code).where(Territory.code.in_(codes), Territory.active))
    )
    unknown = [code for code in codes if code not in active]
    if unknown:
        raise ApiError(
            422,
            "unknown_territory",
            f"territory_preferences: not an active host territory: {', '.join(unknown)}",
        )


def _insert_application(
    session: Session, principal: Principal, data: ApplicationCreate
) -> Application:
    answers = data.answers
    fields = {
        "first_name": data.first_name,
        "last_name": data.last_name,
        "phone": data.phone,
        "email": data.email,
        "language": data.language,
        "channel": data.channel,
        "consent_at": data.consent_at,
        "residence_area": answers.residence_area,
        "housing_situation": answers.housing_situation,
        "right_to_work": answers.right_to_work,
        "work_situation": answers.work_situation,
        "ready_to_move": answers.ready_to_move,
        "adults": answers.adults,
        "children": answers.children,
        "trades": [t.value for t in answers.trades],
        "experience_years": answers.experience_years,
        "driving_licence": answers.driving_licence,
        "french_level": answers.french_level,
        "verdict": data.verdict.result,
        "verdict_reasons": list(data.verdict.reasons),
        "rules_version": data.verdict.rules_version,
    }
    for attempt in range(REFERENCE_ATTEMPTS):
        reference = new_reference()
        if session.scalar(select(Application.id).where(Application.reference == reference)):
            continue
        application = Application(
            reference=reference,
            status=ApplicationStatus.new,
            territories=[
                ApplicationTerritory(territory_code=code, rank=rank)
                for rank, code in enumerate(data.territory_preferences)
            ],
            **fields,
        )
        try:
            with session.begin_nested():
                session.add(application)
                session.flush()
        except IntegrityError:
            # Two requests drew the same reference at the same moment; draw again.
            if attempt == REFERENCE_ATTEMPTS - 1:
                raise
            continue
        session.add(
            StatusChange(
                application_id=application.id,
                from_status=None,
                to_status=ApplicationStatus.new,
                actor=principal.name,
            )
        )
        return application
    raise ApiError(409, "conflict", "could not allocate a reference code; try again")


def find_by_reference(
    session: Session, principal: Principal, raw_reference: str, for_update: bool = False
) -> Application:
    """The application with this reference if this key may see it, else 404."""
    reference = normalise_reference(raw_reference)
    if not _REFERENCE_SHAPE.fullmatch(reference):
        raise not_found("application")
    query = select(Application).where(Application.reference == reference)
    if for_update:
        query = query.with_for_update()
    application = session.scalar(query)
    if application is None or not principal.sees_territories(application.territory_preferences):
        raise not_found("application")
    return application


def find_for_person(session: Session, raw_reference: str, phone: str) -> Application:
    """The application with this reference and phone, else the same 404 either way."""
    reference = normalise_reference(raw_reference)
    application = None
    if _REFERENCE_SHAPE.fullmatch(reference):
        application = session.scalar(
            select(Application).where(
                Application.reference == reference, Application.phone == phone
            )
        )
    if application is None:
        raise ApiError(404, "not_found", "no application matches this reference and phone number")
    return application


@dataclass(frozen=True)
class ApplicationFilters:
    """What operators filter lists and exports by."""

    status: ApplicationStatus | None = None
    territory: str | None = None
    verdict: Verdict | None = None
    language: Language | None = None
    created_from: date | None = None
    created_to: date | None = None
    q: str | None = None

    def summary(self) -> str:
        """The filters for the audit log; the search text may be a name, so it is withheld."""
        parts = [
            f"{name}={value}"
            for name, value in (
                ("status", self.status),
                ("territory", self.territory),
                ("verdict", self.verdict),
                ("language", self.language),
                ("created_from", self.created_from),
                ("created_to", self.created_to),
            )
            if value is not None
        ]
        if self.q:
            parts.append("q=(withheld)")
        return " ".join(parts) or "no filter"


def _day_start(day: date, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, time.min, tzinfo=tz)


def _conditions(
    principal: Principal, filters: ApplicationFilters, tz: ZoneInfo
) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if principal.territories is not None:
        conditions.append(_prefers_one_of(sorted(principal.territories)))
    if filters.territory is not None:
        conditions.append(_prefers_one_of([filters.territory]))
    if filters.status is not None:
        conditions.append(Application.status == filters.status)
    if filters.verdict is not None:
        conditions.append(Application.verdict == filters.verdict)
    if filters.language is not None:
        conditions.append(Application.language == filters.language)
    if filters.created_from is not None:
        first = max(filters.created_from, _FIRST_DAY)
        conditions.append(Application.created_at >= _day_start(first, tz))
    if filters.created_to is not None and filters.created_to < _LAST_DAY:
        last = max(filters.created_to, _FIRST_DAY)
        conditions.append(Application.created_at < _day_start(last + timedelta(days=1), tz))
    if filters.q:
        needle = filters.q.lower()
        matches = [
            func.lower(Application.first_name).contains(needle, autoescape=True),
            func.lower(Application.last_name).contains(needle, autoescape=True),
        ]
        reference = normalise_reference(filters.q)
        if reference:
            matches.append(Application.reference.contains(reference, autoescape=True))
        conditions.append(or_(*matches))
    return conditions


def visible_to(principal: Principal, tz: ZoneInfo) -> list[ColumnElement[bool]]:
    """The conditions that keep the applications `principal` may see (its territories)."""
    return _conditions(principal, ApplicationFilters(), tz)


def _prefers_one_of(codes: list[str]) -> ColumnElement[bool]:
    return exists().where(
        ApplicationTerritory.application_id == Application.id,
        ApplicationTerritory.territory_code.in_(codes),
    )


def _ordered(
    principal: Principal, filters: ApplicationFilters, tz: ZoneInfo
) -> Select[tuple[Application]]:
    return (
        select(Application)
        .where(*_conditions(principal, filters, tz))
        .order_by(Application.created_at.desc(), Application.id.desc())
    )


def list_applications(
    session: Session,
    principal: Principal,
    filters: ApplicationFilters,
    tz: ZoneInfo,
    page: int,
    page_size: int,
) -> tuple[list[Application], int]:
    """One page of the applications this key sees, newest first, and how many match."""
    total = _count(session, principal, filters, tz)
    query = _ordered(principal, filters, tz).offset((page - 1) * page_size).limit(page_size)
    return list(session.scalars(query)), total


def _count(
    session: Session, principal: Principal, filters: ApplicationFilters, tz: ZoneInfo
) -> int:
    conditions = _conditions(principal, filters, tz)
    return session.scalar(select(func.count()).select_from(Application).where(*conditions)) or 0


@dataclass(frozen=True)
class ApplicationRows:
    """A page of applications as plain rows, and each one's territories in order of choice."""

    rows: list[Row[Any]]
    territories: dict[int, list[str]]
    total: int


def list_application_rows(
    session: Session,
    principal: Principal,
    filters: ApplicationFilters,
    tz: ZoneInfo,
    page: int,
    page_size: int,
) -> ApplicationRows:
    """`list_applications` without the ORM: what the API's list answers from, much faster."""
    total = _count(session, principal, filters, tz)
    query = _ordered(principal, filters, tz).offset((page - 1) * page_size).limit(page_size)
    rows = list(session.execute(query.with_only_columns(*Application.__table__.columns)))
    territories: dict[int, list[str]] = {row.id: [] for row in rows}
    if rows:
        for application_id, code in session.execute(
            select(ApplicationTerritory.application_id, ApplicationTerritory.territory_code)
            .where(ApplicationTerritory.application_id.in_(list(territories)))
            .order_by(ApplicationTerritory.application_id, ApplicationTerritory.rank)
        ):
            territories[application_id].append(code)
    return ApplicationRows(rows, territories, total)


def count_by_status(
    session: Session, principal: Principal, filters: ApplicationFilters, tz: ZoneInfo
) -> dict[ApplicationStatus, int]:
    """How many applications this key sees in each status, with every filter but the status."""
    conditions = _conditions(principal, replace(filters, status=None), tz)
    rows = session.execute(
        select(Application.status, func.count()).where(*conditions).group_by(Application.status)
    )
    return {status: count for status, count in rows.tuples()}


def iter_applications(
    session: Session, principal: Principal, filters: ApplicationFilters, tz: ZoneInfo
) -> Iterator[Application]:
    """Every matching application this key sees, newest first, fetched in batches."""
    query = _ordered(principal, filters, tz).execution_options(yield_per=500)
    yield from session.scalars(query)


def change_status(
    session: Session,
    principal: Principal,
    application: Application,
    new_status: ApplicationStatus,
    note: str | None,
) -> StatusChange:
    """Move the application to `new_status` if its pipeline allows it, else 409."""
    allowed = ALLOWED_TRANSITIONS[application.status]
    if new_status not in allowed:
        options = ", ".join(sorted(s.value for s in allowed)) or "none, this status is final"
        raise ApiError(
            409,
            "invalid_transition",
            f"an application cannot go from {application.status.value} to {new_status.value}; "
            f"allowed from {application.status.value}: {options}",
        )
    change = StatusChange(
        application_id=application.id,
        from_status=application.status,
        to_status=new_status,
        note=note,
        actor=principal.name,
    )
    now = utcnow()
    application.status = new_status
    application.last_contact_at = now
    application.updated_at = now
    session.add(change)
    session.flush()
    return change


def history(session: Session, application: Application) -> list[StatusChange]:
    """Every status the application went through, its creation first."""
    return list(
        session.scalars(
            select(StatusChange)
            .where(StatusChange.application_id == application.id)
            .order_by(StatusChange.id)
        )
    )
