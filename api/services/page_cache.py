"""Rendered list pages kept in memory until the applications change.

Operators reload the same lists far more often than applications arrive or move. A page is
kept with a fingerprint of the applications, read again on every request: the highest id
(a creation), the latest `updated_at` (a status change) and the latest erasure in the audit
log (every erasure is audited, in the same transaction). Each is one step down an index,
where counting the rows would read them all. Any change gives a new fingerprint and the page
is built afresh. Every request is still authorised and audited; only the building is saved.
"""

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from api.models import Application, AuditEntry

Fingerprint = tuple[object, ...]


# Separate subqueries: SQLite reads a lone max() from an index, not from every row. Plain
# SQL, read through the driver: the ORM's statement building cost ~30 times the query.
FINGERPRINT_SQL = (
    f"SELECT (SELECT max(id) FROM {Application.__tablename__}),"
    f" (SELECT max(updated_at) FROM {Application.__tablename__}),"
    f" (SELECT max(id) FROM {AuditEntry.__tablename__} WHERE action = 'erase')"
)


def applications_fingerprint(session: Session) -> Fingerprint:
    """Changes whenever an application is created, changed or erased (in `session`'s view)."""
    return tuple(session.connection().exec_driver_sql(FINGERPRINT_SQL).one())


def current_fingerprint(engine: Engine) -> Fingerprint:
    """The fingerprint now, read in one statement outside any transaction (for SQLite)."""
    # The same driver values as applications_fingerprint, so that the two compare equal.
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        try:
            cursor.execute(FINGERPRINT_SQL)
            return tuple(cursor.fetchone() or ())
        finally:
            cursor.close()
    finally:
        raw.close()


class PageCache:
    """A small least-recently-used map of rendered pages, safe across threads."""

    def __init__(self, size: int = 256) -> None:
        self.size = size
        self._pages: OrderedDict[Hashable, tuple[Fingerprint, bytes]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable, fingerprint: Fingerprint) -> bytes | None:
        """The page kept for `key` if the data has not changed since it was built."""
        with self._lock:
            kept = self._pages.get(key)
            if kept is not None and kept[0] == fingerprint:
                self._pages.move_to_end(key)
                return kept[1]
        return None

    def get_or_build(
        self, key: Hashable, fingerprint: Fingerprint, build: Callable[[], bytes]
    ) -> bytes:
        """The page kept for `key` if the data has not changed since, else `build()`."""
        kept = self.get(key, fingerprint)
        if kept is not None:
            return kept
        page = build()
        with self._lock:
            self._pages[key] = (fingerprint, page)
            self._pages.move_to_end(key)
            while len(self._pages) > self.size:
                self._pages.popitem(last=False)
        return page
