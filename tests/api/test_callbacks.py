"""Callback requests: the assistant leaves them, operators read, call back and close them."""

from sqlalchemy import select

from api.models import AuditEntry


def callback_body(**changes):
    body = {
        "name": "Amina",
        "phone": "06 12 34 56 78",
        "language": "fr",
        "channel": "telegram",
        "topic": "eligibility",
        "application_reference": None,
    }
    body.update(changes)
    return body


def leave(client, headers, **changes):
    response = client.post("/api/v1/callbacks", json=callback_body(**changes), headers=headers)
    assert response.status_code == 201, response.text
    return response.json()


def test_the_assistant_leaves_a_callback_request(client, assistant_headers):
    created = leave(client, assistant_headers, application_reference="k7p4-xm")
    assert created["status"] == "open"
    assert created["phone"] == "+33612345678"
    assert created["application_reference"] == "K7P4XM"
    assert created["closed_by"] is None


def test_open_then_closed_then_listed_as_closed(client, assistant_headers, operator_headers):
    created = leave(client, assistant_headers)
    open_list = client.get("/api/v1/callbacks?status=open", headers=operator_headers)
    assert open_list.status_code == 200
    assert [c["id"] for c in open_list.json()["items"]] == [created["id"]]

    closed = client.post(
        f"/api/v1/callbacks/{created['id']}/close",
        json={"note": "Rappelée, RDV pris."},
        headers=operator_headers,
    )
    assert closed.status_code == 200, closed.text
    assert closed.json()["status"] == "closed"
    assert closed.json()["closed_by"] == "operator-all"
    assert closed.json()["note"] == "Rappelée, RDV pris."
    assert closed.json()["closed_at"] is not None

    assert (
        client.get("/api/v1/callbacks?status=open", headers=operator_headers).json()["items"] == []
    )
    closed_list = client.get("/api/v1/callbacks?status=closed", headers=operator_headers).json()
    assert [c["id"] for c in closed_list["items"]] == [created["id"]]


def test_closing_twice_is_a_conflict(client, assistant_headers, operator_headers):
    created = leave(client, assistant_headers)
    url = f"/api/v1/callbacks/{created['id']}/close"
    assert client.post(url, json={"note": "fait"}, headers=operator_headers).status_code == 200
    again = client.post(url, json={"note": "encore"}, headers=operator_headers)
    assert again.status_code == 409
    assert again.json()["code"] == "callback_already_closed"
    assert "operator-all" in again.json()["detail"]
    stored = client.get("/api/v1/callbacks?status=closed", headers=operator_headers).json()
    assert stored["items"][0]["note"] == "fait"


def test_closing_needs_a_note_and_an_existing_request(client, assistant_headers, operator_headers):
    created = leave(client, assistant_headers)
    url = f"/api/v1/callbacks/{created['id']}/close"
    assert client.post(url, json={"note": "  "}, headers=operator_headers).status_code == 422
    assert client.post(url, json={}, headers=operator_headers).status_code == 422
    missing = client.post(
        "/api/v1/callbacks/999999/close", json={"note": "x"}, headers=operator_headers
    )
    assert missing.status_code == 404


def test_callbacks_are_listed_newest_first_in_pages(client, assistant_headers, operator_headers):
    ids = [leave(client, assistant_headers, name=f"P{n}")["id"] for n in range(5)]
    first = client.get("/api/v1/callbacks?page=1&page_size=2", headers=operator_headers).json()
    second = client.get("/api/v1/callbacks?page=2&page_size=2", headers=operator_headers).json()
    assert first["total"] == 5
    assert (first["page"], first["page_size"]) == (1, 2)
    assert [c["id"] for c in first["items"] + second["items"]] == ids[::-1][:4]
    too_big = client.get("/api/v1/callbacks?page_size=100000", headers=operator_headers)
    assert too_big.status_code == 422


def test_reading_callbacks_is_audited_without_personal_data(
    client, session, assistant_headers, operator_headers
):
    created = leave(client, assistant_headers)
    client.get("/api/v1/callbacks?status=open", headers=operator_headers)
    client.post(
        f"/api/v1/callbacks/{created['id']}/close", json={"note": "ok"}, headers=operator_headers
    )
    entries = session.scalars(select(AuditEntry).where(AuditEntry.resource == "callbacks")).all()
    assert [(e.actor, e.action) for e in entries] == [
        ("operator-all", "read"),
        ("operator-all", "update"),
    ]
    for entry in entries:
        text = f"{entry.resource_id} {entry.detail}"
        assert "612345678" not in text
        assert "Amina" not in text


def test_scopes_decide_who_writes_and_who_reads(client, assistant_headers, operator_headers):
    assert client.get("/api/v1/callbacks", headers=assistant_headers).status_code == 403
    refused = client.post("/api/v1/callbacks", json=callback_body(), headers=operator_headers)
    assert refused.status_code == 403
    assert client.get("/api/v1/callbacks").status_code == 401
    assert client.post("/api/v1/callbacks", json=callback_body()).status_code == 401
    created = leave(client, assistant_headers)
    closing = client.post(
        f"/api/v1/callbacks/{created['id']}/close", json={"note": "x"}, headers=assistant_headers
    )
    assert closing.status_code == 403


def test_a_callback_request_needs_a_real_phone_number(client, assistant_headers):
    for phone in ("12", "not a number", "+33 6 12"):
        response = client.post(
            "/api/v1/callbacks", json=callback_body(phone=phone), headers=assistant_headers
        )
        assert response.status_code == 422, phone
        assert "phone" in response.json()["detail"]
    bad_reference = client.post(
        "/api/v1/callbacks",
        json=callback_body(application_reference="NOT-A-REF-AT-ALL!"),
        headers=assistant_headers,
    )
    assert bad_reference.status_code == 422


# Territory scope: an operator of Cantal sees and closes only Cantal people's requests.


def _scoped(client, assistant_headers, make_key):
    """A Cantal application, an Allier one, a request for each and one with no application."""
    from tests.api.application_helpers import create

    cantal = create(
        client, assistant_headers, phone="+33611000001", territory_preferences=["cantal"]
    )
    allier = create(
        client, assistant_headers, phone="+33611000002", territory_preferences=["allier"]
    )
    requests = {
        # Linked by the reference the assistant passed on.
        "cantal": leave(
            client,
            assistant_headers,
            phone="+33611000001",
            application_reference=cantal["reference"],
        ),
        # Linked only by the phone the application was made with.
        "allier": leave(client, assistant_headers, name="Allier Person", phone="+33611000002"),
        "nobody": leave(client, assistant_headers, name="No Application", phone="+33611000003"),
    }
    assert allier["reference"]
    return requests, make_key("operator", territories=["cantal"])


def test_a_territory_operator_lists_only_its_territory_s_requests(
    client, assistant_headers, operator_headers, admin_headers, make_key
):
    requests, cantal_operator = _scoped(client, assistant_headers, make_key)

    seen = client.get("/api/v1/callbacks", headers=cantal_operator).json()
    assert [c["id"] for c in seen["items"]] == [requests["cantal"]["id"]]
    assert seen["total"] == 1
    # Keys without a territory limit see every request, the ones without application too.
    for headers in (operator_headers, admin_headers):
        everything = client.get("/api/v1/callbacks", headers=headers).json()
        assert {c["id"] for c in everything["items"]} == {r["id"] for r in requests.values()}


def test_a_territory_operator_cannot_close_another_territory_s_request(
    client, assistant_headers, operator_headers, make_key
):
    requests, cantal_operator = _scoped(client, assistant_headers, make_key)

    for other in ("allier", "nobody"):
        response = client.post(
            f"/api/v1/callbacks/{requests[other]['id']}/close",
            json={"note": "Rappelé"},
            headers=cantal_operator,
        )
        assert response.status_code == 404
    mine = client.post(
        f"/api/v1/callbacks/{requests['cantal']['id']}/close",
        json={"note": "Rappelé"},
        headers=cantal_operator,
    )
    assert mine.status_code == 200
    still_open = client.get("/api/v1/callbacks?status=open", headers=operator_headers).json()
    assert {c["id"] for c in still_open["items"]} == {
        requests["allier"]["id"],
        requests["nobody"]["id"],
    }
