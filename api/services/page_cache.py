"""Rendered list pages kept in memory until the applications change.

Operators reload the same lists far more often than applications arrive or move. A page is
kept with a fingerprint of the applications table (how many rows, the latest change), read
again on every request: any creation, change or erasure changes it, and the page is built
afresh. Every request is still authorised and audited; only the building is saved.
"""

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from api.models import Application

Fingerprint = tuple[int, object]


def applications_fingerprint(session: Session) -> Fingerprint:
    """Changes whenever an application is created, changed or erased."""
    # Two queries: SQLite reads a lone max() from the index, not from every row.
    count = session.scalar(select(func.count()).select_from(Application))
    latest = session.scalar(select(func.max(Application.updated_at)))
    return int(count or 0), latest


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
