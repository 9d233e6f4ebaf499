"""A list read twice shows what changed in between: kept pages never show stale data."""

import httpx
from sqlalchemy import update
from sqlalchemy.orm import Session

from api.enums import ApplicationStatus
from api.models import Application
from api.models.base import utcnow
from tests.api.application_helpers import create


def _listed(client, headers, **params):
    response = client.get("/api/v1/applications", params=params, headers=headers)
    assert response.status_code == 200, response.text
    return {a["reference"]: a["status"] for a in response.json()["items"]}


def test_a_new_application_a_status_change_and_an_erasure_show_at_once(
    client, assistant_headers, operator_headers
):
    first = create(client, assistant_headers)["reference"]
    assert _listed(client, operator_headers) == {first: "new"}
    assert _listed(client, operator_headers) == {first: "new"}  # kept

    second = create(client, assistant_headers)["reference"]
    assert _listed(client, operator_headers) == {first: "new", second: "new"}

    moved = client.post(
        f"/api/v1/applications/{first}/status",
        json={"status": "contacted"},
        headers=operator_headers,
    )
    assert moved.status_code == 200
    assert _listed(client, operator_headers) == {first: "contacted", second: "new"}
    assert _listed(client, operator_headers, status="new") == {second: "new"}

    assert (
        client.delete(f"/api/v1/applications/{second}", headers=operator_headers).status_code == 200
    )
    assert _listed(client, operator_headers) == {first: "contacted"}


def test_kept_pages_are_not_shared_across_territories(client, assistant_headers, make_key):
    cantal = create(client, assistant_headers, territory_preferences=["cantal"])["reference"]
    allier = create(client, assistant_headers, territory_preferences=["allier"])["reference"]
    everyone, cantal_only = make_key("operator"), make_key("operator", territories=["cantal"])

    assert set(_listed(client, everyone)) == {cantal, allier}
    assert set(_listed(client, cantal_only)) == {cantal}
    assert set(_listed(client, everyone)) == {cantal, allier}


def test_a_served_list_shows_changes_made_through_the_api_and_by_another_process(live_server):
    """On uvicorn, where SQLite's kept pages are checked on the event loop, outside the ORM."""
    assistant, operator = live_server.key("assistant"), live_server.key("operator")
    with httpx.Client(base_url=live_server.base_url, timeout=10) as client:

        def listed() -> dict[str, str]:
            response = client.get("/api/v1/applications", headers=operator)
            assert response.status_code == 200, response.text
            return {a["reference"]: a["status"] for a in response.json()["items"]}

        first = create(client, assistant)["reference"]
        assert listed() == {first: "new"}
        assert listed() == {first: "new"}  # kept
        moved = client.post(
            f"/api/v1/applications/{first}/status",
            json={"status": "contacted"},
            headers=operator,
        )
        assert moved.status_code == 200, moved.text
        assert listed() == {first: "contacted"}

        # Another process (the CLI, another worker) changes the row in the database itself.
        with Session(live_server.database.engine) as s:
            s.execute(
                update(Application)
                .where(Application.reference == first)
                .values(status=ApplicationStatus.declined, updated_at=utcnow())
            )
            s.commit()
        assert listed() == {first: "declined"}

        second = create(client, assistant)["reference"]
        assert listed() == {first: "declined", second: "new"}
