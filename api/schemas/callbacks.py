"""Callback requests: a person asked to talk to someone; operators call back and close them."""

from datetime import datetime
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from api.codes import ALPHABET, normalise_reference
from api.enums import CallbackStatus, Channel, Language
from api.schemas.fields import Line, Paragraph, PhoneNumber, visible_text


def _reference(value: str) -> str:
    reference = normalise_reference(value)
    if not reference or len(reference) > 12 or any(ch not in ALPHABET for ch in reference):
        raise ValueError("not a reference code such as K7P4XM")
    return reference


ReferenceCode = Annotated[str, Field(max_length=24), AfterValidator(_reference)]


class CallbackCreate(BaseModel):
    """A request to be called back, as the assistant sends it."""

    model_config = ConfigDict(extra="forbid")

    name: Annotated[Line, Field(max_length=200), AfterValidator(visible_text)] | None = None
    phone: PhoneNumber = Field(description="E.164 (+33612345678) or French (06 12 34 56 78)")
    language: Language
    channel: Channel
    topic: Annotated[Line, Field(max_length=64, examples=["eligibility"])] | None = None
    application_reference: ReferenceCode | None = None


class CallbackClose(BaseModel):
    """How the call went."""

    model_config = ConfigDict(extra="forbid")

    note: Annotated[Paragraph, Field(max_length=2000)]


class CallbackOut(BaseModel):
    """A callback request as operators see it."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str | None
    phone: str
    language: Language
    channel: Channel
    topic: str | None
    application_reference: str | None
    status: CallbackStatus
    note: str | None
    closed_by: str | None
    created_at: datetime
    closed_at: datetime | None
