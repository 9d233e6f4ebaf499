"""The territory catalogue: validated from its data file, written one territory at a time."""

from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.enums import Sector
from api.models import Territory
from api.schemas.territories import TerritoryData, TerritoryEntry

# How many problems a file error lists before it stops.
MAX_REPORTED = 20


class TerritoryFileError(ValueError):
    """The territory data file cannot be read or does not describe valid territories."""


def _describe(error: ValidationError) -> list[str]:
    problems = []
    for item in error.errors():
        where = ".".join(str(part) for part in item["loc"])
        message = item["msg"]
        if item["type"] == "enum" and item["loc"] and item["loc"][0] == "sectors_hiring":
            message = f"unknown sector {item['input']!r}; sectors are {', '.join(Sector)}"
        problems.append(f"{where}: {message}" if where else message)
    return problems


def load_territory_file(path: Path | str) -> list[TerritoryEntry]:
    """The territories described in `path`, validated; TerritoryFileError says what is wrong."""
    path = Path(path)
    try:
        document: Any = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise TerritoryFileError(f"{path}: cannot read the file ({exc.strerror})") from exc
    except yaml.YAMLError as exc:
        raise TerritoryFileError(f"{path}: not valid YAML ({exc})") from exc
    raw = document.get("territories") if isinstance(document, dict) else None
    if not isinstance(raw, list) or not raw:
        raise TerritoryFileError(f"{path}: expected a non-empty list under `territories:`")

    entries: list[TerritoryEntry] = []
    problems: list[str] = []
    seen: set[str] = set()
    for number, item in enumerate(raw, start=1):
        label = f"territory #{number}"
        if isinstance(item, dict) and isinstance(item.get("code"), str):
            label += f" ({item['code']})"
        try:
            entry = TerritoryEntry.model_validate(item)
        except ValidationError as exc:
            problems.extend(f"{label}: {problem}" for problem in _describe(exc))
            continue
        if entry.code in seen:
            problems.append(f"{label}: the code {entry.code!r} appears twice")
        seen.add(entry.code)
        entries.append(entry)
    if problems:
        shown = problems[:MAX_REPORTED]
        if len(problems) > MAX_REPORTED:
            shown.append(f"… and {len(problems) - MAX_REPORTED} more")
        raise TerritoryFileError(f"{path}: invalid territories:\n  " + "\n  ".join(shown))
    return entries


def upsert_territory(session: Session, code: str, data: TerritoryData) -> tuple[Territory, bool]:
    """Create or replace the territory `code`; returns it and whether it is new."""
    territory = session.get(Territory, code)
    created = territory is None
    if territory is None:
        territory = Territory(code=code)
        session.add(territory)
    territory.name = data.name
    territory.department_code = data.department_code
    territory.region = data.region
    territory.active = data.active
    territory.years = list(data.years)
    territory.main_towns = list(data.main_towns)
    territory.sectors_hiring = [sector.value for sector in data.sectors_hiring]
    territory.housing = data.housing.as_dict()
    territory.daily_life = data.daily_life.as_dict()
    territory.operator_name = data.operator_name
    territory.contact = data.contact
    session.flush()
    return territory, created


def seed_territories(session: Session, path: Path | str) -> int:
    """Insert or update every territory of the data file; returns how many the file has.

    Running it again changes nothing. Territories missing from the file are kept (applications
    may refer to them); mark them `active: false` in the file instead.
    """
    entries = load_territory_file(path)
    for entry in entries:
        upsert_territory(session, entry.code, entry)
    return len(entries)


def list_territories(
    session: Session, active: bool | None = None, sector: Sector | None = None
) -> list[Territory]:
    """Territories by code (the name without accents), optionally filtered."""
    query = select(Territory)
    if active is not None:
        query = query.where(Territory.active == active)
    # Sorted here: database collations disagree about dashes.
    territories = sorted(session.scalars(query), key=lambda t: t.code)
    if sector is not None:
        # Sectors are a JSON list: filtering a dozen territories here beats non-portable SQL.
        territories = [t for t in territories if sector.value in t.sectors_hiring]
    return territories
