"""Liveness and readiness probes (no API key needed)."""

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from api.deps import SessionDep

router = APIRouter(tags=["health"])


class HealthStatus(BaseModel):
    """A probe's answer."""

    status: str


@router.get("/health", response_model=HealthStatus)
def health() -> HealthStatus:
    """The process is up."""
    return HealthStatus(status="ok")


@router.get(
    "/ready",
    response_model=HealthStatus,
    responses={503: {"model": HealthStatus, "description": "The database is not reachable"}},
)
def ready(session: SessionDep) -> HealthStatus | JSONResponse:
    """The database answers and the schema is migrated."""
    try:
        session.execute(text("SELECT 1 FROM alembic_version"))
    except SQLAlchemyError:
        return JSONResponse(status_code=503, content={"status": "unavailable"})
    return HealthStatus(status="ok")
