"""The operator console: server-rendered pages over the same services as the API.

Reads, changes and erasures go through `api.services` with the same territory scoping and the
same audit entries as the API. Every handler commits before it renders, as the API's handlers
do; pages that only read take a read session, so they never wait for SQLite's write lock.
"""

import math
import re
from datetime import timedelta
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import RedirectResponse
from sqlalchemy.orm import Session

from api.audit import record
from api.codes import normalise_reference
from api.console.forms import (
    ListQuery,
    filter_values,
    parse_id,
    parse_list_query,
    parse_note,
    parse_status,
)
from api.console.rendering import redirect, render, secure
from api.console.security import (
    ConsoleError,
    FormFields,
    SignInRequired,
    check_csrf,
    forget_session,
    keep_session,
    safe_next,
    session_token,
    signed_in,
    signed_in_account,
)
from api.deps import ReadSessionDep, SessionDep, SettingsDep, StreamSessionDep
from api.enums import ALLOWED_TRANSITIONS, ApplicationStatus, CallbackStatus, Scope
from api.errors import ApiError
from api.models import Application
from api.routes.applications import csv_response
from api.security import Principal
from api.services import accounts as accounts_service
from api.services import applications as service
from api.services import callbacks as callbacks_service
from api.services.erasure import erase_application
from api.settings import Settings

router = APIRouter(prefix="/console", include_in_schema=False)

Reader = Annotated[Principal, Depends(signed_in())]
Updater = Annotated[Principal, Depends(signed_in(Scope.applications_update))]
CallbackReader = Annotated[Principal, Depends(signed_in(Scope.callbacks_read))]

PAGE_SIZE = 50
_MESSAGE_CODE = re.compile(r"[a-z_]{1,40}")


def _timezone(request: Request) -> ZoneInfo:
    return ZoneInfo(request.app.state.settings.timezone)


def _message(request: Request) -> str | None:
    """The code of the message a redirect asked the page to show (the template has the text)."""
    code = request.query_params.get("message", "")
    return code if _MESSAGE_CODE.fullmatch(code) else None


def _territory_names(request: Request) -> dict[str, str]:
    """Territory names by code, loaded with the signed-in key (`security.signed_in`)."""
    names: dict[str, str] = request.state.console_territory_names
    return names


def _find(
    session: Session, principal: Principal, reference: str, for_update: bool = False
) -> Application:
    """The application, or the console's 404 page (also when outside the key's territories)."""
    try:
        return service.find_by_reference(session, principal, reference, for_update=for_update)
    except ApiError as exc:
        if exc.status_code == 404:
            raise ConsoleError(404, "application") from exc
        raise


# Sign-in and sign-out


def _after_sign_in(request: Request, suite: str | None) -> Response:
    if suite:
        return secure(RedirectResponse(suite, status_code=303))
    return redirect(request, "/candidatures")


@router.get("", name="console_home")
@router.get("/", name="console_home_slash")
def home(request: Request) -> Response:
    """The console starts at the list of applications."""
    return redirect(request, "/candidatures")


@router.get("/connexion", name="console_sign_in")
def sign_in_page(request: Request, session: ReadSessionDep) -> Response:
    """The sign-in form (or the list, when the browser is already signed in)."""
    suite = safe_next(request, request.query_params.get("suite"))
    account = signed_in_account(session, request)
    session.commit()
    if account is not None:
        return _after_sign_in(request, suite)
    return render(
        request, "sign_in.html", {"suite": suite, "message": _message(request), "values": {}}
    )


@router.post("/connexion", name="console_sign_in_post")
def sign_in(
    request: Request, session: SessionDep, settings: SettingsDep, fields: FormFields
) -> Response:
    """Check the e-mail and password, start a server-side session and keep its id in a cookie.

    Wrong passwords are counted: after `EMILE_SIGN_IN_ATTEMPTS` in a row the account is locked
    for `EMILE_LOCKOUT_MINUTES`, and each failure and lock-out is in the audit log.
    """
    check_csrf(request, fields)
    suite = safe_next(request, fields.get("suite"))
    email = fields.get("email", "").strip()
    password = fields.get("password", "")
    values = {"email": email}
    errors: dict[str, str] = {}
    if not email:
        errors["email"] = "required"
    if not password:
        errors["password"] = "required"
    if errors:
        context = {"suite": suite, "errors": errors, "values": values}
        return render(request, "sign_in.html", context, 400)
    length = timedelta(hours=settings.console_session_hours)
    result = accounts_service.sign_in(
        session,
        email,
        password,
        attempts=settings.sign_in_attempts,
        lockout=timedelta(minutes=settings.lockout_minutes),
        session_length=length,
    )
    account = result.account
    if result.token is None or account is None:
        if account is not None:
            actor = accounts_service.principal_of(account)
            action = "sign_in_locked" if result.problem == "locked" else "sign_in_failed"
            record(session, actor, action, "account", account.id)
        else:
            # Never the typed address: it may be anything, even someone's personal data.
            record(session, "console", "sign_in_failed", "account")
        session.commit()
        problem = result.problem or "invalid"
        context = {"suite": suite, "errors": {"password": problem}, "values": values}
        return render(request, "sign_in.html", context, 401)
    principal = accounts_service.principal_of(account)
    record(session, principal, "sign_in", "account", account.id)
    session.commit()
    if Scope.applications_read not in principal.scopes:
        raise ConsoleError(403, f"scope:{Scope.applications_read.value}")
    response = _after_sign_in(request, suite)
    keep_session(request, response, result.token, max_age=int(length.total_seconds()))
    return response


@router.post("/deconnexion", name="console_sign_out")
def sign_out(request: Request, session: SessionDep, fields: FormFields) -> Response:
    """End the session on the server (its id is refused from now on) and drop the cookie."""
    check_csrf(request, fields)
    account = signed_in_account(session, request)
    accounts_service.end_session(session, session_token(request))
    if account is not None:
        record(session, accounts_service.principal_of(account), "sign_out", "account", account.id)
    session.commit()
    response = redirect(request, "/connexion", message="signed_out")
    forget_session(request, response)
    return response


# Applications


def _list_context(request: Request, principal: Principal, query: ListQuery) -> dict[str, Any]:
    """What the list page shows besides the applications: filters, territories, options."""
    names = _territory_names(request)
    visible = (
        names
        if principal.territories is None
        else {code: name for code, name in names.items() if code in principal.territories}
    )
    return {
        "values": query.raw,
        "kept_filters": filter_values(query),
        "errors": query.errors,
        "territory_names": names,
        "territory_options": sorted(visible.items(), key=lambda item: item[1]),
        "message": _message(request),
        "items": [],
        "total": 0,
        "counts": {},
        "all_count": 0,
        "page": query.page,
        "pages": 1,
    }


@router.get("/candidatures", name="console_applications")
def applications_page(
    request: Request,
    principal: Reader,
    reads: ReadSessionDep,
    session: SessionDep,
    settings: SettingsDep,
) -> Response:
    """Applications this key sees, newest first, filtered, a page at a time, with counts."""
    query = parse_list_query(request.query_params)
    context = _list_context(request, principal, query)
    if query.errors:
        return render(request, "applications.html", context, 400)
    tz = _timezone(request)
    page_size = min(PAGE_SIZE, settings.page_size_max)
    items, total = service.list_applications(
        reads, principal, query.filters, tz, query.page, page_size
    )
    counts = service.count_by_status(reads, principal, query.filters, tz)
    reads.commit()
    record(
        session,
        principal,
        "list",
        "application",
        detail=f"{query.filters.summary()} page={query.page} page_size={page_size}",
    )
    session.commit()
    context.update(
        items=items,
        total=total,
        counts={status.value: count for status, count in counts.items()},
        all_count=sum(counts.values()),
        pages=max(1, math.ceil(total / page_size)),
    )
    return render(request, "applications.html", context)


@router.get("/candidatures/export.csv", name="console_export")
def export_page(
    request: Request, principal: Reader, session: SessionDep, reads: StreamSessionDep
) -> Response:
    """The API's CSV export with the list's filters, for the signed-in key."""
    query = parse_list_query(request.query_params)
    if query.errors:
        context = _list_context(request, principal, query)
        return render(request, "applications.html", context, 400)
    record(session, principal, "export", "application", detail=query.filters.summary())
    session.commit()
    return secure(csv_response(reads, principal, query.filters, _timezone(request)))


def _application_page(
    request: Request,
    session: Session,
    principal: Principal,
    application: Application,
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    """One application, its history and its forms (read and history audited as in the API)."""
    changes = service.history(session, application)
    names = _territory_names(request)
    record(session, principal, "read", "application", application.id)
    record(session, principal, "history", "application", application.id)
    session.commit()
    allowed = ALLOWED_TRANSITIONS[application.status]
    context = {
        "application": application,
        "changes": changes,
        "territory_names": names,
        "next_statuses": [s.value for s in ApplicationStatus if s in allowed],
        "can_update": Scope.applications_update in principal.scopes,
        "errors": errors or {},
        "values": values or {},
        "message": _message(request),
    }
    return render(request, "application.html", context, status_code)


@router.get("/candidatures/{reference}", name="console_application")
def application_page(
    request: Request, reference: str, principal: Reader, session: SessionDep
) -> Response:
    """One application: answers, verdict, territories, history; status form."""
    application = _find(session, principal, reference)
    return _application_page(request, session, principal, application)


@router.post("/candidatures/{reference}/statut", name="console_change_status")
def change_status(
    request: Request,
    reference: str,
    principal: Updater,
    session: SessionDep,
    fields: FormFields,
) -> Response:
    """Move the application to the chosen status, with a note (as the API's route does)."""
    check_csrf(request, fields)
    application = _find(session, principal, reference, for_update=True)
    new_status = parse_status(fields.get("status"))
    note, note_error = parse_note(fields.get("note"), required=False)
    errors: dict[str, str] = {}
    if new_status is None:
        errors["status"] = "choose_status"
    if note_error is not None:
        errors["note"] = note_error
    status_code = 400
    if new_status is not None and not errors:
        try:
            change = service.change_status(session, principal, application, new_status, note)
        except ApiError as exc:
            if exc.code != "invalid_transition":
                raise
            errors["status"] = "transition"
            status_code = 409
        else:
            record(
                session,
                principal,
                "status_change",
                "application",
                application.id,
                detail=f"{change.from_status} -> {change.to_status}",
            )
            session.commit()
            return redirect(
                request, f"/candidatures/{application.reference}", message="status_changed"
            )
    values = {"status": fields.get("status", ""), "note": fields.get("note", "")}
    return _application_page(request, session, principal, application, errors, values, status_code)


def _erase_page(
    request: Request,
    session: Session,
    principal: Principal,
    application: Application,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    record(session, principal, "read", "application", application.id)
    session.commit()
    context = {"application": application, "errors": errors or {}}
    return render(request, "erase.html", context, status_code)


@router.get("/candidatures/{reference}/effacement", name="console_erase")
def erase_page(
    request: Request, reference: str, principal: Updater, session: SessionDep
) -> Response:
    """The confirmation step before erasing: the operator types the reference."""
    application = _find(session, principal, reference)
    return _erase_page(request, session, principal, application)


@router.post("/candidatures/{reference}/effacement", name="console_erase_post")
def erase(
    request: Request,
    reference: str,
    principal: Updater,
    session: SessionDep,
    fields: FormFields,
) -> Response:
    """Erase the application for good once its reference has been typed (as the API does)."""
    check_csrf(request, fields)
    application = _find(session, principal, reference, for_update=True)
    typed = fields.get("confirmation", "")
    if normalise_reference(typed) != application.reference:
        error = "required" if not typed.strip() else "mismatch"
        return _erase_page(request, session, principal, application, {"confirmation": error}, 400)
    erase_application(session, application, "operator", principal)
    session.commit()
    request.app.state.scrubber.scrub()
    return redirect(request, "/candidatures", message="erased")


# Callback requests


def _callbacks_page(
    request: Request,
    session: Session,
    settings: Settings,
    principal: Principal,
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    raw_status = request.query_params.get("status", CallbackStatus.open.value)
    status = next((s for s in CallbackStatus if s.value == raw_status), None)
    page = parse_id(request.query_params.get("page", "1"))
    if status is None or page is None or page > 1_000_000:
        raise ConsoleError(400, "bad_query")
    names = _territory_names(request)
    visible = (
        names
        if principal.territories is None
        else {code: name for code, name in names.items() if code in principal.territories}
    )
    territory = request.query_params.get("territory", "").strip() or None
    if territory is not None and territory not in visible:
        raise ConsoleError(400, "bad_query")
    page_size = min(PAGE_SIZE, settings.page_size_max)
    # The API's query and audit entry; those still waiting, who waited longest first.
    items, total = callbacks_service.list_callbacks(
        session,
        principal,
        status,
        page,
        page_size,
        territory=territory,
        oldest_first=status == CallbackStatus.open,
    )
    record(
        session,
        principal,
        "read",
        "callbacks",
        detail=f"status={status.value} territory={territory or ''} page={page} "
        f"page_size={page_size}",
    )
    session.commit()
    kept = {"status": status.value if status != CallbackStatus.open else "", "territory": territory}
    context = {
        "callbacks": items,
        "total": total,
        "page": page,
        "pages": max(1, math.ceil(total / page_size)),
        "status": status.value,
        "territory": territory or "",
        "territory_options": sorted(visible.items(), key=lambda item: item[1]),
        "kept_filters": {name: value for name, value in kept.items() if value},
        "territory_names": names,
        "errors": errors or {},
        "values": values or {},
        "message": _message(request),
    }
    return render(request, "callbacks.html", context, status_code)


@router.get("/rappels", name="console_callbacks")
def callbacks_page(
    request: Request, principal: CallbackReader, session: SessionDep, settings: SettingsDep
) -> Response:
    """Callback requests, those still to call first."""
    return _callbacks_page(request, session, settings, principal)


@router.post("/rappels/{callback_id}/cloture", name="console_close_callback")
def close_callback(
    request: Request,
    callback_id: str,
    principal: CallbackReader,
    session: SessionDep,
    settings: SettingsDep,
    fields: FormFields,
) -> Response:
    """Close a callback request with a note on how the call went (as the API does)."""
    check_csrf(request, fields)
    number = parse_id(callback_id)
    if number is None:
        raise ConsoleError(404, "callback")
    note, error = parse_note(fields.get("note"), required=True)
    status_code = 400
    if note is not None:
        try:
            callbacks_service.close_callback(session, principal, number, note)
            record(session, principal, "update", "callbacks", number, detail="closed")
            session.commit()
        except ApiError as exc:
            if exc.status_code == 404:
                raise ConsoleError(404, "callback") from exc
            if exc.status_code != 409:
                raise
            error, status_code = "already_closed", 409
        else:
            return redirect(request, "/rappels", message="callback_closed")
    errors = {str(number): error or "text"}
    values = {str(number): fields.get("note", "")}
    return _callbacks_page(request, session, settings, principal, errors, values, status_code)


@router.get("/{path:path}", name="console_not_found")
def not_found_page(request: Request) -> Response:
    """Any other console address."""
    raise ConsoleError(404, "page")


async def sign_in_required(request: Request, exc: Exception) -> Response:
    """Send the browser to the sign-in page, and back to this page afterwards."""
    query: dict[str, str] = {}
    if request.method == "GET":
        here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        if safe_next(request, here):
            query["suite"] = here
    response = redirect(request, "/connexion", **query)
    if isinstance(exc, SignInRequired) and exc.clear_cookie:
        forget_session(request, response)
    return response


async def console_error(request: Request, exc: Exception) -> Response:
    """The console's error page for `ConsoleError`s (403, 404, 400)."""
    kind = exc.kind if isinstance(exc, ConsoleError) else "page"
    status_code = exc.status_code if isinstance(exc, ConsoleError) else 404
    return render(request, "error.html", {"kind": kind}, status_code)
