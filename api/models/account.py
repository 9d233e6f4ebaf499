"""Personal console accounts and their server-side sessions."""

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from api.models.base import Base, utcnow


class Account(Base):
    """A person who signs in to the console: a role and territories, exactly as an API key."""

    __tablename__ = "accounts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # Stored lower-cased: the address people type is matched whatever its case.
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    role: Mapped[str] = mapped_column(String(16))
    # None: every territory; a list: only applications preferring one of these.
    territories: Mapped[list[str] | None] = mapped_column(JSON)
    # The console's language for this person ("fr" or "en").
    language: Mapped[str] = mapped_column(String(8), default="fr")
    password_hash: Mapped[str] = mapped_column(String(255))
    failed_sign_ins: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    disabled_at: Mapped[datetime | None]


class ConsoleSession(Base):
    """A signed-in browser: only the SHA-256 of its random id is stored."""

    __tablename__ = "console_sessions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    account_id: Mapped[int] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    ended_at: Mapped[datetime | None]
