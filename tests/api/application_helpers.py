"""Building and submitting applications in tests."""

import copy
import uuid
from datetime import datetime, timedelta, timezone
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from api.models import Application

BASE_BODY: dict[str, Any] = {
    "first_name": "Amina",
    "last_name": "Diallo",
    "phone": "+33612345678",
    "email": None,
    "language": "fr",
    "channel": "sms",
    "consent_at": "2026-01-10T10:00:00+01:00",
    "answers": {
        "residence_area": "ile_de_france",
        "housing_situation": "emergency_shelter",
        "right_to_work": "yes",
        "work_situation": "unemployed",
        "ready_to_move": "yes",
        "adults": 1,
        "children": 2,
        "trades": ["building"],
        "experience_years": 3,
        "driving_licence": "no",
        "french_level": "intermediate",
    },
    "territory_preferences": ["cantal", "lozere"],
    "verdict": {"result": "eligible", "reasons": [], "rules_version": "2024.1"},
}


def body(**overrides: Any) -> dict[str, Any]:
    """A valid application body; `answers__adults=2` style keys reach nested fields."""
    data = copy.deepcopy(BASE_BODY)
    data["consent_at"] = (datetime.now(timezone.utc) - timedelta(minutes=10)).isoformat()
    for name, value in overrides.items():
        target = data
        *parents, leaf = name.split("__")
        for parent in parents:
            target = target[parent]
        target[leaf] = value
    return data


def submit(
    client: TestClient, headers: dict[str, str], key: str | None = None, **overrides: Any
) -> Any:
    """POST an application; returns the response."""
    return client.post(
        "/api/v1/applications",
        json=body(**overrides),
        headers={**headers, "Idempotency-Key": key or uuid.uuid4().hex},
    )


def create(client: TestClient, headers: dict[str, str], **overrides: Any) -> dict[str, Any]:
    """Submit an application that must be accepted; returns its JSON."""
    response = submit(client, headers, **overrides)
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


def count_applications(session: Session) -> int:
    """How many applications the database holds."""
    return session.scalar(select(func.count()).select_from(Application)) or 0


def set_dates(session: Session, reference: str, **values: datetime) -> None:
    """Overwrite bookkeeping dates (created_at, last_contact_at…) of an application."""
    application = session.scalar(select(Application).where(Application.reference == reference))
    assert application is not None
    for name, value in values.items():
        setattr(application, name, value)
    session.commit()


def parse_time(value: str) -> datetime:
    """A timestamp as the API writes it (Python 3.10 does not read a trailing Z)."""
    return datetime.fromisoformat(value.replace("Z", "+00:00"))
