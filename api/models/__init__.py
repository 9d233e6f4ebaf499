"""SQLAlchemy models of the operator API; importing this package registers every table."""

from api.models.access import ApiKey, AuditEntry
from api.models.account import Account, ConsoleSession
from api.models.application import (
    Application,
    ApplicationTerritory,
    IdempotencyRecord,
    StatusChange,
)
from api.models.base import Base
from api.models.callback import CallbackRequest
from api.models.territory import Territory
from api.models.workshop import Registration, Workshop

__all__ = [
    "Account",
    "ApiKey",
    "Application",
    "ApplicationTerritory",
    "AuditEntry",
    "Base",
    "CallbackRequest",
    "ConsoleSession",
    "IdempotencyRecord",
    "Registration",
    "StatusChange",
    "Territory",
    "Workshop",
]
