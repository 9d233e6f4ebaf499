"""Reading what operators type: every value is checked here, and a bad one is an error code.

Error codes are keyed by field name; the templates turn them into French sentences.
"""

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from enum import Enum
from typing import TypeVar

from pydantic import TypeAdapter, ValidationError

from api.enums import ApplicationStatus, Language, Verdict
from api.schemas.fields import Note, SearchText
from api.schemas.pagination import PAGE_MAX
from api.services.applications import ApplicationFilters

E = TypeVar("E", bound=Enum)

_TERRITORY_CODE = re.compile(r"[a-z0-9_-]{1,40}")
_FRENCH_DATE = re.compile(r"([0-9]{1,2})/([0-9]{1,2})/([0-9]{4})")
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_NUMBER = re.compile(r"[0-9]{1,10}")
_search_text: TypeAdapter[str] = TypeAdapter(SearchText)
_note: TypeAdapter[str] = TypeAdapter(Note)
# What the list filters are called in the console's query strings (the API's names).
FILTER_NAMES = ("q", "status", "territory", "verdict", "language", "created_from", "created_to")


@dataclass
class ListQuery:
    """The list filters and page as typed, what they mean, and what is wrong with them."""

    raw: dict[str, str]
    filters: ApplicationFilters = field(default_factory=ApplicationFilters)
    page: int = 1
    errors: dict[str, str] = field(default_factory=dict)


def _enum(enum: type[E], raw: str) -> E | None:
    try:
        return enum(raw)
    except ValueError:
        return None


def parse_day(raw: str) -> date | None:
    """A day typed as 2026-11-22 (what date fields send) or 22/11/2026; None if neither."""
    text = raw.strip()
    try:
        if _ISO_DATE.fullmatch(text):
            return date.fromisoformat(text)
        match = _FRENCH_DATE.fullmatch(text)
        if match:
            day, month, year = (int(part) for part in match.groups())
            return date(year, month, day)
    except ValueError:
        return None
    return None


def parse_list_query(params: Mapping[str, str]) -> ListQuery:
    """The list filters and page number from a query string."""
    raw = {name: params.get(name, "").strip() for name in (*FILTER_NAMES, "page")}
    query = ListQuery(raw=raw)
    errors = query.errors

    q: str | None = None
    if raw["q"]:
        try:
            q = _search_text.validate_python(raw["q"]) or None
        except ValidationError:
            errors["q"] = "search"
    status = _enum(ApplicationStatus, raw["status"]) if raw["status"] else None
    if raw["status"] and status is None:
        errors["status"] = "choice"
    verdict = _enum(Verdict, raw["verdict"]) if raw["verdict"] else None
    if raw["verdict"] and verdict is None:
        errors["verdict"] = "choice"
    language = _enum(Language, raw["language"]) if raw["language"] else None
    if raw["language"] and language is None:
        errors["language"] = "choice"
    territory = raw["territory"] or None
    if territory is not None and not _TERRITORY_CODE.fullmatch(territory):
        errors["territory"] = "choice"
    days: dict[str, date | None] = {}
    for name in ("created_from", "created_to"):
        days[name] = parse_day(raw[name]) if raw[name] else None
        if raw[name] and days[name] is None:
            errors[name] = "date"
    first, last = days["created_from"], days["created_to"]
    if first is not None and last is not None and first > last:
        errors["created_to"] = "date_order"
    if raw["page"]:
        if _NUMBER.fullmatch(raw["page"]) and 1 <= int(raw["page"]) <= PAGE_MAX:
            query.page = int(raw["page"])
        else:
            errors["page"] = "page"
    if not errors:
        query.filters = ApplicationFilters(
            status=status,
            territory=territory,
            verdict=verdict,
            language=language,
            created_from=first,
            created_to=last,
            q=q,
        )
    return query


def filter_values(query: ListQuery) -> dict[str, str]:
    """The filters as typed (for links that keep them), without the page number."""
    return {name: query.raw[name] for name in FILTER_NAMES if query.raw[name]}


def parse_note(raw: str | None, required: bool) -> tuple[str | None, str | None]:
    """(the note, None) or (None, an error code); a blank optional note is None."""
    text = (raw or "").strip()
    if not text:
        return None, "required" if required else None
    try:
        return _note.validate_python(text), None
    except ValidationError as exc:
        too_long = any(e["type"] == "string_too_long" for e in exc.errors())
        return None, "too_long" if too_long else "text"


def parse_status(raw: str | None) -> ApplicationStatus | None:
    """The status a form chose, or None when it is not one."""
    return _enum(ApplicationStatus, (raw or "").strip())


def parse_id(raw: str) -> int | None:
    """A positive database id from a path, or None."""
    return int(raw) if _NUMBER.fullmatch(raw) and 1 <= int(raw) < 2**31 else None
