"""Erasure leaves no personal data anywhere, frees seats, and keeps an anonymous trace."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from api.enums import (
    Audience,
    CallbackStatus,
    Channel,
    Language,
    RegistrationStatus,
    WorkshopKind,
)
from api.models import (
    AuditEntry,
    Base,
    CallbackRequest,
    IdempotencyRecord,
    Registration,
    Workshop,
)
from api.models.base import utcnow
from tests.api.application_helpers import body, count_applications

FIRST, LAST = "Zéphyrine", "Quelquepart"
PHONE, EMAIL = "+33687654321", "zephyrine.q@example.org"
NEEDLES = [FIRST, LAST, PHONE, "687654321", EMAIL, "zephyrine"]


def add_workshop(session, capacity=10):
    workshop = Workshop(
        kind=WorkshopKind.information_meeting,
        audience=Audience.candidates,
        title="Réunion d'information",
        starts_at=utcnow() + timedelta(days=7),
        language=Language.fr,
        capacity=capacity,
    )
    session.add(workshop)
    session.flush()
    return workshop


def add_registration(session, workshop, name, phone, email=None, status="confirmed"):
    registration = Registration(
        reference=f"R{len(name)}{phone[-5:]}",
        workshop_id=workshop.id,
        name=name,
        phone=phone,
        email=email,
        contact_key=phone,
        language=Language.fr,
        status=RegistrationStatus(status),
    )
    session.add(registration)
    if status == "confirmed":
        workshop.seats_taken += 1
    session.flush()
    return registration


def add_callback(session, name, phone, reference=None):
    session.add(
        CallbackRequest(
            name=name,
            phone=phone,
            language=Language.fr,
            channel=Channel.telegram,
            topic="eligibility",
            application_reference=reference,
        )
    )
    session.flush()


def every_row_as_text(session):
    """Every value of every table, as one string per row."""
    rows = []
    for table in Base.metadata.sorted_tables:
        for row in session.execute(select(table)).all():
            rows.append(f"{table.name}: {' | '.join(str(v) for v in row)}")
    return rows


@pytest.fixture
def person(client, session, assistant_headers, operator_headers):
    """Zéphyrine's application, history, bookings and callback request, and someone else's."""
    headers = {**assistant_headers, "Idempotency-Key": "outbox-7f3a"}
    data = body(first_name=FIRST, last_name=LAST, phone="06 87 65 43 21", email=EMAIL)
    response = client.post("/api/v1/applications", json=data, headers=headers)
    assert response.status_code == 201
    reference = response.json()["reference"]
    client.post(
        f"/api/v1/applications/{reference}/status",
        json={"status": "contacted", "note": f"{FIRST} rappelée au {PHONE}"},
        headers=operator_headers,
    )
    client.get(f"/api/v1/applications/{reference}", headers=operator_headers)
    client.get("/api/v1/applications", params={"q": LAST}, headers=operator_headers)

    meeting, workshop = add_workshop(session), add_workshop(session)
    add_registration(session, meeting, f"{FIRST} {LAST}", PHONE, EMAIL)
    add_registration(session, workshop, FIRST, "+33600000000", EMAIL.upper(), "cancelled")
    add_registration(session, meeting, "Someone Else", "+33611111111")
    add_callback(session, FIRST, PHONE)
    add_callback(session, None, "+33622222222", reference=reference)
    add_callback(session, "Someone Else", "+33611111111")
    other = client.post(
        "/api/v1/applications",
        json=body(first_name="Someone", last_name="Else", phone="+33611111111"),
        headers={**assistant_headers, "Idempotency-Key": "someone-else"},
    )
    session.commit()
    assert any(FIRST in row for row in every_row_as_text(session))
    return {
        "reference": reference,
        "data": data,
        "headers": headers,
        "meeting": meeting,
        "other": other.json()["reference"],
    }


def erase_by_operator(client, person, operator_headers, assistant_headers):
    return client.delete(f"/api/v1/applications/{person['reference']}", headers=operator_headers)


def erase_by_person(client, person, operator_headers, assistant_headers):
    return client.post(
        "/api/v1/person/erasure",
        json={"reference": person["reference"], "phone": PHONE},
        headers=assistant_headers,
    )


@pytest.mark.parametrize(
    ("erase", "requester", "actor"),
    [(erase_by_operator, "operator", "operator-all"), (erase_by_person, "person", "assistant")],
)
def test_erasure_leaves_no_personal_data_in_any_table(
    client, session, person, operator_headers, assistant_headers, erase, requester, actor
):
    response = erase(client, person, operator_headers, assistant_headers)

    assert response.status_code == 200
    assert response.json()["erased"] is True
    leftovers = [
        row for row in every_row_as_text(session) if any(n.lower() in row.lower() for n in NEEDLES)
    ]
    assert leftovers == []
    [entry] = session.scalars(select(AuditEntry).where(AuditEntry.action == "erase")).all()
    assert (entry.resource, entry.actor) == ("application", actor)
    assert entry.detail == f"requested by {requester}"
    assert entry.resource_id is not None and entry.resource_id.isdigit()


def test_erasure_keeps_other_peoples_data_and_gives_seats_back(
    client, session, person, operator_headers
):
    session.refresh(person["meeting"])
    assert person["meeting"].seats_taken == 2

    client.delete(f"/api/v1/applications/{person['reference']}", headers=operator_headers)

    session.refresh(person["meeting"])
    assert person["meeting"].seats_taken == 1
    assert count_applications(session) == 1
    assert [r.name for r in session.scalars(select(Registration))] == ["Someone Else"]
    assert [c.name for c in session.scalars(select(CallbackRequest))] == ["Someone Else"]
    assert all(c.status == CallbackStatus.open for c in session.scalars(select(CallbackRequest)))
    remaining = client.get(f"/api/v1/applications/{person['other']}", headers=operator_headers)
    assert remaining.status_code == 200


def test_after_erasure_everything_about_it_is_gone_or_refused(
    client, session, person, operator_headers
):
    reference = person["reference"]
    client.delete(f"/api/v1/applications/{reference}", headers=operator_headers)

    assert (
        client.delete(f"/api/v1/applications/{reference}", headers=operator_headers).status_code
        == 404
    )
    assert (
        client.get(f"/api/v1/applications/{reference}", headers=operator_headers).status_code == 404
    )
    history = client.get(f"/api/v1/applications/{reference}/history", headers=operator_headers)
    assert history.status_code == 404
    replay = client.post("/api/v1/applications", json=person["data"], headers=person["headers"])
    assert replay.status_code == 410
    assert count_applications(session) == 1
    record = session.scalar(select(IdempotencyRecord).where(IdempotencyRecord.key == "outbox-7f3a"))
    assert (record.erased, record.body_hash, record.application_id) == (True, "", None)
