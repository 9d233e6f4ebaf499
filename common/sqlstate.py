"""Where the assistant's small stores live: SQLite files on one machine, PostgreSQL for several.

The channels' stores (bot/channels/dedup.py, optout.py, choices.py, the Telegram payload
store) and the action server's outbox (actions/outbox.py) keep their SQL and their public
methods; `connect(path)` gives them a connection:

- by default, SQLite at `path` (WAL, no fsync per commit, secure_delete), as before;
- with EMILE_STATE_URL=postgresql://…, one PostgreSQL database that every Rasa server and
  action server shares, so that any server can take any delivery and a second delivery of
  the same update or MessageSid to another server is still recognised.

PostgreSQL rather than Redis for these stores: an opt-out is a legal obligation and an
outbox row is an application a person was told is sent; both must survive a crash, which
PostgreSQL's commit guarantees and Redis's default snapshots do not. Redis holds only what
may be lost: Rasa's conversation locks (endpoints.yml, `lock_store`).

The stores' SQL is SQLite's; `PostgresConnection` translates the few differences (`?`
placeholders, `INSERT OR IGNORE`, `REAL`, `WITHOUT ROWID`, `PRAGMA`) rather than every
store carrying two versions of each statement. This module imports nothing from bot/ or
actions/: both processes use it.
"""

from __future__ import annotations

import os
import re
import sqlite3
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Final, Protocol, cast

STATE_URL_ENV: Final = "EMILE_STATE_URL"
BUSY_TIMEOUT_S: Final = 15.0
# Any constant: the advisory lock that serialises schema creation across processes (two
# servers starting at once would otherwise race on CREATE TABLE IF NOT EXISTS).
_SCHEMA_LOCK: Final = 0x454D494C45


class StateError(ValueError):
    """EMILE_STATE_URL cannot be used."""


class StateCursor(Protocol):
    """What the stores use of a cursor."""

    @property
    def rowcount(self) -> int:
        """Rows changed by the statement."""

    def fetchone(self) -> Any:
        """The next row, or None."""

    def fetchall(self) -> list[Any]:
        """The remaining rows."""


class StateConnection(Protocol):
    """What the stores use of a connection (sqlite3.Connection has it all)."""

    def execute(self, sql: str, parameters: Any = ..., /) -> StateCursor:
        """Run one statement; a cursor (`rowcount`, `fetchone`, `fetchall`)."""

    def executescript(self, script: str, /) -> Any:
        """Run statements separated by `;`."""

    def close(self) -> None:
        """Close the connection."""


def state_url(environ: Mapping[str, str] | None = None) -> str | None:
    """The PostgreSQL URL of the shared state (EMILE_STATE_URL), or None for SQLite files."""
    env = os.environ if environ is None else environ
    url = env.get(STATE_URL_ENV, "").strip()
    if not url:
        return None
    if not url.startswith(("postgresql://", "postgres://")):
        raise StateError(f"{STATE_URL_ENV} must be a postgresql:// URL, not {url.split(':')[0]}")
    return url


def connect(path: str | Path, url: str | None = None) -> StateConnection:
    """A connection to a store: PostgreSQL at `url` (default EMILE_STATE_URL), else SQLite."""
    url = url if url is not None else state_url()
    if url:
        return PostgresConnection(url)
    return connect_sqlite(path)


def connect_sqlite(path: str | Path) -> sqlite3.Connection:
    """A connection to a small SQLite state file: WAL, no fsync per commit, autocommit."""
    target = Path(path)
    if str(target) != ":memory:":
        target.parent.mkdir(parents=True, exist_ok=True)
    connection = sqlite3.connect(
        str(target), timeout=BUSY_TIMEOUT_S, isolation_level=None, check_same_thread=False
    )
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA synchronous=NORMAL")
    # What expires or is forgotten is overwritten with zeros (docs/personal-data.md).
    connection.execute("PRAGMA secure_delete=ON")
    return connection


def is_postgres(connection: object) -> bool:
    """Whether a store's connection is the shared PostgreSQL one."""
    return isinstance(connection, PostgresConnection)


_INSERT_OR_IGNORE = re.compile(r"^\s*INSERT\s+OR\s+IGNORE\s+INTO\b", re.IGNORECASE)
_REAL = re.compile(r"\bREAL\b")
_WITHOUT_ROWID = re.compile(r"\)\s*WITHOUT\s+ROWID", re.IGNORECASE)
_COMMENT = re.compile(r"--[^\n]*")
_NAMED = re.compile(r"(?<![:\w]):([A-Za-z_]\w*)")


def to_postgres(sql: str, named: bool = False) -> str | None:
    """A statement of the stores' SQLite dialect in PostgreSQL's; None for a PRAGMA (no-op)."""
    text = sql.strip()
    upper = text.upper()
    if upper.startswith("PRAGMA"):
        return None
    if upper == "BEGIN IMMEDIATE":
        return "BEGIN"
    if _INSERT_OR_IGNORE.match(text):
        text = _INSERT_OR_IGNORE.sub("INSERT INTO", text) + " ON CONFLICT DO NOTHING"
    if upper.startswith("CREATE TABLE"):
        # REAL is 4 bytes in PostgreSQL: a timestamp would lose its seconds.
        text = _WITHOUT_ROWID.sub(")", _REAL.sub("DOUBLE PRECISION", text))
    text = text.replace("%", "%%")
    return _NAMED.sub(r"%(\1)s", text) if named else text.replace("?", "%s")


class _NoRows:
    """The cursor of a statement PostgreSQL does not need (a PRAGMA)."""

    rowcount = -1

    def fetchone(self) -> None:
        return None

    def fetchall(self) -> list[Any]:
        return []


class PostgresConnection:
    """A psycopg2 connection that takes the stores' SQLite statements (autocommit).

    Rows are `DictRow`s: by position and by column name, as `sqlite3.Row`. Callers
    serialise their use with their own lock, as they do for SQLite; a connection lost
    (PostgreSQL restarted) is opened again at the next statement outside a transaction.
    """

    def __init__(self, url: str) -> None:
        self.url = url
        self._lock = threading.RLock()
        self._conn: Any = None
        self._in_transaction = False
        self._open()

    def _open(self) -> None:
        import psycopg2  # the assistant environment has it (Rasa's PostgreSQL tracker store)

        self._conn = psycopg2.connect(self.url)
        self._conn.autocommit = True

    def execute(self, sql: str, parameters: Any = (), /) -> StateCursor:
        """Run one statement (SQLite dialect); a cursor."""
        import psycopg2.extras

        statement = to_postgres(sql, named=isinstance(parameters, Mapping))
        if statement is None:
            return _NoRows()
        if statement.upper().startswith("CREATE") and not self._in_transaction:
            # Under the schema lock, as executescript (the Telegram payload store).
            self.executescript(sql)
            return _NoRows()
        with self._lock:
            if self._conn.closed and not self._in_transaction:
                self._open()
            cursor = self._conn.cursor(cursor_factory=psycopg2.extras.DictCursor)
            cursor.execute(statement, parameters if parameters else None)
            if statement == "BEGIN":
                self._in_transaction = True
            elif statement in ("COMMIT", "ROLLBACK"):
                self._in_transaction = False
            return cast(StateCursor, cursor)

    def executescript(self, script: str, /) -> None:
        """Create a schema: every statement in one transaction, one process at a time."""
        # Comments first: one may hold a `;`.
        bare = _COMMENT.sub("", script)
        statements = [part for part in bare.split(";") if part.strip()]
        with self._lock:
            self.execute("BEGIN")
            try:
                self.execute("SELECT pg_advisory_xact_lock(?)", (_SCHEMA_LOCK,))
                for statement in statements:
                    self.execute(statement)
            except BaseException:
                self.execute("ROLLBACK")
                raise
            self.execute("COMMIT")

    def close(self) -> None:
        """Close the connection."""
        with self._lock:
            if self._conn is not None and not self._conn.closed:
                self._conn.close()
