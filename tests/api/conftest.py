"""Fixtures: a migrated database per backend, a rolled-back transaction per test, API keys.

Every test using `client` runs on SQLite and on PostgreSQL. PostgreSQL is reached at
`EMILE_TEST_POSTGRES_URL` (set by `make test` / `scripts/postgres.sh`); without it the
PostgreSQL cases are skipped locally and fail in CI.
"""

import os
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import nullcontext
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import uvicorn
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Connection, Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from api.db import make_engine
from api.main import create_app
from api.migrate import upgrade
from api.services.keys import create_key
from api.services.page_cache import applications_fingerprint
from api.services.territories import seed_territories
from api.settings import PROJECT_ROOT, Settings

TERRITORIES_FILE = PROJECT_ROOT / "data" / "territories.yml"
BACKENDS = ["sqlite", "postgres"]
# Most tests submit many applications for one phone number from one key: the limits are
# lifted for them and set by the tests of the limits themselves (tests/api/test_limits.py).
UNLIMITED = {
    "EMILE_RATE_LIMIT": "off",
    "EMILE_APPLICATIONS_PER_PHONE": 10_000,
    "EMILE_OPEN_CALLBACKS_PER_PHONE": 10_000,
}


def postgres_admin_url() -> str:
    """The PostgreSQL server for tests, or skip (fail in CI) when there is none."""
    url = os.environ.get("EMILE_TEST_POSTGRES_URL")
    if not url:
        if os.environ.get("CI"):
            pytest.fail("EMILE_TEST_POSTGRES_URL is not set: run the tests with `make test`")
        pytest.skip("EMILE_TEST_POSTGRES_URL is not set")
    return url


@dataclass
class Database:
    """A fresh, migrated, seeded database and the settings that point at it."""

    backend: str
    settings: Settings
    engine: Engine


def _fresh_database(backend: str, tmp_dir: Path) -> tuple[Settings, Callable[[], None]]:
    """Settings for a new empty database, and how to drop it."""
    if backend == "sqlite":
        settings = Settings(EMILE_DATA_DIR=tmp_dir, DATABASE_URL=None, **UNLIMITED)
        return settings, lambda: None
    admin_url = make_url(postgres_admin_url()).set(drivername="postgresql+psycopg")
    name = f"emile_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = admin_url.set(database=name).render_as_string(hide_password=False)

    def drop() -> None:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return Settings(EMILE_DATA_DIR=tmp_dir, DATABASE_URL=url, **UNLIMITED), drop


def migrated_database(backend: str, tmp_dir: Path) -> tuple[Database, Callable[[], None]]:
    """A new database with the schema from migrations and the territories seeded."""
    settings, drop = _fresh_database(backend, tmp_dir)
    engine = make_engine(settings)
    with engine.begin() as conn:
        upgrade(conn)
    with Session(engine) as session:
        seed_territories(session, TERRITORIES_FILE)
        session.commit()

    def cleanup() -> None:
        engine.dispose()
        drop()

    return Database(backend, settings, engine), cleanup


@pytest.fixture(scope="session", params=BACKENDS)
def database(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Database]:
    """One migrated database per backend for the whole run."""
    db, cleanup = migrated_database(request.param, tmp_path_factory.mktemp(request.param))
    yield db
    cleanup()


@pytest.fixture
def connection(database: Database) -> Iterator[Connection]:
    """A connection inside a transaction that is rolled back after the test."""
    with database.engine.connect() as conn:
        transaction = conn.begin()
        yield conn
        transaction.rollback()


@pytest.fixture
def session(connection: Connection) -> Iterator[Session]:
    """An ORM session whose commits are savepoints of the test's transaction."""
    with Session(
        bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False
    ) as s:
        yield s


@pytest.fixture
def app(database: Database, session: Session) -> FastAPI:
    """The app, with every request using the test's session."""
    # Read audit entries written as they come: the test's one session cannot be shared with
    # the batch-writing thread (live-server tests run the batches).
    application = create_app(database.settings.model_copy(update={"audit_batch_ms": 0}))
    # Every session the app opens is the test's own (its commits are savepoints).
    application.state.sessionmaker = lambda: nullcontext(session)
    application.state.read_sessionmaker = lambda: nullcontext(session)
    # Kept pages checked on the event loop as SQLite serves them, in the test's transaction.
    application.state.fingerprint_now = lambda: applications_fingerprint(session)
    return application


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    """An HTTP client for the app; server errors are returned, not raised."""
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c


KeyMaker = Callable[..., dict[str, str]]


@pytest.fixture
def make_key(session: Session) -> KeyMaker:
    """Create an API key and return the headers that present it."""

    def make(
        role: str | None = None,
        scopes: list[str] | None = None,
        territories: list[str] | None = None,
        name: str | None = None,
    ) -> dict[str, str]:
        _, new = create_key(
            session,
            name or f"test-{uuid.uuid4().hex[:8]}",
            role=role,
            scopes=scopes,
            territories=territories,
        )
        session.commit()
        return {"X-API-Key": new.token}

    return make


@pytest.fixture
def assistant_headers(make_key: KeyMaker) -> dict[str, str]:
    """Headers of an assistant key."""
    return make_key("assistant", name="assistant")


@pytest.fixture
def operator_headers(make_key: KeyMaker) -> dict[str, str]:
    """Headers of an operator key that sees every territory."""
    return make_key("operator", name="operator-all")


@pytest.fixture
def admin_headers(make_key: KeyMaker) -> dict[str, str]:
    """Headers of an admin key."""
    return make_key("admin", name="admin")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class LiveServer:
    """A real uvicorn server on loopback over its own committed database."""

    base_url: str
    database: Database
    server: uvicorn.Server
    thread: threading.Thread

    def stop(self) -> None:
        """Stop the server as Ctrl-C would (its shutdown steps run)."""
        self.server.should_exit = True
        self.thread.join(timeout=10)

    def key(self, role: str, territories: list[str] | None = None) -> dict[str, str]:
        """Create and commit a key; return its headers."""
        with Session(self.database.engine) as s:
            _, new = create_key(
                s, f"live-{uuid.uuid4().hex[:8]}", role=role, territories=territories
            )
            s.commit()
        return {"X-API-Key": new.token}


@pytest.fixture(params=BACKENDS)
def live_server(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[LiveServer]:
    """Uvicorn serving the app over a fresh database, for tests that need real concurrency."""
    db, cleanup = migrated_database(request.param, tmp_path)
    # `@pytest.mark.live_settings(name=value)` serves the app with those settings changed.
    marker = request.node.get_closest_marker("live_settings")
    settings = db.settings.model_copy(update=marker.kwargs if marker else {})
    port = _free_port()
    config = uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    base_url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base_url}/api/v1/health", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.05)
    else:
        pytest.fail("the live API server did not start")
    live = LiveServer(base_url, db, server, thread)
    yield live
    live.stop()
    cleanup()
