"""Writes to the audit log; callers pass identifiers, never personal data."""

import logging
import threading
from typing import Any

from sqlalchemy import insert
from sqlalchemy.orm import Session

from api.db import SessionFactory
from api.models import AuditEntry
from api.models.base import utcnow
from api.security import Principal

logger = logging.getLogger(__name__)

# Entries kept in memory while the database refuses them; beyond, the oldest are dropped
# (and logged) rather than exhausting the server's memory.
PENDING_MAX = 100_000


def _entry(
    actor: Principal | str,
    action: str,
    resource: str,
    resource_id: str | int | None,
    detail: str | None,
) -> dict[str, Any]:
    """The column values of one audit entry, stamped now."""
    if isinstance(actor, Principal):
        name, key_id = actor.name, actor.key_id
    else:
        name, key_id = actor, None
    return {
        "at": utcnow(),
        "actor": name,
        "api_key_id": key_id,
        "action": action,
        "resource": resource,
        "resource_id": None if resource_id is None else str(resource_id),
        "detail": detail,
    }


def record(
    session: Session,
    actor: Principal | str,
    action: str,
    resource: str,
    resource_id: str | int | None = None,
    detail: str | None = None,
) -> None:
    """Add one audit entry to the current transaction."""
    session.add(AuditEntry(**_entry(actor, action, resource, resource_id, detail)))


class ReadAudit:
    """Audit entries of reads, written together by one thread instead of one write per read.

    A read changes nothing, so its entry needs no transaction of its own: taking the write
    lock for each one made every read wait for every other. Entries are stamped when the
    read happens and written at most `batch_seconds` later; a crash loses at most that
    window. `flush()` writes them at once (before the audit log is read, and at shutdown).
    With `batch_seconds` 0 each entry is written as it comes.
    """

    def __init__(self, sessions: SessionFactory, batch_seconds: float) -> None:
        self.sessions = sessions
        self.batch_seconds = batch_seconds
        self._pending: list[dict[str, Any]] = []
        self._lock = threading.Lock()
        self._write_lock = threading.Lock()
        self._wake = threading.Event()
        self._closed = False
        self._thread: threading.Thread | None = None

    def add(
        self,
        actor: Principal | str,
        action: str,
        resource: str,
        resource_id: str | int | None = None,
        detail: str | None = None,
    ) -> None:
        """Log one read; written within the batch window."""
        entry = _entry(actor, action, resource, resource_id, detail)
        with self._lock:
            self._pending.append(entry)
            if len(self._pending) > PENDING_MAX:
                del self._pending[0]
                logger.error("audit: database unavailable, oldest read entry dropped")
            if self.batch_seconds <= 0 or self._closed:
                start = False
            else:
                start = self._thread is None
                if start:
                    self._thread = threading.Thread(
                        target=self._run, name="read-audit", daemon=True
                    )
        if self.batch_seconds <= 0 or self._closed:
            self.flush()
        elif start:
            assert self._thread is not None
            self._thread.start()

    def flush(self) -> int:
        """Write every pending entry now, in one transaction; how many were written."""
        with self._write_lock:
            with self._lock:
                batch, self._pending = self._pending, []
            if not batch:
                return 0
            try:
                with self.sessions() as session:
                    session.execute(insert(AuditEntry), batch)
                    session.commit()
            except Exception:
                with self._lock:
                    self._pending[:0] = batch
                raise
            return len(batch)

    def close(self) -> None:
        """Stop the writer thread and write what is left."""
        with self._lock:
            self._closed = True
            thread = self._thread
        self._wake.set()
        if thread is not None:
            thread.join(timeout=10)
        self.flush()

    def _run(self) -> None:
        while not self._closed:
            self._wake.wait(self.batch_seconds)
            try:
                self.flush()
            except Exception:
                # Kept and tried again at the next beat: the database may be back by then.
                logger.exception("audit: writing read entries failed; retrying")
