"""Workshops and information meetings, and the seats people hold in them."""

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from api.enums import Audience, Language, RegistrationStatus, WorkshopKind
from api.models.base import Base, enum_column, utcnow


class Workshop(Base):
    """A dated session with a capacity; `seats_taken` is changed only by guarded updates."""

    __tablename__ = "workshops"
    __table_args__ = (
        CheckConstraint("seats_taken >= 0 AND seats_taken <= capacity", name="seats"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[WorkshopKind] = mapped_column(enum_column(WorkshopKind))
    audience: Mapped[Audience] = mapped_column(enum_column(Audience), index=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)
    starts_at: Mapped[datetime] = mapped_column(index=True)
    duration_minutes: Mapped[int] = mapped_column(default=90)
    place: Mapped[str | None] = mapped_column(String(300))
    online_url: Mapped[str | None] = mapped_column(String(500))
    language: Mapped[Language] = mapped_column(enum_column(Language, 8))
    capacity: Mapped[int]
    seats_taken: Mapped[int] = mapped_column(default=0)
    cancelled: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Registration(Base):
    """One person's seat; (workshop, contact) is unique so a repeated booking is the same one."""

    __tablename__ = "registrations"
    __table_args__ = (
        UniqueConstraint("workshop_id", "contact_key", name="uq_registration_contact"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    reference: Mapped[str] = mapped_column(String(12), unique=True)
    workshop_id: Mapped[int] = mapped_column(
        ForeignKey("workshops.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(200))
    organisation: Mapped[str | None] = mapped_column(String(200))
    phone: Mapped[str | None] = mapped_column(String(16), index=True)
    email: Mapped[str | None] = mapped_column(String(254))
    # Normalised phone or email: what makes two bookings the same person.
    contact_key: Mapped[str] = mapped_column(String(254))
    language: Mapped[Language | None] = mapped_column(enum_column(Language, 8))
    status: Mapped[RegistrationStatus] = mapped_column(
        enum_column(RegistrationStatus), default=RegistrationStatus.confirmed
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    cancelled_at: Mapped[datetime | None]
