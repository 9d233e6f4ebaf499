"""Durable de-duplication of provider deliveries (Telegram `update_id`, Twilio `MessageSid`).

Providers deliver at least once: Telegram re-posts an update when the webhook was slow,
Twilio retries a webhook that failed. `SeenStore.first_time(channel, id)` answers True once
per (channel, id) and False afterwards, across restarts (SQLite file) and across processes
(the insert is one atomic `INSERT … ON CONFLICT`), or in the PostgreSQL that several Rasa
servers share (EMILE_STATE_URL, common/sqlstate.py), where a delivery repeated to another
server is recognised too. Entries expire after `ttl_s` (default two
days, well beyond both providers' retry windows) and are purged as new ones come in.

The call is synchronous and short (one indexed insert; WAL journal with `synchronous=NORMAL`,
so no fsync per commit): it is safe to call from a coroutine. Calls from several threads
share one connection behind a lock; `afirst_time` runs it in a worker thread for callers
that would rather not touch the disk from the event loop.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Final

from common import sqlstate

DEFAULT_TTL_S: Final = 2 * 24 * 3600.0
# Purge expired rows at most this often (seconds).
PURGE_INTERVAL_S: Final = 600.0

_SCHEMA: Final = """
CREATE TABLE IF NOT EXISTS seen (
    channel TEXT NOT NULL,
    key TEXT NOT NULL,
    seen_at REAL NOT NULL,
    PRIMARY KEY (channel, key)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS seen_by_time ON seen (seen_at);
"""


def connect(path: str | Path) -> sqlstate.StateConnection:
    """A connection to a small state store: the SQLite file `path`, or the shared PostgreSQL.

    PostgreSQL when EMILE_STATE_URL is set (several Rasa servers: common/sqlstate.py).
    """
    return sqlstate.connect(path)


class SeenStore:
    """Which deliveries were already taken in, per channel, for `ttl_s` seconds."""

    def __init__(
        self,
        path: str | Path,
        *,
        ttl_s: float = DEFAULT_TTL_S,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if ttl_s <= 0:
            raise ValueError("ttl_s must be positive")
        self.path = Path(path)
        self.ttl_s = ttl_s
        self._clock = clock
        self._lock = threading.Lock()
        self._db = connect(path)
        self._db.executescript(_SCHEMA)
        self._next_purge = 0.0

    def first_time(self, channel: str, key: str | int) -> bool:
        """True the first time (channel, key) is seen within the expiry, False afterwards."""
        now = self._clock()
        with self._lock:
            if now >= self._next_purge:
                self._purge(now)
            # An expired entry counts as new: refresh it in the same statement.
            cursor = self._db.execute(
                "INSERT INTO seen (channel, key, seen_at) VALUES (?, ?, ?) "
                "ON CONFLICT (channel, key) DO UPDATE SET seen_at = excluded.seen_at "
                "WHERE seen.seen_at < ?",
                (channel, str(key), now, now - self.ttl_s),
            )
            return cursor.rowcount == 1

    async def afirst_time(self, channel: str, key: str | int) -> bool:
        """`first_time` in a worker thread."""
        return await asyncio.to_thread(self.first_time, channel, key)

    def forget(self, channel: str, key: str | int) -> None:
        """Forget a delivery (it was refused before any work): the next one is processed."""
        with self._lock:
            self._db.execute("DELETE FROM seen WHERE channel = ? AND key = ?", (channel, str(key)))

    def purge(self) -> int:
        """Delete the expired entries now; the number deleted."""
        with self._lock:
            return self._purge(self._clock())

    def _purge(self, now: float) -> int:
        self._next_purge = now + min(PURGE_INTERVAL_S, self.ttl_s)
        cursor = self._db.execute("DELETE FROM seen WHERE seen_at < ?", (now - self.ttl_s,))
        return cursor.rowcount

    def close(self) -> None:
        """Close the database connection."""
        with self._lock:
            self._db.close()
