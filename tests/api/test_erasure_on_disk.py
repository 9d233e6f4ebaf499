"""After an erasure, nothing of the person is readable in the database files themselves.

Run against uvicorn on a SQLite file, as `make run` serves it; the bytes of `emile.db` and
of its write-ahead log are searched, while the server runs and after it stopped.
"""

from datetime import datetime, timedelta, timezone
from pathlib import Path

import httpx
import pytest

from tests.api.application_helpers import body

FIRST, LAST = "Wilhelmina", "Zorobabelle"
PHONE = "+33687650123"
NOTE = "Rappel convenu avec Wilhelmina mardi"
CALLBACK_NOTE = "Appel passe, Zorobabelle reflechit"
ORGANISATION = "Association Quetzalcoatl"
NEEDLES = [FIRST, LAST, PHONE, "687650123", NOTE, CALLBACK_NOTE, ORGANISATION]


def database_bytes(directory: Path) -> dict[str, bytes]:
    """The content of every SQLite file (database, log, shared memory) in `directory`."""
    return {p.name: p.read_bytes() for p in directory.glob("emile.db*")}


def readable(files: dict[str, bytes]) -> list[tuple[str, str]]:
    """Which needle is found in which file, in UTF-8 as SQLite stores text."""
    return [
        (name, needle)
        for name, content in files.items()
        for needle in NEEDLES
        if needle.encode() in content
    ]


def leave_traces(client: httpx.Client, live) -> dict[str, str]:
    """An application with a status note, a booking and a closed callback request."""
    assistant, operator, admin = live.key("assistant"), live.key("operator"), live.key("admin")
    created = client.post(
        "/api/v1/applications",
        json=body(first_name=FIRST, last_name=LAST, phone=PHONE),
        headers={**assistant, "Idempotency-Key": "disk-1"},
    )
    assert created.status_code == 201, created.text
    reference = created.json()["reference"]
    moved = client.post(
        f"/api/v1/applications/{reference}/status",
        json={"status": "contacted", "note": NOTE},
        headers=operator,
    )
    assert moved.status_code == 200, moved.text
    workshop = client.post(
        "/api/v1/workshops",
        json={
            "kind": "information_meeting",
            "audience": "candidates",
            "title": "Réunion",
            "starts_at": (datetime.now(timezone.utc) + timedelta(days=3)).isoformat(),
            "place": "Paris",
            "capacity": 5,
        },
        headers=admin,
    ).json()["id"]
    booked = client.post(
        f"/api/v1/workshops/{workshop}/registrations",
        json={"name": f"{FIRST} {LAST}", "organisation": ORGANISATION, "phone": PHONE},
        headers=assistant,
    )
    assert booked.status_code == 201, booked.text
    callback = client.post(
        "/api/v1/callbacks",
        json={"name": FIRST, "phone": PHONE, "language": "fr", "channel": "telegram"},
        headers=assistant,
    ).json()["id"]
    closed = client.post(
        f"/api/v1/callbacks/{callback}/close", json={"note": CALLBACK_NOTE}, headers=operator
    )
    assert closed.status_code == 200, closed.text
    return {"reference": reference, "assistant": assistant, "operator": operator}


def erase_as_person(client: httpx.Client, traces: dict) -> httpx.Response:
    return client.post(
        "/api/v1/person/erasure",
        json={"reference": traces["reference"], "phone": PHONE},
        headers=traces["assistant"],
    )


def erase_as_operator(client: httpx.Client, traces: dict) -> httpx.Response:
    return client.delete(f"/api/v1/applications/{traces['reference']}", headers=traces["operator"])


@pytest.mark.parametrize("live_server", ["sqlite"], indirect=True)
@pytest.mark.parametrize("erase", [erase_as_person, erase_as_operator])
def test_erased_data_cannot_be_read_in_the_database_files(live_server, erase):
    directory = live_server.database.settings.data_dir
    with httpx.Client(base_url=live_server.base_url, timeout=30) as client:
        traces = leave_traces(client, live_server)
        # The test sees what it looks for before the erasure, so it would see it after.
        assert {needle for _, needle in readable(database_bytes(directory))} == set(NEEDLES)

        response = erase(client, traces)
        assert response.status_code == 200, response.text

        assert readable(database_bytes(directory)) == []
        # The service goes on, its log growing again, without the erased rows.
        assert client.get("/api/v1/ready").status_code == 200
    live_server.stop()
    assert readable(database_bytes(directory)) == []
