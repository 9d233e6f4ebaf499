"""The person behind an application, identified by reference and phone."""

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from api.enums import ApplicationStatus
from api.schemas.fields import PhoneNumber


class PersonRequest(BaseModel):
    """A reference code and the phone number the application was made with."""

    model_config = ConfigDict(extra="forbid")

    reference: str = Field(min_length=1, max_length=40, examples=["K7P4XM"])
    phone: PhoneNumber


class PersonStatus(BaseModel):
    """Where a person's application stands."""

    reference: str
    status: ApplicationStatus
    updated_at: datetime
