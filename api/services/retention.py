"""The retention purge: applications with no contact for too long are erased."""

from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from api.models import Application
from api.models.base import utcnow
from api.services.erasure import erase_application

RETENTION_ACTOR = "retention"


def purge_expired(session: Session, days: int, dry_run: bool = False) -> int:
    """Erase (or with `dry_run` only count) applications with no contact for `days` days."""
    if days < 1:
        raise ValueError("the retention period must be at least one day")
    cutoff = utcnow() - timedelta(days=days)
    expired = Application.last_contact_at < cutoff
    if dry_run:
        return session.scalar(select(func.count()).select_from(Application).where(expired)) or 0
    ids = list(session.scalars(select(Application.id).where(expired).order_by(Application.id)))
    for application_id in ids:
        application = session.get(Application, application_id)
        if application is not None:
            erase_application(session, application, "retention", RETENTION_ACTOR)
    return len(ids)
