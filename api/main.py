"""The FastAPI application factory (run with `uvicorn --factory api.main:create_app`)."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import partial
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from api.audit import ReadAudit
from api.console import install_console
from api.db import DeletedDataScrubber, make_engine, make_read_sessionmaker, make_sessionmaker
from api.errors import ErrorBody, install_error_handlers
from api.key_cache import PrincipalCache
from api.limits import BodySizeLimit, RequestRateLimiter
from api.routes import ROUTERS
from api.services.page_cache import PageCache, current_fingerprint
from api.settings import Settings, get_settings

API_PREFIX = "/api/v1"


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the app, its engine and session factory from `settings`."""
    settings = settings or get_settings()
    engine = make_engine(settings)
    scrubber = DeletedDataScrubber(engine)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        app.state.read_audit.close()
        scrubber.close()
        engine.dispose()

    app = FastAPI(
        title="EMILE operator API",
        version="1.0.0",
        description=(
            "Applications pre-qualified by the EMILE assistant, host territories, workshops "
            "and callback requests. Every call needs an `X-API-Key`."
        ),
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.engine = engine
    app.state.sessionmaker = make_sessionmaker(engine)
    app.state.read_sessionmaker = make_read_sessionmaker(engine)
    app.state.scrubber = scrubber
    app.state.principal_cache = PrincipalCache(settings.key_cache_seconds)
    # Through app.state, so that tests which swap the session factories swap its writes too.
    app.state.read_audit = ReadAudit(
        lambda: app.state.sessionmaker(), settings.audit_batch_ms / 1000
    )
    app.state.page_cache = PageCache()
    # SQLite answers "has anything changed?" from the local file in well under the cost of
    # a hop to the threadpool and back; a server over the network may not (None: no check
    # on the event loop).
    app.state.fingerprint_now = (
        partial(current_fingerprint, engine) if engine.dialect.name == "sqlite" else None
    )
    app.state.rate_limiter = RequestRateLimiter.from_setting(settings.rate_limit)
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_body_bytes)
    install_error_handlers(app)
    for router in ROUTERS:
        app.include_router(router, prefix=API_PREFIX)
    install_console(app)
    app.openapi = lambda: _openapi(app)  # type: ignore[method-assign]
    return app


def _openapi(app: FastAPI) -> dict[str, Any]:
    """OpenAPI schema in which validation errors have the shape the handlers really send."""
    if app.openapi_schema:
        return app.openapi_schema
    schema = get_openapi(
        title=app.title, version=app.version, description=app.description, routes=app.routes
    )
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    components["HTTPValidationError"] = ErrorBody.model_json_schema()
    components.pop("ValidationError", None)
    app.openapi_schema = schema
    return schema
