"""The person behind an application, identified by reference and phone."""

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from api.enums import ApplicationStatus
from api.schemas.fields import PhoneNumber


class PersonRequest(BaseModel):
    """A reference code and the phone number the application was made with."""

    model_config = ConfigDict(extra="forbid")

    reference: str = Field(min_length=1, max_length=40, examples=["K7P4XM"])
    phone: PhoneNumber


class PersonErasureRequest(BaseModel):
    """Erase what is held about a phone, once the person has shown it is theirs.

    Proof is one of: `phone_verified` (the channel itself proved the number, as an SMS sent
    from it does), an application `reference` made with this phone, or a workshop
    `registration_reference` booked with it. Then every application, booking and callback
    request of that phone goes. Without proof, only the listed `callback_ids` made with this
    phone go (what the person's own conversation created).
    """

    model_config = ConfigDict(extra="forbid")

    phone: PhoneNumber
    reference: str | None = Field(default=None, min_length=1, max_length=40)
    registration_reference: str | None = Field(default=None, min_length=1, max_length=40)
    phone_verified: bool = False
    callback_ids: list[Annotated[int, Field(ge=1, le=2**31 - 1)]] = Field(
        default_factory=list, max_length=50
    )


class ErasureReport(BaseModel):
    """What an erasure deleted: the assistant tells the person exactly this."""

    erased: bool = True
    applications: int
    registrations: int
    callbacks: int


class PersonStatus(BaseModel):
    """Where a person's application stands."""

    reference: str
    status: ApplicationStatus
    updated_at: datetime
