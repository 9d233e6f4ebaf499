"""Writes to the audit log; callers pass identifiers, never personal data."""

from sqlalchemy.orm import Session

from api.models import AuditEntry
from api.security import Principal


def record(
    session: Session,
    actor: Principal | str,
    action: str,
    resource: str,
    resource_id: str | int | None = None,
    detail: str | None = None,
) -> None:
    """Add one audit entry to the current transaction."""
    account_id: int | None = None
    if isinstance(actor, Principal):
        name, key_id, account_id = actor.name, actor.key_id, actor.account_id
    else:
        name, key_id = actor, None
    session.add(
        AuditEntry(
            actor=name,
            api_key_id=key_id,
            account_id=account_id,
            action=action,
            resource=resource,
            resource_id=None if resource_id is None else str(resource_id),
            detail=detail,
        )
    )
