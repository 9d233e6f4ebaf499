"""Host territories, seeded from `data/territories.yml`."""

from typing import Any

from sqlalchemy import JSON, String
from sqlalchemy.orm import Mapped, mapped_column

from api.models.base import Base


class Territory(Base):
    """A host territory (one French department) and what a candidate should know about it."""

    __tablename__ = "territories"

    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(80))
    department_code: Mapped[str] = mapped_column(String(3))
    region: Mapped[str] = mapped_column(String(80))
    active: Mapped[bool] = mapped_column(default=True, index=True)
    years: Mapped[list[int]] = mapped_column(JSON, default=list)
    main_towns: Mapped[list[str]] = mapped_column(JSON, default=list)
    sectors_hiring: Mapped[list[str]] = mapped_column(JSON, default=list)
    # Texts keyed by language code ({"fr": ..., "en": ...}); the reader picks one.
    housing: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    daily_life: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    operator_name: Mapped[str | None] = mapped_column(String(120))
    contact: Mapped[str | None] = mapped_column(String(200))
