"""Submitting applications (validation, idempotency) and operators listing and moving them."""

import re
import threading
import uuid
from datetime import datetime, timedelta, timezone

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from api.models import Application, IdempotencyRecord, StatusChange
from tests.api.application_helpers import (
    body,
    count_applications,
    create,
    parse_time,
    set_dates,
    submit,
)

REFERENCE = re.compile(r"^[A-HJ-NP-Z2-9]{6}$")


def count_changes(session):
    return session.scalar(select(func.count()).select_from(StatusChange))


# --- Submitting ---------------------------------------------------------------------------


def test_a_new_application_is_stored_with_a_reference_and_status_new(client, assistant_headers):
    response = submit(client, assistant_headers, territory_preferences=["lozere", "cantal"])

    assert response.status_code == 201
    data = response.json()
    assert REFERENCE.match(data["reference"])
    assert data["status"] == "new"
    assert data["territory_preferences"] == ["lozere", "cantal"]
    assert data["answers"]["trades"] == ["building"]
    assert data["verdict"] == {"result": "eligible", "reasons": [], "rules_version": "2024.1"}
    assert "Idempotent-Replayed" not in response.headers


def test_creation_is_the_first_entry_of_the_history(client, assistant_headers, operator_headers):
    reference = create(client, assistant_headers)["reference"]

    history = client.get(f"/api/v1/applications/{reference}/history", headers=operator_headers)

    assert history.status_code == 200
    [entry] = history.json()
    assert entry["from_status"] is None
    assert entry["to_status"] == "new"
    assert entry["actor"] == "assistant"


def test_contact_details_are_normalised(client, assistant_headers):
    data = create(
        client,
        assistant_headers,
        first_name="  Élodie ",
        last_name=" N'Guessan  ",
        phone="06 12 34 56 78",
        email="Elodie.N@Example.ORG",
    )

    assert data["first_name"] == "Élodie"
    assert data["last_name"] == "N'Guessan"
    assert data["phone"] == "+33612345678"
    assert data["email"] == "Elodie.N@example.org"


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("0612345678", "+33612345678"),
        ("06.12.34.56.78", "+33612345678"),
        ("06-12-34-56-78", "+33612345678"),
        ("+33 6 12 34 56 78", "+33612345678"),
        ("+33 (0)6 12 34 56 78", "+33612345678"),
        ("0033 6 12 34 56 78", "+33612345678"),
        ("+44 20 7946 0958", "+442079460958"),
    ],
)
def test_phone_numbers_are_stored_in_e164(client, assistant_headers, typed, stored):
    assert create(client, assistant_headers, phone=typed)["phone"] == stored


def test_a_blank_email_counts_as_none(client, assistant_headers):
    assert create(client, assistant_headers, email="  ")["email"] is None


def test_duplicate_choices_are_kept_once_in_order(client, assistant_headers):
    data = create(
        client,
        assistant_headers,
        territory_preferences=["lozere", "cantal", "lozere"],
        answers__trades=["building", "cleaning", "building"],
    )

    assert data["territory_preferences"] == ["lozere", "cantal"]
    assert data["answers"]["trades"] == ["building", "cleaning"]


def test_consent_a_few_minutes_ahead_is_clock_skew_and_accepted(client, assistant_headers):
    ahead = (datetime.now(timezone.utc) + timedelta(minutes=2)).isoformat()
    assert submit(client, assistant_headers, consent_at=ahead).status_code == 201


INVALID = [
    ("phone", "hello", "phone"),
    ("phone", "06 12 34", "phone"),
    ("phone", "+33 6 12 34 56 78 90", "phone"),
    ("phone", "", "phone"),
    ("phone", 612345678, "phone"),
    ("email", "not-an-email", "email"),
    ("email", "a@b", "email"),
    ("email", "amina@@example.org", "email"),
    ("email", "amina diallo@example.org", "email"),
    ("first_name", "", "first_name"),
    ("first_name", "   ", "first_name"),
    ("first_name", "x" * 101, "first_name"),
    ("last_name", "Dia\x00llo", "last_name"),
    ("last_name", "Dia\nllo", "last_name"),
    ("last_name", None, "last_name"),
    ("language", "xx", "language"),
    ("channel", "fax", "channel"),
    ("answers__adults", 0, "adults"),
    ("answers__adults", 11, "adults"),
    ("answers__children", -1, "children"),
    ("answers__children", 16, "children"),
    ("answers__experience_years", -1, "experience_years"),
    ("answers__experience_years", 61, "experience_years"),
    ("answers__residence_area", "mars", "residence_area"),
    ("answers__trades", ["astronaut"], "trades"),
    ("verdict__result", "maybe", "result"),
    ("verdict__reasons", ["Not A Code!"], "reasons"),
    ("verdict__rules_version", "", "rules_version"),
    ("consent_at", "2026-01-10T10:00:00", "consent_at"),
    ("consent_at", "2999-01-01T00:00:00+00:00", "consent_at"),
    ("consent_at", "0001-01-01T00:00:00+01:00", "consent_at"),
    ("consent_at", "yesterday", "consent_at"),
    ("territory_preferences", "cantal", "territory_preferences"),
    ("territory_preferences", ["Cant al!"], "territory_preferences"),
    ("unexpected", "field", "unexpected"),
]


@pytest.mark.parametrize(("field", "value", "named"), INVALID)
def test_invalid_input_is_refused_with_a_clear_message(
    client, session, assistant_headers, field, value, named
):
    response = submit(client, assistant_headers, **{field: value})

    assert response.status_code == 422, response.text
    assert response.json()["code"] == "invalid_input"
    assert named in response.json()["detail"]
    assert count_applications(session) == 0


def test_a_missing_field_is_named(client, assistant_headers):
    data = body()
    del data["answers"]["ready_to_move"]
    response = client.post(
        "/api/v1/applications", json=data, headers={**assistant_headers, "Idempotency-Key": "k1"}
    )

    assert response.status_code == 422
    assert "answers.ready_to_move" in response.json()["detail"]


def test_a_garbage_phone_gets_a_message_saying_what_to_give(client, assistant_headers):
    detail = submit(client, assistant_headers, phone="call me").json()["detail"]

    assert "06 12 34 56 78" in detail


@pytest.mark.parametrize("codes", [["atlantis"], ["lot"], ["cantal", "atlantis"]])
def test_unknown_or_inactive_territories_are_refused(client, session, assistant_headers, codes):
    response = submit(client, assistant_headers, territory_preferences=codes)

    assert response.status_code == 422
    assert response.json()["code"] == "unknown_territory"
    assert codes[-1] in response.json()["detail"]
    assert count_applications(session) == 0


@pytest.mark.parametrize("key", [None, "", "x" * 101])
def test_the_idempotency_key_is_required_and_bounded(client, session, assistant_headers, key):
    headers = dict(assistant_headers)
    if key is not None:
        headers["Idempotency-Key"] = key
    response = client.post("/api/v1/applications", json=body(), headers=headers)

    assert response.status_code == 422
    assert "Idempotency-Key" in response.json()["detail"]
    assert count_applications(session) == 0


# --- Idempotency --------------------------------------------------------------------------


def test_a_replay_returns_the_first_result_and_creates_nothing(client, session, assistant_headers):
    data = body()
    headers = {**assistant_headers, "Idempotency-Key": "outbox-42"}
    first = client.post("/api/v1/applications", json=data, headers=headers)
    changes = count_changes(session)

    again = client.post("/api/v1/applications", json=data, headers=headers)

    assert first.status_code == 201
    assert again.status_code == 200
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.json()["reference"] == first.json()["reference"]
    assert count_applications(session) == 1
    assert count_changes(session) == changes


def test_the_same_body_written_differently_is_a_replay(client, session, assistant_headers):
    first = body(phone="+33612345678", consent_at="2026-01-10T10:00:00+01:00")
    same = body(phone="06 12 34 56 78", consent_at="2026-01-10T09:00:00Z")
    headers = {**assistant_headers, "Idempotency-Key": "outbox-43"}

    assert client.post("/api/v1/applications", json=first, headers=headers).status_code == 201
    assert client.post("/api/v1/applications", json=same, headers=headers).status_code == 200
    assert count_applications(session) == 1


def test_a_key_reused_with_another_body_is_refused(client, session, assistant_headers):
    headers = {**assistant_headers, "Idempotency-Key": "outbox-44"}
    client.post("/api/v1/applications", json=body(first_name="Amina"), headers=headers)

    response = client.post("/api/v1/applications", json=body(first_name="Awa"), headers=headers)

    assert response.status_code == 422
    assert response.json()["code"] == "idempotency_key_reused"
    assert count_applications(session) == 1
    stored = session.scalar(select(Application))
    assert stored.first_name == "Amina"


def test_concurrent_duplicate_deliveries_make_one_application(live_server):
    headers = {**live_server.key("assistant"), "Idempotency-Key": f"race-{uuid.uuid4()}"}
    data = body()
    barrier = threading.Barrier(6)
    responses: list[httpx.Response] = []
    lock = threading.Lock()

    def deliver() -> None:
        with httpx.Client(base_url=live_server.base_url, timeout=30) as http:
            barrier.wait()
            response = http.post("/api/v1/applications", json=data, headers=headers)
        with lock:
            responses.append(response)

    threads = [threading.Thread(target=deliver) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    statuses = sorted(r.status_code for r in responses)
    assert statuses == [200] * 5 + [201], [r.text for r in responses]
    assert len({r.json()["reference"] for r in responses}) == 1
    with Session(live_server.database.engine) as s:
        assert count_applications(s) == 1
        assert s.scalar(select(func.count()).select_from(IdempotencyRecord)) == 1


# --- Reading and listing ------------------------------------------------------------------


def test_an_operator_reads_an_application_by_its_reference(
    client, assistant_headers, operator_headers
):
    reference = create(client, assistant_headers)["reference"]

    for typed in (reference, reference.lower(), f"{reference[:3]}-{reference[3:]}"):
        response = client.get(f"/api/v1/applications/{typed}", headers=operator_headers)
        assert response.status_code == 200
        assert response.json()["reference"] == reference
        assert response.json()["first_name"] == "Amina"


@pytest.mark.parametrize("reference", ["ZZZZZZ", "nothing-like-a-reference!", "%00"])
def test_an_unknown_reference_is_a_404(client, operator_headers, reference):
    response = client.get(f"/api/v1/applications/{reference}", headers=operator_headers)

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_lists_are_paginated_newest_first(client, assistant_headers, operator_headers):
    references = [create(client, assistant_headers)["reference"] for _ in range(3)]

    first = client.get("/api/v1/applications?page_size=2", headers=operator_headers).json()
    second = client.get("/api/v1/applications?page_size=2&page=2", headers=operator_headers).json()

    assert first["total"] == second["total"] == 3
    assert (first["page"], first["page_size"], second["page"]) == (1, 2, 2)
    listed = [a["reference"] for a in first["items"] + second["items"]]
    assert listed == list(reversed(references))


@pytest.mark.parametrize(
    "query", ["page=0", "page_size=0", "page_size=201", "page=abc", "status=lost", "territory=%00"]
)
def test_bad_list_parameters_are_a_422(client, operator_headers, query):
    response = client.get(f"/api/v1/applications?{query}", headers=operator_headers)

    assert response.status_code == 422
    assert response.json()["code"] == "invalid_input"


def test_lists_filter_by_status_territory_verdict_and_language(
    client, assistant_headers, operator_headers
):
    cantal = create(client, assistant_headers, territory_preferences=["cantal"])["reference"]
    lozere = create(
        client,
        assistant_headers,
        territory_preferences=["lozere"],
        language="uk",
        verdict__result="to_review",
    )["reference"]
    client.post(
        f"/api/v1/applications/{cantal}/status",
        json={"status": "contacted", "note": "called"},
        headers=operator_headers,
    )

    def refs(query):
        response = client.get(f"/api/v1/applications?{query}", headers=operator_headers)
        assert response.status_code == 200
        return {a["reference"] for a in response.json()["items"]}

    assert refs("status=contacted") == {cantal}
    assert refs("status=new") == {lozere}
    assert refs("territory=cantal") == {cantal}
    assert refs("territory=lozere") == {lozere}
    assert refs("verdict=to_review") == {lozere}
    assert refs("language=uk") == {lozere}
    assert refs("language=fr&territory=lozere") == set()


def test_search_ignores_case_and_finds_names_and_references(
    client, assistant_headers, operator_headers
):
    elodie = create(client, assistant_headers, first_name="Élodie", last_name="Martin")
    create(client, assistant_headers, first_name="Amina", last_name="Diallo")

    def refs(q):
        response = client.get("/api/v1/applications", params={"q": q}, headers=operator_headers)
        return [a["reference"] for a in response.json()["items"]]

    assert refs("élodie") == [elodie["reference"]]
    assert refs("ÉLO") == [elodie["reference"]]
    assert refs("MARTIN") == [elodie["reference"]]
    assert refs(elodie["reference"].lower()) == [elodie["reference"]]
    assert refs("100%") == []
    assert len(refs("a")) == 2


def test_date_filters_count_whole_days_in_paris(
    client, session, assistant_headers, operator_headers
):
    late_evening = create(client, assistant_headers)["reference"]
    next_morning = create(client, assistant_headers)["reference"]
    # 9 March 2026, 23:30 UTC is already 10 March in Paris (UTC+1).
    set_dates(session, late_evening, created_at=datetime(2026, 3, 9, 23, 30, tzinfo=timezone.utc))
    set_dates(session, next_morning, created_at=datetime(2026, 3, 10, 8, 0, tzinfo=timezone.utc))

    def refs(query):
        response = client.get(f"/api/v1/applications?{query}", headers=operator_headers)
        assert response.status_code == 200
        return {a["reference"] for a in response.json()["items"]}

    assert refs("created_from=2026-03-10&created_to=2026-03-10") == {late_evening, next_morning}
    assert refs("created_to=2026-03-09") == set()
    assert refs("created_from=2026-03-11") == set()
    assert refs("created_from=0001-01-01&created_to=9999-12-31") == {late_evening, next_morning}


# --- Status changes -----------------------------------------------------------------------


def test_a_status_change_is_recorded_with_its_note_and_actor(
    client, session, assistant_headers, operator_headers
):
    reference = create(client, assistant_headers)["reference"]
    long_ago = datetime(2025, 1, 1, tzinfo=timezone.utc)
    set_dates(session, reference, last_contact_at=long_ago)

    response = client.post(
        f"/api/v1/applications/{reference}/status",
        json={"status": "contacted", "note": "Phoned, she is interested."},
        headers=operator_headers,
    )

    assert response.status_code == 200
    assert response.json()["status"] == "contacted"
    contact = parse_time(response.json()["last_contact_at"])
    assert contact > datetime.now(timezone.utc) - timedelta(minutes=1)
    history = client.get(
        f"/api/v1/applications/{reference}/history", headers=operator_headers
    ).json()
    assert [(h["from_status"], h["to_status"]) for h in history] == [
        (None, "new"),
        ("new", "contacted"),
    ]
    assert history[1]["note"] == "Phoned, she is interested."
    assert history[1]["actor"] == "operator-all"


def test_the_pipeline_can_be_walked_to_acceptance(client, assistant_headers, operator_headers):
    reference = create(client, assistant_headers)["reference"]

    for status in ("contacted", "in_assessment", "accepted", "withdrawn"):
        response = client.post(
            f"/api/v1/applications/{reference}/status",
            json={"status": status},
            headers=operator_headers,
        )
        assert response.status_code == 200, response.text


@pytest.mark.parametrize(
    ("path", "target", "allowed"),
    [
        ([], "accepted", "contacted, declined, withdrawn"),
        ([], "new", "contacted, declined, withdrawn"),
        (["declined"], "contacted", "none, this status is final"),
    ],
)
def test_a_transition_outside_the_pipeline_is_a_409(
    client, assistant_headers, operator_headers, path, target, allowed
):
    reference = create(client, assistant_headers)["reference"]
    for status in path:
        client.post(
            f"/api/v1/applications/{reference}/status",
            json={"status": status},
            headers=operator_headers,
        )

    response = client.post(
        f"/api/v1/applications/{reference}/status",
        json={"status": target, "note": "try"},
        headers=operator_headers,
    )

    assert response.status_code == 409
    assert response.json()["code"] == "invalid_transition"
    assert f"to {target}" in response.json()["detail"]
    assert allowed in response.json()["detail"]


@pytest.mark.parametrize(
    "payload", [{"status": "lost"}, {}, {"status": "contacted", "note": "x" * 2001}]
)
def test_a_bad_status_body_is_a_422(client, assistant_headers, operator_headers, payload):
    reference = create(client, assistant_headers)["reference"]

    response = client.post(
        f"/api/v1/applications/{reference}/status", json=payload, headers=operator_headers
    )

    assert response.status_code == 422


def test_a_household_the_person_did_not_know_is_stored_as_unknown(
    client, assistant_headers, operator_headers
):
    response = submit(
        client,
        assistant_headers,
        answers__adults=None,
        answers__children=None,
        verdict={
            "result": "to_review",
            "reasons": ["household_unknown"],
            "rules_version": "2024.1",
        },
    )

    assert response.status_code == 201, response.text
    stored = client.get(
        f"/api/v1/applications/{response.json()['reference']}", headers=operator_headers
    )
    assert stored.json()["answers"]["adults"] is None
    assert stored.json()["answers"]["children"] is None
    assert stored.json()["verdict"]["result"] == "to_review"


def test_a_household_must_still_be_given_explicitly(client, assistant_headers):
    data = body()
    del data["answers"]["adults"]
    response = client.post(
        "/api/v1/applications",
        json=data,
        headers={**assistant_headers, "Idempotency-Key": "household-missing"},
    )
    assert response.status_code == 422
    assert "adults" in response.json()["detail"]
