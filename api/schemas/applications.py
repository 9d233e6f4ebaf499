"""Applications: what the assistant sends, what operators read."""

from datetime import datetime, timedelta, timezone
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
)

from api.enums import (
    ApplicationStatus,
    Channel,
    DrivingLicence,
    FrenchLevel,
    HousingSituation,
    Language,
    ReadyToMove,
    ResidenceArea,
    RightToWork,
    Sector,
    Verdict,
    WorkSituation,
)
from api.models import Application, StatusChange
from api.schemas.fields import Count, Note, OptionalEmail, PersonName, PhoneNumber

# A little clock skew between the assistant and the API is normal.
CONSENT_SKEW = timedelta(minutes=5)
# EMILE started in 2019: an earlier consent is a client bug.
CONSENT_EARLIEST = datetime(2019, 1, 1, tzinfo=timezone.utc)


def _lower_stripped(value: object) -> object:
    return value.strip().lower() if isinstance(value, str) else value


TerritoryCode = Annotated[
    str,
    BeforeValidator(_lower_stripped),
    StringConstraints(pattern=r"^[a-z0-9_-]{1,40}$"),
]
ReasonCode = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9_.:-]{0,63}$")]
RulesVersion = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$")]


def _deduplicated(values: list[str]) -> list[str]:
    return list(dict.fromkeys(values))


class Answers(BaseModel):
    """The person's answers to the eligibility questions."""

    model_config = ConfigDict(extra="forbid")

    residence_area: ResidenceArea
    housing_situation: HousingSituation
    right_to_work: RightToWork
    work_situation: WorkSituation
    ready_to_move: ReadyToMove
    # None: the person did not know; the verdict then says `to_review`.
    adults: Count | None = Field(ge=1, le=10)
    children: Count | None = Field(ge=0, le=15)
    trades: Annotated[list[Sector], AfterValidator(_deduplicated)] = Field(
        default_factory=list, max_length=len(Sector)
    )
    experience_years: Count | None = Field(default=None, ge=0, le=60)
    driving_licence: DrivingLicence
    french_level: FrenchLevel


class VerdictIn(BaseModel):
    """The assistant's pre-qualification, with the rules that produced it."""

    model_config = ConfigDict(extra="forbid")

    result: Verdict
    reasons: list[ReasonCode] = Field(default_factory=list, max_length=20)
    rules_version: RulesVersion


class ApplicationCreate(BaseModel):
    """An application as the assistant submits it."""

    model_config = ConfigDict(extra="forbid")

    first_name: PersonName
    last_name: PersonName
    phone: PhoneNumber
    email: OptionalEmail = None
    language: Language
    channel: Channel
    consent_at: AwareDatetime = Field(
        description="When the person consented; with a timezone, not in the future."
    )
    answers: Answers
    territory_preferences: Annotated[list[TerritoryCode], AfterValidator(_deduplicated)] = Field(
        default_factory=list,
        max_length=20,
        description="Active territory codes, first choice first.",
    )
    verdict: VerdictIn

    @field_validator("consent_at")
    @classmethod
    def _consent_in_the_past(cls, value: datetime) -> datetime:
        if value < CONSENT_EARLIEST:
            raise ValueError("consent_at is before EMILE existed")
        if value > datetime.now(timezone.utc) + CONSENT_SKEW:
            raise ValueError("consent_at is in the future")
        return value.astimezone(timezone.utc)


class VerdictOut(BaseModel):
    """The verdict as stored."""

    result: Verdict
    reasons: list[str]
    rules_version: str


class ApplicationOut(BaseModel):
    """An application as operators see it."""

    reference: str = Field(examples=["K7P4XM"])
    status: ApplicationStatus
    first_name: str
    last_name: str
    phone: str
    email: str | None
    language: Language
    channel: Channel
    consent_at: datetime
    answers: Answers
    territory_preferences: list[str]
    verdict: VerdictOut
    created_at: datetime
    updated_at: datetime
    last_contact_at: datetime

    @classmethod
    def of(cls, app: Application) -> "ApplicationOut":
        """The representation of a stored application."""
        return cls.from_row(app, app.territory_preferences)

    @classmethod
    def from_row(cls, app: Any, territories: list[str]) -> "ApplicationOut":
        """The representation of an application's columns (an ORM object or a plain row).

        Built without validation: the row was validated on its way in, and lists build fifty.
        """
        return cls.model_construct(
            reference=app.reference,
            status=app.status,
            first_name=app.first_name,
            last_name=app.last_name,
            phone=app.phone,
            email=app.email,
            language=app.language,
            channel=app.channel,
            consent_at=app.consent_at,
            answers=Answers.model_construct(
                residence_area=app.residence_area,
                housing_situation=app.housing_situation,
                right_to_work=app.right_to_work,
                work_situation=app.work_situation,
                ready_to_move=app.ready_to_move,
                adults=app.adults,
                children=app.children,
                trades=[Sector(t) for t in app.trades],
                experience_years=app.experience_years,
                driving_licence=app.driving_licence,
                french_level=app.french_level,
            ),
            territory_preferences=territories,
            verdict=VerdictOut.model_construct(
                result=app.verdict, reasons=app.verdict_reasons, rules_version=app.rules_version
            ),
            created_at=app.created_at,
            updated_at=app.updated_at,
            last_contact_at=app.last_contact_at,
        )


class StatusUpdate(BaseModel):
    """An operator moves an application along its pipeline."""

    model_config = ConfigDict(extra="forbid")

    status: ApplicationStatus
    note: Note | None = None


class StatusChangeOut(BaseModel):
    """One entry of an application's history; the first is its creation."""

    model_config = ConfigDict(from_attributes=True)

    from_status: ApplicationStatus | None
    to_status: ApplicationStatus
    note: str | None
    actor: str
    at: datetime

    @classmethod
    def of(cls, change: StatusChange) -> "StatusChangeOut":
        """The representation of a stored status change."""
        return cls.model_validate(change)


class Erased(BaseModel):
    """The answer to an erasure."""

    erased: bool = True
