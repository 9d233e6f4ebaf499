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

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from api.models import Application, AuditEntry

Fingerprint = tuple[object, ...]


def applications_fingerprint(session: Session) -> Fingerprint:
    """Changes whenever an application is created, changed or erased."""
    # Separate subqueries: SQLite reads a lone max() from an index, not from every row.
    row = session.execute(
        select(
            select(func.max(Application.id)).scalar_subquery(),
            select(func.max(Application.updated_at)).scalar_subquery(),
            select(func.max(AuditEntry.id)).where(AuditEntry.action == "erase").scalar_subquery(),
        )
    ).one()
    return tuple(row)


class PageCache:
    """A small least-recently-used map of rendered pages, safe across threads."""

    def __init__(self, size: int = 256) -> None:
        self.size = size
        self._pages: OrderedDict[Hashable, tuple[Fingerprint, bytes]] = OrderedDict()
        self._lock = threading.Lock()

    def get_or_build(
        self, key: Hashable, fingerprint: Fingerprint, build: Callable[[], bytes]
    ) -> bytes:
        """The page kept for `key` if the data has not changed since, else `build()`."""
        with self._lock:
            kept = self._pages.get(key)
            if kept is not None and kept[0] == fingerprint:
                self._pages.move_to_end(key)
                return kept[1]
        page = build()
        with self._lock:
            self._pages[key] = (fingerprint, page)
            self._pages.move_to_end(key)
            while len(self._pages) > self.size:
                self._pages.popitem(last=False)
        return page
