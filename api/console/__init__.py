"""The operator console: French server-rendered pages for the programme's teams, at /console."""

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from api.console import accounts, dashboard, workshops
from api.console.rendering import HERE
from api.console.routes import console_error, router, sign_in_required
from api.console.security import ConsoleError, SignInRequired


def install_console(app: FastAPI) -> None:
    """Serve the console's pages and stylesheet on `app`."""
    # Before the router: its last route answers every other /console address with a 404 page.
    app.mount("/console/static", StaticFiles(directory=HERE / "static"), name="console_static")
    # Before `router`, whose last route answers every other /console address.
    app.include_router(accounts.router)
    app.include_router(workshops.router)
    app.include_router(dashboard.router)
    app.include_router(router)
    app.add_exception_handler(SignInRequired, sign_in_required)
    app.add_exception_handler(ConsoleError, console_error)
