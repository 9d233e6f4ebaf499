"""A list read twice shows what changed in between: kept pages never show stale data."""

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
