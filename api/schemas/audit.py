"""Entries of the audit log."""

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field


class AuditEntryOut(BaseModel):
    """Who did what to which record, and when."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    at: datetime
    actor: str
    api_key_id: int | None
    account_id: int | None = Field(
        default=None, description="The console account that acted (None: an API key)."
    )
    action: str
    resource: str
    resource_id: str | None
    detail: str | None
