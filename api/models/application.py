"""Applications written by the assistant, their status history and idempotency records."""

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

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
    Verdict,
    WorkSituation,
)
from api.models.base import Base, enum_column, utcnow


class Application(Base):
    """A pre-qualified application: the person, their answers and the assistant's verdict."""

    __tablename__ = "applications"
    # Operators' usual list (a status, a verdict, newest first) is read from this index alone;
    # the territory is then checked per entry, and only the shown page's rows are fetched.
    __table_args__ = (Index("ix_applications_status_verdict_created_at", "status", "verdict", "created_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    reference: Mapped[str] = mapped_column(String(12), unique=True)
    status: Mapped[ApplicationStatus] = mapped_column(
        enum_column(ApplicationStatus), default=ApplicationStatus.new, index=True
    )
    # Contact details.
    first_name: Mapped[str] = mapped_column(String(100))
    last_name: Mapped[str] = mapped_column(String(100))
    phone: Mapped[str] = mapped_column(String(16), index=True)
    email: Mapped[str | None] = mapped_column(String(254))
    # Conversation.
    language: Mapped[Language] = mapped_column(enum_column(Language, 8), index=True)
    channel: Mapped[Channel] = mapped_column(enum_column(Channel, 16))
    consent_at: Mapped[datetime]
    # Eligibility answers.
    residence_area: Mapped[ResidenceArea] = mapped_column(enum_column(ResidenceArea))
    housing_situation: Mapped[HousingSituation] = mapped_column(enum_column(HousingSituation))
    right_to_work: Mapped[RightToWork] = mapped_column(enum_column(RightToWork))
    work_situation: Mapped[WorkSituation] = mapped_column(enum_column(WorkSituation))
    ready_to_move: Mapped[ReadyToMove] = mapped_column(enum_column(ReadyToMove))
    adults: Mapped[int | None]
    children: Mapped[int | None]
    trades: Mapped[list[str]] = mapped_column(JSON, default=list)
    experience_years: Mapped[int | None]
    driving_licence: Mapped[DrivingLicence] = mapped_column(enum_column(DrivingLicence))
    french_level: Mapped[FrenchLevel] = mapped_column(enum_column(FrenchLevel))
    # Verdict.
    verdict: Mapped[Verdict] = mapped_column(enum_column(Verdict), index=True)
    verdict_reasons: Mapped[list[str]] = mapped_column(JSON, default=list)
    rules_version: Mapped[str] = mapped_column(String(32))
    # Bookkeeping.
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    # Indexed: its maximum is read on every list (api/services/page_cache.py).
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow, index=True)
    last_contact_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)

    territories: Mapped[list["ApplicationTerritory"]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="ApplicationTerritory.rank"
    )
    history: Mapped[list["StatusChange"]] = relationship(
        cascade="all, delete-orphan", lazy="raise", order_by="StatusChange.id"
    )

    @property
    def territory_preferences(self) -> list[str]:
        """The preferred territory codes, first choice first."""
        return [t.territory_code for t in self.territories]


class ApplicationTerritory(Base):
    """One preferred territory of an application; also what scopes operators' access."""

    __tablename__ = "application_territories"

    application_id: Mapped[int] = mapped_column(
        ForeignKey("applications.id", ondelete="CASCADE"), primary_key=True
    )
    territory_code: Mapped[str] = mapped_column(
        ForeignKey("territories.code"), primary_key=True, index=True
    )
    rank: Mapped[int] = mapped_column(default=0)


class StatusChange(Base):
    """One change of an application's status, with who made it and why."""

    __tablename__ = "status_changes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    application_id: Mapped[int] = mapped_column(
        ForeignKey("applications.id", ondelete="CASCADE"), index=True
    )
    from_status: Mapped[ApplicationStatus | None] = mapped_column(enum_column(ApplicationStatus))
    to_status: Mapped[ApplicationStatus] = mapped_column(enum_column(ApplicationStatus))
    note: Mapped[str | None] = mapped_column(Text)
    actor: Mapped[str] = mapped_column(String(100))
    at: Mapped[datetime] = mapped_column(default=utcnow)


class IdempotencyRecord(Base):
    """What an `Idempotency-Key` produced; kept after erasure so a replay cannot revive data.

    A key belongs to the API key that sent it: another client choosing the same string gets
    its own application, never the first one's.
    """

    __tablename__ = "idempotency_records"

    api_key_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    body_hash: Mapped[str] = mapped_column(String(64))
    application_id: Mapped[int | None] = mapped_column(
        ForeignKey("applications.id", ondelete="SET NULL")
    )
    erased: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
