"""Engine and session factories; SQLite is tuned for concurrent readers and queued writers."""

import logging
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from api.settings import Settings

logger = logging.getLogger(__name__)

# What opens a session: a sessionmaker, or in tests the test's own session.
SessionFactory = Callable[[], AbstractContextManager[Session]]

# Execution option of the engine behind read sessions: their transactions begin deferred.
READ_ONLY = "emile_read_only"
# Marks a connection whose transaction holds this process's writer lock (SQLite).
_WRITER = "emile_writer"


def make_engine(settings: Settings, **kwargs: Any) -> Engine:
    """Build the engine for the configured database (SQLite in WAL mode by default)."""
    url = make_url(settings.effective_database_url)
    if url.get_backend_name() != "sqlite":
        if url.drivername == "postgresql":
            url = url.set(drivername="postgresql+psycopg")
        return create_engine(url, pool_pre_ping=True, **kwargs)

    if url.database and url.database != ":memory:":
        Path(url.database).parent.mkdir(parents=True, exist_ok=True)
    # A request may hold a read and a write connection at once; 40 threadpool slots.
    kwargs.setdefault("pool_size", 10)
    kwargs.setdefault("max_overflow", 40)
    engine = create_engine(
        url,
        connect_args={
            "check_same_thread": False,
            "timeout": settings.sqlite_busy_timeout_ms / 1000,
        },
        **kwargs,
    )
    busy_ms = settings.sqlite_busy_timeout_ms

    @event.listens_for(engine, "connect")
    def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
        # pysqlite's own transaction handling defers BEGIN; we issue BEGIN ourselves.
        dbapi_conn.isolation_level = None
        cursor = dbapi_conn.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={busy_ms}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        # Deleted rows are overwritten with zeros, so erased data is not left in free pages.
        cursor.execute("PRAGMA secure_delete=ON")
        cursor.close()
        # SQLite's own lower() folds ASCII only; searches on names like "Élodie" need Unicode.
        dbapi_conn.create_function("lower", 1, _unicode_lower, deterministic=True)

    # SQLite makes a writer that finds the lock taken sleep 1, 2, 5 … 100 ms between tries:
    # under a few concurrent writes most of the time went to sleeping. Writers of this
    # process queue on a lock of ours instead, handed over the moment a transaction ends;
    # SQLite's busy timeout still arbitrates between processes.
    writers = threading.Lock()

    @event.listens_for(engine, "begin")
    def _sqlite_begin(conn: Any) -> None:
        # Writers take the lock up front so that they queue instead of failing when a
        # deferred transaction tries to upgrade; readers never take it.
        if conn.get_execution_options().get(READ_ONLY, False):
            conn.exec_driver_sql("BEGIN")
            return
        if not writers.acquire(timeout=busy_ms / 1000):
            raise OperationalError("BEGIN IMMEDIATE", {}, TimeoutError("database is locked"))
        # On the connection, not the thread: FastAPI may end a transaction in another thread.
        conn.info[_WRITER] = True
        try:
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        except BaseException:
            _release(conn)
            raise

    def _release(conn: Any) -> None:
        if conn.info.pop(_WRITER, False):
            writers.release()

    event.listen(engine, "commit", _release)
    event.listen(engine, "rollback", _release)
    return engine


def _unicode_lower(value: Any) -> Any:
    return value.lower() if isinstance(value, str) else value


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    """A session factory bound to `engine`, for requests that write."""
    return sessionmaker(engine, expire_on_commit=False)


def make_read_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    """A session factory for reads: no write lock on SQLite, read-only on PostgreSQL."""
    options: dict[str, Any] = {READ_ONLY: True}
    if engine.dialect.name == "postgresql":
        options["postgresql_readonly"] = True
    return sessionmaker(engine.execution_options(**options), expire_on_commit=False)


def session_scope(factory: SessionFactory) -> Iterator[Session]:
    """Yield a session that commits on success and rolls back on error."""
    with factory() as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


def truncate_wal(engine: Engine, busy_ms: int) -> bool:
    """SQLite: one checkpoint that copies the whole log back and truncates it (False: busy)."""
    if engine.dialect.name != "sqlite":
        return True
    with engine.connect() as conn:
        # On the driver's connection: a checkpoint cannot run inside a transaction.
        raw = conn.connection.dbapi_connection
        assert raw is not None
        previous = raw.execute("PRAGMA busy_timeout").fetchone()[0]
        raw.execute(f"PRAGMA busy_timeout={int(busy_ms)}")
        try:
            busy, _log, _done = raw.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        finally:
            raw.execute(f"PRAGMA busy_timeout={int(previous)}")
    return not busy


class DeletedDataScrubber:
    """Leaves no erased row readable in the database files.

    SQLite: deleted rows are zeroed in the database pages at once (secure_delete), but their
    earlier versions stay in the write-ahead log until a checkpoint copies every frame back
    and truncates it. A reader holding an old snapshot (a long export, say) delays that, so
    after one short try the checkpoint is retried in the background until it succeeds.
    PostgreSQL keeps dead row versions until VACUUM: `emile-api purge` runs it.
    """

    def __init__(self, engine: Engine, retry_seconds: float = 300.0) -> None:
        self.engine = engine
        self.retry_seconds = retry_seconds
        self._pending = threading.Event()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._closed = False

    def scrub(self) -> bool:
        """Truncate the log now if nobody is in the way (True), else keep trying later."""
        if truncate_wal(self.engine, busy_ms=500):
            return True
        self._pending.set()
        with self._lock:
            if self._thread is None and not self._closed:
                self._thread = threading.Thread(
                    target=self._retry, name="wal-scrubber", daemon=True
                )
                self._thread.start()
        return False

    def _retry(self) -> None:
        while not self._closed:
            if not self._pending.wait(timeout=1.0):
                continue
            deadline = time.monotonic() + self.retry_seconds
            delay = 0.2
            while not self._closed and time.monotonic() < deadline:
                self._pending.clear()
                if truncate_wal(self.engine, busy_ms=200):
                    break
                self._pending.set()
                time.sleep(delay)
                delay = min(delay * 2, 5.0)
            else:
                if not self._closed:
                    logger.warning("the database log still holds erased rows: it is in use")

    def close(self) -> None:
        """Stop retrying; one last try (at shutdown nobody should hold a snapshot)."""
        self._closed = True
        if self._thread is not None:
            self._thread.join(timeout=5)
        if self._pending.is_set():
            truncate_wal(self.engine, busy_ms=2000)


def vacuum_personal_tables(engine: Engine, tables: list[str]) -> None:
    """PostgreSQL: rewrite the tables so that erased rows leave no dead versions behind."""
    if engine.dialect.name != "postgresql":
        return
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        for table in tables:
            conn.execute(text(f'VACUUM (FULL) "{table}"'))
