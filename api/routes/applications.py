"""Applications: the assistant submits them, operators list, read, export, move and erase them."""

from collections.abc import Callable
from datetime import date
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Header, Path, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import StreamingResponse
from sqlalchemy.orm import Session

from api.audit import ReadAudit, record
from api.deps import (
    ReadAuditDep,
    ReadSessionDep,
    SessionDep,
    SettingsDep,
    StreamSessionDep,
    require,
)
from api.enums import ApplicationStatus, Language, Scope, Verdict
from api.errors import ApiError, error_responses
from api.models.base import utcnow
from api.schemas.applications import (
    ApplicationCreate,
    ApplicationOut,
    Erased,
    StatusChangeOut,
    StatusUpdate,
)
from api.schemas.fields import SearchText
from api.schemas.pagination import PAGE_MAX, Page
from api.security import Principal
from api.services import applications as service
from api.services.erasure import erase_application
from api.services.export import csv_chunks
from api.services.page_cache import Fingerprint, PageCache, applications_fingerprint
from api.settings import Settings

router = APIRouter(tags=["applications"])

WriterDep = Annotated[Principal, Depends(require(Scope.applications_write))]
ReaderDep = Annotated[Principal, Depends(require(Scope.applications_read))]
UpdaterDep = Annotated[Principal, Depends(require(Scope.applications_update))]
ReferencePath = Annotated[
    str, Path(min_length=1, max_length=40, description="The reference code, e.g. K7P4XM.")
]
IdempotencyKeyHeader = Annotated[
    str,
    Header(
        alias="Idempotency-Key",
        min_length=1,
        max_length=100,
        pattern=r"^[\x20-\x7e]+$",
        description="Chosen once per application by the client; a retry sends the same key.",
    ),
]


def _json_errors(*codes: int) -> dict[int | str, dict[str, Any]]:
    """`error_responses` for a route whose success is not JSON (its errors still are)."""
    schema = {"$ref": "#/components/schemas/ErrorBody"}
    return {
        code: {
            "description": entry["description"],
            "content": {"application/json": {"schema": schema}},
        }
        for code, entry in error_responses(*codes).items()
    }


class CSVResponse(StreamingResponse):
    """A streamed CSV file."""

    media_type = "text/csv"


async def application_filters(
    status: ApplicationStatus | None = None,
    territory: Annotated[str | None, Query(pattern=r"^[a-z0-9_-]{1,40}$")] = None,
    verdict: Verdict | None = None,
    language: Language | None = None,
    created_from: Annotated[
        date | None, Query(description="First day included (Europe/Paris).")
    ] = None,
    created_to: Annotated[
        date | None, Query(description="Last day included (Europe/Paris).")
    ] = None,
    q: Annotated[
        SearchText | None, Query(description="Part of a first name, last name or reference.")
    ] = None,
) -> service.ApplicationFilters:
    """The list and export filters from the query string."""
    return service.ApplicationFilters(
        status=status,
        territory=territory,
        verdict=verdict,
        language=language,
        created_from=created_from,
        created_to=created_to,
        q=q or None,
    )


FiltersDep = Annotated[service.ApplicationFilters, Depends(application_filters)]


async def _timezone(settings: SettingsDep) -> ZoneInfo:
    return ZoneInfo(settings.timezone)


TimezoneDep = Annotated[ZoneInfo, Depends(_timezone)]


@router.post(
    "/applications",
    status_code=201,
    response_model=ApplicationOut,
    responses={
        200: {
            "model": ApplicationOut,
            "description": "This Idempotency-Key already made this application: the same result",
            "headers": {
                "Idempotent-Replayed": {
                    "description": "`true` when the answer is a replay",
                    "schema": {"type": "string"},
                }
            },
        },
        **error_responses(400, 401, 403, 410, 422, 429),
    },
)
def create_application(
    data: ApplicationCreate,
    principal: WriterDep,
    session: SessionDep,
    settings: SettingsDep,
    response: Response,
    idempotency_key: IdempotencyKeyHeader,
) -> ApplicationOut:
    """Submit a pre-qualified application; retries with the same Idempotency-Key are safe.

    A phone makes at most EMILE_APPLICATIONS_PER_PHONE applications in
    EMILE_PHONE_QUOTA_DAYS days (429 `application_quota` beyond, with Retry-After).
    """
    quota = service.PhoneQuota(settings.applications_per_phone, settings.phone_quota_days)
    application, replayed = service.create_application(
        session, principal, idempotency_key.strip(), data, quota
    )
    if replayed:
        response.status_code = 200
        response.headers["Idempotent-Replayed"] = "true"
    else:
        record(session, principal, "create", "application", application.id)
    session.commit()
    return ApplicationOut.of(application)


@router.get(
    "/applications",
    response_model=Page[ApplicationOut],
    responses=error_responses(401, 403, 422),
)
async def list_applications(
    request: Request,
    principal: ReaderDep,
    filters: FiltersDep,
    page: Annotated[int, Query(ge=1, le=PAGE_MAX)] = 1,
    page_size: Annotated[int, Query(ge=1, description="At most EMILE_PAGE_SIZE_MAX.")] = 50,
) -> Response:
    """The applications this key sees, newest first, filtered and paginated."""
    # The operators' most frequent request: what other routes take as dependencies is read
    # from the app here, since FastAPI's resolving of each one cost more than the page.
    state = request.app.state
    settings: Settings = state.settings
    audit: ReadAudit = state.read_audit
    tz = ZoneInfo(settings.timezone)
    if page_size > settings.page_size_max:
        raise ApiError(
            422, "invalid_input", f"page_size: at most {settings.page_size_max} per page"
        )
    cache: PageCache = request.app.state.page_cache
    key = (principal.territories, filters, page, page_size)

    def read_page() -> bytes:
        with request.app.state.read_sessionmaker() as reads:

            def build() -> bytes:
                listed = service.list_application_rows(
                    reads, principal, filters, tz, page, page_size
                )
                found = Page[ApplicationOut].model_construct(
                    items=[
                        ApplicationOut.from_row(r, listed.territories[r.id]) for r in listed.rows
                    ],
                    total=listed.total,
                    page=page,
                    page_size=page_size,
                )
                # Serialised once here: FastAPI would validate the fifty items again.
                return found.model_dump_json().encode()

            content = cache.get_or_build(key, applications_fingerprint(reads), build)
            reads.commit()
        return content

    content = None
    fingerprint_now: Callable[[], Fingerprint] | None = request.app.state.fingerprint_now
    if fingerprint_now is not None:
        # A kept page costs one indexed read: done here, on the event loop, because waking a
        # worker thread and waiting for the GIL back cost several times that under load.
        # WAL readers never wait for writers, so this does not block the loop.
        content = cache.get(key, fingerprint_now())
    if content is None:
        # The whole database part in one threadpool hop: each hop costs about as much as a
        # kept page's reads.
        content = await run_in_threadpool(read_page)
    audit.add(
        principal,
        "list",
        "application",
        detail=f"{filters.summary()} page={page} page_size={page_size}",
    )
    return Response(content, media_type="application/json")


@router.get(
    "/applications/export.csv",
    response_class=CSVResponse,
    responses={
        200: {
            "content": {"text/csv": {"schema": {"type": "string"}}},
            "description": "UTF-8 with BOM, `;`-separated, CRLF; dates in Europe/Paris",
        },
        **_json_errors(401, 403, 422),
    },
)
def export_applications(
    principal: ReaderDep,
    audit: ReadAuditDep,
    reads: StreamSessionDep,
    tz: TimezoneDep,
    filters: FiltersDep,
) -> CSVResponse:
    """The filtered applications as a CSV file for a French spreadsheet."""
    audit.add(principal, "export", "application", detail=filters.summary())
    return csv_response(reads, principal, filters, tz)


def csv_response(
    reads: Session, principal: Principal, filters: service.ApplicationFilters, tz: ZoneInfo
) -> CSVResponse:
    """Stream the export through `reads`, a read session that lives until the last byte."""
    filename = f"candidatures-emile-{utcnow().astimezone(tz):%Y%m%d-%H%M}.csv"
    return CSVResponse(
        csv_chunks(service.iter_applications(reads, principal, filters, tz), tz),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@router.get(
    "/applications/{reference}",
    response_model=ApplicationOut,
    responses=error_responses(401, 403, 404, 422),
)
def read_application(
    reference: ReferencePath, principal: ReaderDep, reads: ReadSessionDep, audit: ReadAuditDep
) -> ApplicationOut:
    """One application, if this key's territories include it."""
    application = service.find_by_reference(reads, principal, reference)
    found = ApplicationOut.of(application)
    audit.add(principal, "read", "application", application.id)
    return found


@router.get(
    "/applications/{reference}/history",
    response_model=list[StatusChangeOut],
    responses=error_responses(401, 403, 404, 422),
)
def application_history(
    reference: ReferencePath, principal: ReaderDep, reads: ReadSessionDep, audit: ReadAuditDep
) -> list[StatusChangeOut]:
    """The application's status changes, its creation first."""
    application = service.find_by_reference(reads, principal, reference)
    changes = [StatusChangeOut.of(c) for c in service.history(reads, application)]
    audit.add(principal, "history", "application", application.id)
    return changes


@router.post(
    "/applications/{reference}/status",
    response_model=ApplicationOut,
    responses=error_responses(400, 401, 403, 404, 409, 422),
)
def change_status(
    reference: ReferencePath, update: StatusUpdate, principal: UpdaterDep, session: SessionDep
) -> ApplicationOut:
    """Move the application along its pipeline, with a note; recorded in its history."""
    application = service.find_by_reference(session, principal, reference, for_update=True)
    change = service.change_status(session, principal, application, update.status, update.note)
    record(
        session,
        principal,
        "status_change",
        "application",
        application.id,
        detail=f"{change.from_status} -> {change.to_status}",
    )
    session.commit()
    return ApplicationOut.of(application)


@router.delete(
    "/applications/{reference}",
    response_model=Erased,
    responses=error_responses(401, 403, 404, 422),
)
def erase(
    reference: ReferencePath, principal: UpdaterDep, session: SessionDep, request: Request
) -> Erased:
    """Erase the application and the person's bookings and callback requests, for good."""
    application = service.find_by_reference(session, principal, reference, for_update=True)
    erase_application(session, application, "operator", principal)
    session.commit()
    request.app.state.scrubber.scrub()
    return Erased()
