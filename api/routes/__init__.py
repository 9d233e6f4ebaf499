"""One router per resource, all mounted under `/api/v1`."""

from fastapi import APIRouter

from api.routes import (
    applications,
    audit,
    callbacks,
    health,
    keys,
    person,
    territories,
    workshops,
)

ROUTERS: list[APIRouter] = [
    health.router,
    applications.router,
    person.router,
    territories.router,
    workshops.router,
    callbacks.router,
    keys.router,
    audit.router,
]
