"""Console pages for workshops: upcoming sessions with seats left, registrants, CSV; admins edit.

Dates are typed and shown in the programme's timezone (Europe/Paris by default) and stored in
UTC, through the API's own schemas and services, so the console accepts exactly what the API
accepts.
"""

import csv
import io
from datetime import date, datetime, time
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Request, Response
from pydantic import ValidationError
from sqlalchemy.orm import Session

from api.audit import record
from api.console.forms import parse_id
from api.console.rendering import redirect, render, secure
from api.console.security import ConsoleError, FormFields, check_csrf, signed_in
from api.deps import SessionDep
from api.enums import Audience, Language, RegistrationStatus, Scope, WorkshopKind
from api.errors import ApiError
from api.models import Workshop
from api.models.base import utcnow
from api.schemas.workshops import WorkshopCreate, WorkshopUpdate
from api.security import Principal
from api.services import workshops as service
from api.services.export import BOM, neutralise

router = APIRouter(prefix="/console", include_in_schema=False)

Reader = Annotated[Principal, Depends(signed_in())]
Admin = Annotated[Principal, Depends(signed_in(Scope.workshops_admin))]
FIELDS = (
    "title",
    "kind",
    "audience",
    "day",
    "start",
    "duration_minutes",
    "place",
    "online_url",
    "language",
    "capacity",
    "description",
)


def _tz(request: Request) -> ZoneInfo:
    return ZoneInfo(request.app.state.settings.timezone)


def _workshop(session: Session, raw_id: str) -> Workshop:
    number = parse_id(raw_id)
    workshop = session.get(Workshop, number) if number is not None else None
    if workshop is None:
        raise ConsoleError(404, "workshop")
    return workshop


def form_values(workshop: Workshop, tz: ZoneInfo) -> dict[str, str]:
    """A workshop's fields as the form shows them (local day and time)."""
    local = workshop.starts_at.astimezone(tz)
    return {
        "title": workshop.title,
        "kind": workshop.kind.value,
        "audience": workshop.audience.value,
        "day": local.date().isoformat(),
        "start": local.strftime("%H:%M"),
        "duration_minutes": str(workshop.duration_minutes),
        "place": workshop.place or "",
        "online_url": workshop.online_url or "",
        "language": workshop.language.value,
        "capacity": str(workshop.capacity),
        "description": workshop.description or "",
    }


def parse_workshop_form(
    fields: dict[str, str], tz: ZoneInfo, creating: bool
) -> tuple[dict[str, Any], dict[str, str]]:
    """The API's fields from the typed ones, and error codes by field."""
    values = {name: fields.get(name, "").strip() for name in FIELDS}
    errors: dict[str, str] = {}
    data: dict[str, Any] = {}
    for name in ("title", "day", "start", "capacity"):
        if not values[name]:
            errors[name] = "required"
    try:
        day = date.fromisoformat(values["day"]) if values["day"] else None
    except ValueError:
        errors["day"] = "date"
        day = None
    try:
        start = time.fromisoformat(values["start"]) if values["start"] else None
    except ValueError:
        errors["start"] = "time"
        start = None
    if day is not None and start is not None:
        data["starts_at"] = datetime.combine(day, start, tzinfo=tz)
    for name in ("capacity", "duration_minutes"):
        if values[name]:
            if values[name].isdigit() and len(values[name]) < 6:
                data[name] = int(values[name])
            else:
                errors[name] = "number"
    for name, enum in (("kind", WorkshopKind), ("audience", Audience), ("language", Language)):
        if values[name] in {member.value for member in enum}:
            data[name] = values[name]
        else:
            errors[name] = "choice"
    for name in ("title", "place", "online_url", "description"):
        if values[name]:
            data[name] = values[name]
        elif not creating and name != "title":
            data[name] = None
    if not values["place"] and not values["online_url"]:
        errors["place"] = "somewhere"
    if errors:
        return data, errors
    schema = WorkshopCreate if creating else WorkshopUpdate
    try:
        schema.model_validate(data)
    except ValidationError as exc:
        for problem in exc.errors():
            where = str(problem["loc"][0]) if problem["loc"] else "title"
            name = "day" if where == "starts_at" else where
            errors.setdefault(name if name in FIELDS else "title", "workshop_" + name)
    return data, errors


def _form_page(
    request: Request,
    workshop: Workshop | None,
    values: dict[str, str],
    errors: dict[str, str],
    status_code: int = 200,
) -> Response:
    context = {
        "workshop": workshop,
        "values": values,
        "errors": errors,
        "kinds": [k.value for k in WorkshopKind],
        "audiences": [a.value for a in Audience],
        "languages": [lang.value for lang in Language],
        "section": "workshops",
    }
    return render(request, "workshop_form.html", context, status_code)


@router.get("/ateliers", name="console_workshops")
def workshops_page(request: Request, principal: Reader, session: SessionDep) -> Response:
    """Upcoming sessions, soonest first, with the seats left."""
    now = utcnow()
    upcoming = service.list_workshops(session, now, upcoming=True, limit=200)
    session.commit()
    context = {
        "workshops": upcoming,
        "section": "workshops",
        "message": request.query_params.get("message"),
    }
    return render(request, "workshops.html", context)


@router.get("/ateliers/nouveau", name="console_new_workshop")
def new_workshop_page(request: Request, principal: Admin) -> Response:
    """The form of a new session."""
    values = {name: "" for name in FIELDS}
    values.update(kind="information_meeting", audience="candidates", language="fr")
    values.update(duration_minutes="90")
    return _form_page(request, None, values, {})


@router.post("/ateliers/nouveau", name="console_create_workshop")
def create_workshop(
    request: Request, principal: Admin, session: SessionDep, fields: FormFields
) -> Response:
    """Create the session; errors in words with the typed values kept."""
    check_csrf(request, fields)
    data, errors = parse_workshop_form(fields, _tz(request), creating=True)
    values = {name: fields.get(name, "") for name in FIELDS}
    if errors:
        return _form_page(request, None, values, errors, 400)
    workshop = service.create_workshop(session, WorkshopCreate.model_validate(data))
    record(session, principal, "create", "workshop", workshop.id)
    session.commit()
    return redirect(request, f"/ateliers/{workshop.id}", message="workshop_created")


@router.get("/ateliers/{workshop_id}", name="console_workshop")
def workshop_page(
    request: Request, workshop_id: str, principal: Reader, session: SessionDep
) -> Response:
    """One session: where and when, seats left, and who registered."""
    workshop = _workshop(session, workshop_id)
    registrations = [
        r
        for r in service.workshop_registrations(session, workshop.id)
        if r.status == RegistrationStatus.confirmed
    ]
    record(session, principal, "read", "registrations", workshop.id)
    session.commit()
    context = {
        "workshop": workshop,
        "registrations": registrations,
        "section": "workshops",
        "message": request.query_params.get("message"),
    }
    return render(request, "workshop.html", context)


@router.get("/ateliers/{workshop_id}/modifier", name="console_edit_workshop")
def edit_workshop_page(
    request: Request, workshop_id: str, principal: Admin, session: SessionDep
) -> Response:
    """The form of an existing session, filled in."""
    workshop = _workshop(session, workshop_id)
    session.commit()
    return _form_page(request, workshop, form_values(workshop, _tz(request)), {})


@router.post("/ateliers/{workshop_id}/modifier", name="console_update_workshop")
def update_workshop(
    request: Request, workshop_id: str, principal: Admin, session: SessionDep, fields: FormFields
) -> Response:
    """Save the changes (the capacity never below the seats taken)."""
    check_csrf(request, fields)
    workshop = _workshop(session, workshop_id)
    data, errors = parse_workshop_form(fields, _tz(request), creating=False)
    values = {name: fields.get(name, "") for name in FIELDS}
    if not errors:
        try:
            service.update_workshop(session, workshop.id, WorkshopUpdate.model_validate(data))
        except ApiError as exc:
            if exc.code != "capacity_below_seats_taken":
                raise
            session.rollback()
            errors["capacity"] = "below_taken"
        else:
            record(session, principal, "update", "workshop", workshop.id)
            session.commit()
            return redirect(request, f"/ateliers/{workshop.id}", message="workshop_saved")
    workshop = _workshop(session, workshop_id)
    return _form_page(request, workshop, values, errors, 400 if errors else 200)


@router.post("/ateliers/{workshop_id}/annulation", name="console_cancel_workshop")
def cancel_workshop(
    request: Request, workshop_id: str, principal: Admin, session: SessionDep, fields: FormFields
) -> Response:
    """Cancel the session: it leaves the upcoming list and takes no more registrations."""
    check_csrf(request, fields)
    workshop = _workshop(session, workshop_id)
    service.update_workshop(session, workshop.id, WorkshopUpdate(cancelled=True))
    record(session, principal, "update", "workshop", workshop.id, detail="cancelled")
    session.commit()
    return redirect(request, f"/ateliers/{workshop.id}", message="workshop_cancelled")


REGISTRANT_COLUMNS = (
    "Référence",
    "Nom",
    "Structure",
    "Téléphone",
    "Courriel",
    "Langue",
    "Inscrit le",
)


@router.get("/ateliers/{workshop_id}/inscriptions.csv", name="console_registrations_csv")
def registrations_csv(
    request: Request, workshop_id: str, principal: Reader, session: SessionDep
) -> Response:
    """The registrants as CSV for a French spreadsheet (BOM, `;`, CRLF), like the API's export."""
    workshop = _workshop(session, workshop_id)
    tz = _tz(request)
    rows = [
        r
        for r in service.workshop_registrations(session, workshop.id)
        if r.status == RegistrationStatus.confirmed
    ]
    buffer = io.StringIO()
    buffer.write(BOM)
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(REGISTRANT_COLUMNS)
    for r in rows:
        cells = [
            r.reference,
            r.name,
            r.organisation or "",
            r.phone or "",
            r.email or "",
            r.language.value if r.language else "",
            r.created_at.astimezone(tz).strftime("%d/%m/%Y %H:%M"),
        ]
        writer.writerow([neutralise(cell) for cell in cells])
    record(session, principal, "export", "registrations", workshop.id)
    session.commit()
    filename = f"inscrits-atelier-{workshop.id}-{workshop.starts_at.astimezone(tz):%Y%m%d}.csv"
    return secure(
        Response(
            buffer.getvalue().encode(),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{filename}"'},
        )
    )
