"""A real browser (Debian's chromium, driven by Playwright) against the console on uvicorn.

`scripts/chromium.sh` installs chromium from Debian's packages (`scripts/test.sh` calls it);
nothing is ever downloaded by Playwright. One uvicorn server on loopback serves a migrated
SQLite database for the whole module; each test seeds its own people and applications, and
each person gets a fresh browser context (its own cookies). Screenshots go to
`var/screenshots/` as test artefacts.
"""

import os
import shutil
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, sync_playwright
from sqlalchemy.orm import Session

from api.main import create_app
from api.services.accounts import create_account
from api.services.keys import create_key
from api.settings import PROJECT_ROOT
from tests.api.conftest import Database, migrated_database

CHROMIUM = os.environ.get("EMILE_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = PROJECT_ROOT / "var" / "screenshots"
PASSWORD = "a long browser password"


@dataclass
class Console:
    """The console served on loopback, and ways to seed its database."""

    base_url: str
    database: Database

    def url(self, path: str) -> str:
        """The full address of a console page."""
        return f"{self.base_url}/console{path}"

    def key(self, role: str, territories: list[str] | None = None) -> dict[str, str]:
        """A new API key's headers (the assistant's, to make applications, or an admin's)."""
        with Session(self.database.engine) as s:
            _, new = create_key(
                s, f"key-{uuid.uuid4().hex[:8]}", role=role, territories=territories
            )
            s.commit()
        return {"X-API-Key": new.token}

    def account(self, role: str = "operator", territories: list[str] | None = None) -> str:
        """A new console account; returns its e-mail (the password is PASSWORD)."""
        email = f"{role}-{uuid.uuid4().hex[:6]}@emile.test"
        with Session(self.database.engine) as s:
            create_account(s, email, email.split("@")[0], role, PASSWORD, territories)
            s.commit()
        return email

    def api(self, method: str, path: str, headers: dict[str, str], **kwargs: Any) -> httpx.Response:
        """A call to the operator API of the same server."""
        return httpx.request(method, f"{self.base_url}/api/v1{path}", headers=headers, **kwargs)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture(scope="module")
def console(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Console]:
    """Uvicorn serving the app on loopback over a fresh migrated SQLite database."""
    db, cleanup = migrated_database("sqlite", tmp_path_factory.mktemp("browser-db"))
    port = _free_port()
    server = uvicorn.Server(
        uvicorn.Config(create_app(db.settings), host="127.0.0.1", port=port, log_level="warning")
    )
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
        pytest.fail("the console's server did not start")
    yield Console(base_url, db)
    server.should_exit = True
    thread.join(timeout=10)
    cleanup()


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    """Playwright's driver (it drives the installed chromium; it downloads nothing)."""
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="session")
def browser(playwright: Playwright) -> Iterator[Browser]:
    """Debian's headless chromium, with a fresh temporary profile (user-data dir)."""
    if not Path(CHROMIUM).exists():
        message = f"{CHROMIUM} is missing: run scripts/chromium.sh (scripts/test.sh does)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    yield launched
    launched.close()


Person = Callable[..., Page]


@pytest.fixture
def person(browser: Browser) -> Iterator[Person]:
    """A new browser context (own cookies) per person; `person()` gives its page."""
    contexts: list[BrowserContext] = []

    def open_page(**options: Any) -> Page:
        context = browser.new_context(locale="fr-FR", **options)
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()


@pytest.fixture(scope="session", autouse=True)
def screenshots_dir() -> Path:
    """A clean `var/screenshots/` for this run's pictures."""
    shutil.rmtree(SCREENSHOTS, ignore_errors=True)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS


def shot(page: Page, name: str) -> None:
    """Save a full-page screenshot of `page` as var/screenshots/<name>.png."""
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def sign_in(page: Page, console: Console, email: str, password: str = PASSWORD) -> None:
    """Sign in through the form, with the keyboard as a person would."""
    page.goto(console.url("/connexion"))
    page.get_by_label("Adresse e-mail").fill(email)
    page.keyboard.press("Tab")
    page.keyboard.type(password)
    with page.expect_navigation():
        page.keyboard.press("Enter")
