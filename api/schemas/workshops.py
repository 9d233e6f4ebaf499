"""Workshops, information meetings and the registrations people make to them."""

from datetime import datetime, timedelta, timezone
from typing import Annotated
from zoneinfo import ZoneInfo

from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, Field, model_validator

from api.enums import Audience, Language, RegistrationStatus, WorkshopKind
from api.models import Registration, Workshop
from api.schemas.fields import EmailAddress, Line, Paragraph, PhoneNumber, visible_text

# Further ahead than this is a typo in the year, not a plan.
MAX_AHEAD = timedelta(days=3 * 366)
CAPACITY_MAX = 500

Title = Annotated[Line, Field(max_length=200)]
Description = Annotated[Paragraph, Field(max_length=5000)]
Place = Annotated[Line, Field(max_length=300)]
OnlineUrl = Annotated[str, Field(max_length=500, pattern=r"^https?://[^\s/$.?#][^\s]*$")]
Capacity = Annotated[int, Field(strict=True, ge=1, le=CAPACITY_MAX)]
Duration = Annotated[int, Field(strict=True, ge=15, le=600, description="Length in minutes")]


def _in_the_future(value: datetime) -> datetime:
    now = datetime.now(timezone.utc)
    try:
        value = value.astimezone(timezone.utc)
    except OverflowError:
        raise ValueError("this date is out of range") from None
    if value <= now:
        raise ValueError("the workshop must start in the future")
    if value > now + MAX_AHEAD:
        raise ValueError("the workshop must start within the next three years")
    return value


StartsAt = Annotated[
    AwareDatetime,
    AfterValidator(_in_the_future),
    Field(description="With a timezone, e.g. `2026-12-03T14:00:00+01:00`; stored in UTC."),
]


class WorkshopCreate(BaseModel):
    """A new workshop or information meeting; it needs a place, an online link, or both."""

    model_config = ConfigDict(extra="forbid")

    kind: WorkshopKind
    audience: Audience
    title: Title
    description: Description | None = None
    starts_at: StartsAt
    duration_minutes: Duration = 90
    place: Place | None = None
    online_url: OnlineUrl | None = None
    language: Language = Language.fr
    capacity: Capacity

    @model_validator(mode="after")
    def _somewhere(self) -> "WorkshopCreate":
        if self.place is None and self.online_url is None:
            raise ValueError("give a place, an online_url, or both")
        return self


# Fields a PATCH may not set to null.
_REQUIRED_ON_PATCH = (
    "kind",
    "audience",
    "title",
    "starts_at",
    "duration_minutes",
    "language",
    "capacity",
    "cancelled",
)


class WorkshopUpdate(BaseModel):
    """Changes to a workshop; only the fields sent change. `cancelled: true` cancels it."""

    model_config = ConfigDict(extra="forbid")

    kind: WorkshopKind | None = None
    audience: Audience | None = None
    title: Title | None = None
    description: Description | None = None
    starts_at: StartsAt | None = None
    duration_minutes: Duration | None = None
    place: Place | None = None
    online_url: OnlineUrl | None = None
    language: Language | None = None
    capacity: Capacity | None = Field(
        default=None, description="Cannot go below the seats already taken (409)."
    )
    cancelled: bool | None = None

    @model_validator(mode="after")
    def _no_null_for_required(self) -> "WorkshopUpdate":
        sent = self.model_fields_set
        nulls = [f for f in _REQUIRED_ON_PATCH if f in sent and getattr(self, f) is None]
        if nulls:
            raise ValueError(f"{', '.join(nulls)} cannot be null")
        return self


class WorkshopOut(BaseModel):
    """A workshop as people see it, with the seats still free."""

    id: int
    kind: WorkshopKind
    audience: Audience
    title: str
    description: str | None
    starts_at: datetime = Field(description="In UTC")
    starts_at_local: datetime = Field(description="The same moment in the programme's timezone")
    timezone: str = Field(examples=["Europe/Paris"])
    duration_minutes: int
    place: str | None
    online_url: str | None
    language: Language
    capacity: int
    seats_taken: int
    seats_left: int = Field(description="Seats still free; 0 when the workshop is cancelled")
    cancelled: bool
    bookable: bool = Field(description="In the future, not cancelled, and with a seat free")

    @classmethod
    def of(cls, workshop: Workshop, tz: ZoneInfo, now: datetime) -> "WorkshopOut":
        """The representation of a stored workshop at time `now`."""
        seats_left = 0 if workshop.cancelled else max(workshop.capacity - workshop.seats_taken, 0)
        return cls(
            id=workshop.id,
            kind=workshop.kind,
            audience=workshop.audience,
            title=workshop.title,
            description=workshop.description,
            starts_at=workshop.starts_at,
            starts_at_local=workshop.starts_at.astimezone(tz),
            timezone=tz.key,
            duration_minutes=workshop.duration_minutes,
            place=workshop.place,
            online_url=workshop.online_url,
            language=workshop.language,
            capacity=workshop.capacity,
            seats_taken=workshop.seats_taken,
            seats_left=seats_left,
            cancelled=workshop.cancelled,
            bookable=seats_left > 0 and workshop.starts_at > now,
        )


class RegistrationCreate(BaseModel):
    """A person books a seat; give a phone, an e-mail, or both."""

    model_config = ConfigDict(extra="forbid")

    name: Annotated[Line, Field(max_length=200), AfterValidator(visible_text)]
    organisation: Annotated[Line, Field(max_length=200)] | None = None
    phone: PhoneNumber | None = Field(
        default=None, description="E.164 (+33612345678) or French (06 12 34 56 78)"
    )
    email: EmailAddress | None = None
    language: Language | None = None

    @model_validator(mode="after")
    def _reachable(self) -> "RegistrationCreate":
        if self.phone is None and self.email is None:
            raise ValueError("give a phone number or an e-mail address")
        return self

    @property
    def contact_key(self) -> str:
        """What makes two bookings the same person: the phone, else the e-mail."""
        if self.phone is not None:
            return f"tel:{self.phone}"
        return f"email:{(self.email or '').lower()}"


class RegistrationSummary(BaseModel):
    """A registration, without its workshop."""

    model_config = ConfigDict(from_attributes=True)

    reference: str = Field(examples=["K7P4XM"])
    status: RegistrationStatus
    name: str
    organisation: str | None
    phone: str | None
    email: str | None
    language: Language | None
    created_at: datetime
    cancelled_at: datetime | None


class RegistrationOut(RegistrationSummary):
    """A registration and the workshop it is for."""

    workshop: WorkshopOut

    @classmethod
    def of(
        cls, registration: Registration, workshop: Workshop, tz: ZoneInfo, now: datetime
    ) -> "RegistrationOut":
        """The representation of a stored registration."""
        summary = RegistrationSummary.model_validate(registration)
        return cls(**summary.model_dump(), workshop=WorkshopOut.of(workshop, tz, now))
