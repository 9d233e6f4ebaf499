"""The durable inbox: every delivery written down before the webhook answers the provider.

A provider does not deliver again what a webhook acknowledged, so a delivery acknowledged by
a server that dies before processing it would be lost. The channel pipeline
(`bot.channels.pipeline`) therefore writes each verified delivery here first (channel, the
provider's key, the person, what is needed to rebuild it, when it arrived) and answers the
provider only once the row is committed; a failed write is answered with a 5xx, so the
provider delivers again.

- **Duplicates**: the (channel, key) primary key is the duplicate check: a second delivery
  of an update_id or MessageSid, to any server sharing the store, is recognised at the
  insert. This replaces the `seen` table for deliveries (bot/channels/dedup.py keeps only
  the "a keyboard answers once" check).
- **Leases**: the server that wrote a row holds it (`claimed_by`, `claimed_until`) and
  renews the lease while the row waits in its person's queue and while its turn runs. A
  row whose lease ran out (its server died) is claimed by another server's sweeper in one
  atomic statement, sweeps serialised per channel (PostgreSQL: an advisory lock; SQLite:
  its write lock), and processed oldest first. Each claim counts an attempt; a row claimed
  `max_attempts` times without finishing is given up (a message that kills its server must
  not kill them all in turn).
- **Personal data**: a finished row keeps only what the duplicate check needs (channel,
  key, times, state); the person and the payload are cleared. Every row goes `ttl_s`
  (two days, beyond both providers' retries) after it arrived (bot/retention.py too).

Where: the same state store as the channels' other tables (common/sqlstate.connect): the
channel's SQLite file by default, the shared PostgreSQL with EMILE_STATE_URL. Calls are
short and synchronous (one indexed statement) behind a lock; the pipeline runs them in a
worker thread.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from common import sqlstate
from common.settings import AssistantSettings

PENDING: Final = "pending"
DONE: Final = "done"
FAILED: Final = "failed"
# Two days: beyond Telegram's and Twilio's redelivery windows (as the `seen` table was).
DEFAULT_TTL_S: Final = 2 * 24 * 3600.0
# Purge expired rows at most this often (seconds), as new rows come in.
PURGE_INTERVAL_S: Final = 600.0
# Keys per renewal statement (an IN list).
_RENEW_CHUNK: Final = 400

_SCHEMA: Final = """
CREATE TABLE IF NOT EXISTS inbox (
    channel TEXT NOT NULL,
    key TEXT NOT NULL,
    -- Cleared when the row is finished: the duplicate check needs neither.
    person TEXT,
    payload TEXT,
    received_at REAL NOT NULL,
    state TEXT NOT NULL,
    claimed_by TEXT,
    claimed_until REAL,
    attempts INTEGER NOT NULL DEFAULT 1,
    finished_at REAL,
    PRIMARY KEY (channel, key)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS inbox_claimable ON inbox (channel, state, claimed_until);
CREATE INDEX IF NOT EXISTS inbox_by_time ON inbox (received_at);
"""


@dataclass(frozen=True)
class InboxSettings:
    """Leases and sweeps (common/settings.py: EMILE_INBOX_*, EMILE_SERVER_NAME)."""

    # A row is taken over this long after its server last renewed it. 60 s: renewed every
    # 20 s, so only a server stopped (or its loop blocked) for 40 s loses its rows; as
    # Rasa's conversation lock (TICKET_LOCK_LIFETIME, 60 s), which a takeover waits for.
    lease_s: float = 60.0
    # How often each server looks for rows whose lease ran out: at most this much is added
    # to a takeover, for one indexed query per channel.
    sweep_s: float = 5.0
    # Claims of one row (the first server's included) before it is given up.
    max_attempts: int = 3
    # A name that stays when the server restarts (EMILE_SERVER_NAME): it then takes its
    # own unfinished rows back at once, without waiting for their leases. Empty: none.
    server_name: str = ""

    @classmethod
    def from_assistant(cls, settings: AssistantSettings) -> InboxSettings:
        """The inbox's part of the assistant's settings."""
        return cls(
            lease_s=settings.inbox_lease_s,
            sweep_s=settings.inbox_sweep_s,
            max_attempts=settings.inbox_max_attempts,
            server_name=settings.server_name,
        )


@dataclass(frozen=True)
class Row:
    """A delivery claimed for processing."""

    key: str
    person: str
    record: dict[str, Any]
    received_at: float
    attempts: int


def claimant(server_name: str) -> str:
    """This process's `claimed_by`: the server's name (if any), then a new random id."""
    return f"{server_name}/{uuid.uuid4().hex}"


class Inbox:
    """Deliveries taken in and not yet forgotten, per channel."""

    def __init__(
        self,
        path: str | Path,
        *,
        ttl_s: float = DEFAULT_TTL_S,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.path = Path(path)
        self.ttl_s = ttl_s
        self._clock = clock
        self._lock = threading.Lock()
        self._db = sqlstate.connect(path)
        self._db.executescript(_SCHEMA)
        self._postgres = sqlstate.is_postgres(self._db)
        self._next_purge = 0.0

    def now(self) -> float:
        """The store's clock."""
        return self._clock()

    def put(
        self,
        channel: str,
        key: str,
        person: str,
        record: Mapping[str, Any],
        *,
        claimed_by: str,
        lease_s: float,
    ) -> bool:
        """Write a delivery, held by `claimed_by`; False: (channel, key) is already there."""
        now = self._clock()
        payload = json.dumps(record, ensure_ascii=False, separators=(",", ":"))
        with self._lock:
            if now >= self._next_purge:
                self._purge(now)
            # A row older than the expiry is a new delivery of a recycled key: replace it.
            cursor = self._db.execute(
                "INSERT INTO inbox (channel, key, person, payload, received_at, state,"
                " claimed_by, claimed_until, attempts) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 1)"
                " ON CONFLICT (channel, key) DO UPDATE SET person = excluded.person,"
                " payload = excluded.payload, received_at = excluded.received_at,"
                " state = excluded.state, claimed_by = excluded.claimed_by,"
                " claimed_until = excluded.claimed_until, attempts = 1, finished_at = NULL"
                " WHERE inbox.received_at < ?",
                (
                    channel,
                    key,
                    person,
                    payload,
                    now,
                    PENDING,
                    claimed_by,
                    now + lease_s,
                    now - self.ttl_s,
                ),
            )
            return cursor.rowcount == 1

    def renew(
        self, channel: str, keys: Iterable[str], *, claimed_by: str, lease_s: float
    ) -> set[str]:
        """Extend the leases `claimed_by` holds on `keys`; the keys it still holds."""
        wanted = list(keys)
        until = self._clock() + lease_s
        held: set[str] = set()
        with self._lock:
            for start in range(0, len(wanted), _RENEW_CHUNK):
                chunk = wanted[start : start + _RENEW_CHUNK]
                marks = ", ".join("?" for _ in chunk)
                rows = self._db.execute(
                    f"UPDATE inbox SET claimed_until = ? WHERE channel = ? AND claimed_by = ?"
                    f" AND state = ? AND key IN ({marks}) RETURNING key",
                    (until, channel, claimed_by, PENDING, *chunk),
                ).fetchall()
                held.update(str(row[0]) for row in rows)
        return held

    def finish(self, channel: str, key: str, *, claimed_by: str, state: str = DONE) -> bool:
        """Mark a row processed (or failed): only the duplicate check's columns stay."""
        with self._lock:
            cursor = self._db.execute(
                "UPDATE inbox SET state = ?, person = NULL, payload = NULL, claimed_by = NULL,"
                " claimed_until = NULL, finished_at = ? WHERE channel = ? AND key = ?"
                " AND claimed_by = ? AND state = ?",
                (state, self._clock(), channel, key, claimed_by, PENDING),
            )
            return cursor.rowcount == 1

    def release(self, channel: str, keys: Iterable[str], *, claimed_by: str) -> int:
        """Let the next sweep take these rows at once (a server stopping); how many."""
        released = 0
        wanted = list(keys)
        with self._lock:
            for start in range(0, len(wanted), _RENEW_CHUNK):
                chunk = wanted[start : start + _RENEW_CHUNK]
                marks = ", ".join("?" for _ in chunk)
                released += self._db.execute(
                    f"UPDATE inbox SET claimed_until = 0 WHERE channel = ? AND claimed_by = ?"
                    f" AND state = ? AND key IN ({marks})",
                    (channel, claimed_by, PENDING, *chunk),
                ).rowcount
        return released

    def claim(
        self, channel: str, *, claimed_by: str, lease_s: float, max_attempts: int
    ) -> tuple[list[Row], list[str]]:
        """Take every row whose lease ran out (and this server's previous life's rows, when
        `claimed_by` names a server), oldest first; and the keys given up.

        Sweeps of one channel run one at a time across servers, so a person's rows go to
        one server together, to be processed in order.
        """
        now = self._clock()
        name = claimed_by.rsplit("/", 1)[0]
        # No `claimed_by` starts with "//" (a name has no "/"): an unnamed server has no
        # previous life it could recognise.
        mine = f"{name}/" if name else "//"
        claimable = (
            "channel = ? AND state = ? AND (claimed_until < ?"
            " OR (substr(claimed_by, 1, ?) = ? AND claimed_by <> ?))"
        )
        params = (channel, PENDING, now, len(mine), mine, claimed_by)
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                if self._postgres:
                    self._db.execute(
                        "SELECT pg_advisory_xact_lock(hashtext(?))", (f"inbox:{channel}",)
                    )
                given_up = [
                    str(row[0])
                    for row in self._db.execute(
                        "UPDATE inbox SET state = ?, person = NULL, payload = NULL,"
                        " claimed_by = NULL, claimed_until = NULL, finished_at = ?"
                        f" WHERE {claimable} AND attempts >= ? RETURNING key",
                        (FAILED, now, *params, max_attempts),
                    ).fetchall()
                ]
                taken = self._db.execute(
                    "UPDATE inbox SET claimed_by = ?, claimed_until = ?, attempts = attempts + 1"
                    f" WHERE {claimable} RETURNING key, person, payload, received_at, attempts",
                    (claimed_by, now + lease_s, *params),
                ).fetchall()
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")
        rows = [
            Row(str(key), str(person), json.loads(payload), float(received), int(attempts))
            for key, person, payload, received, attempts in taken
        ]
        rows.sort(key=lambda row: (row.received_at, row.key))
        return rows, given_up

    def state(self, channel: str, key: str) -> tuple[str, str | None, int] | None:
        """(state, claimed_by, attempts) of a row, or None (tests, diagnosis)."""
        with self._lock:
            row = self._db.execute(
                "SELECT state, claimed_by, attempts FROM inbox WHERE channel = ? AND key = ?",
                (channel, key),
            ).fetchone()
        return None if row is None else (str(row[0]), row[1], int(row[2]))

    def purge(self) -> int:
        """Delete the expired rows now; how many."""
        with self._lock:
            return self._purge(self._clock())

    def _purge(self, now: float) -> int:
        self._next_purge = now + min(PURGE_INTERVAL_S, self.ttl_s)
        cursor = self._db.execute("DELETE FROM inbox WHERE received_at < ?", (now - self.ttl_s,))
        return cursor.rowcount

    def close(self) -> None:
        """Close the database connection."""
        with self._lock:
            self._db.close()
