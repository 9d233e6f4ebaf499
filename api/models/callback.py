"""Requests to be called back by a person."""

from datetime import datetime

from sqlalchemy import Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from api.enums import CallbackStatus, Channel, Language
from api.models.base import Base, enum_column, utcnow


class CallbackRequest(Base):
    """Someone asked to talk to a person; operators call back and close it."""

    __tablename__ = "callback_requests"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str | None] = mapped_column(String(200))
    phone: Mapped[str] = mapped_column(String(16), index=True)
    language: Mapped[Language] = mapped_column(enum_column(Language, 8))
    channel: Mapped[Channel] = mapped_column(enum_column(Channel, 16))
    topic: Mapped[str | None] = mapped_column(String(64))
    application_reference: Mapped[str | None] = mapped_column(String(12))
    status: Mapped[CallbackStatus] = mapped_column(
        enum_column(CallbackStatus), default=CallbackStatus.open, index=True
    )
    note: Mapped[str | None] = mapped_column(Text)
    closed_by: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    closed_at: Mapped[datetime | None]
