"""The audit log: who read, changed, exported or erased personal data (admin)."""

from typing import Annotated

from fastapi import APIRouter, Depends, Query
from sqlalchemy import func, select

from api.deps import ReadAuditDep, SessionDep, SettingsDep, require
from api.enums import Scope
from api.errors import ApiError, error_responses
from api.models import AuditEntry
from api.schemas.audit import AuditEntryOut
from api.schemas.pagination import PAGE_MAX, Page
from api.security import Principal

router = APIRouter(tags=["audit"])

AdminDep = Annotated[Principal, Depends(require(Scope.keys_admin))]


@router.get(
    "/audit",
    response_model=Page[AuditEntryOut],
    responses=error_responses(401, 403, 422),
)
def audit_log(
    principal: AdminDep,
    session: SessionDep,
    reads_audit: ReadAuditDep,
    settings: SettingsDep,
    action: Annotated[str | None, Query(pattern=r"^[a-z_]{1,32}$")] = None,
    actor: Annotated[str | None, Query(pattern=r"^[A-Za-z0-9._@-]{1,100}$")] = None,
    page: Annotated[int, Query(ge=1, le=PAGE_MAX)] = 1,
    page_size: Annotated[int, Query(ge=1, description="At most EMILE_PAGE_SIZE_MAX.")] = 50,
) -> Page[AuditEntryOut]:
    """Audit entries, newest first, filtered by action and actor."""
    if page_size > settings.page_size_max:
        raise ApiError(
            422, "invalid_input", f"page_size: at most {settings.page_size_max} per page"
        )
    # Reads are logged in batches: write the pending ones so that the log is complete.
    reads_audit.flush()
    conditions = []
    if action is not None:
        conditions.append(AuditEntry.action == action)
    if actor is not None:
        conditions.append(AuditEntry.actor == actor)
    total = session.scalar(select(func.count()).select_from(AuditEntry).where(*conditions)) or 0
    entries = session.scalars(
        select(AuditEntry)
        .where(*conditions)
        # By time first: a read's entry is written a little after the read (in a batch).
        .order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
        .offset((page - 1) * page_size)
        .limit(page_size)
    )
    return Page(
        items=[AuditEntryOut.model_validate(e) for e in entries],
        total=total,
        page=page,
        page_size=page_size,
    )
