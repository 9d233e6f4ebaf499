"""The territory catalogue, loaded from its data file."""

from pathlib import Path
from typing import Any

import yaml
from sqlalchemy.orm import Session

from api.models import Territory

FIELDS = (
    "name",
    "department_code",
    "region",
    "active",
    "years",
    "main_towns",
    "sectors_hiring",
    "housing",
    "daily_life",
    "operator_name",
    "contact",
)


def load_territory_file(path: Path) -> list[dict[str, Any]]:
    """The territories described in `path` (a YAML list under `territories:`)."""
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    entries: list[dict[str, Any]] = document["territories"]
    return entries


def seed_territories(session: Session, path: Path) -> int:
    """Insert or update every territory of the data file; returns how many there are."""
    entries = load_territory_file(path)
    for entry in entries:
        territory = session.get(Territory, entry["code"]) or Territory(code=entry["code"])
        for field in FIELDS:
            if field in entry:
                setattr(territory, field, entry[field])
        session.add(territory)
    session.flush()
    return len(entries)
