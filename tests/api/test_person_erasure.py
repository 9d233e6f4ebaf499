""" "Erase my data" erases everything held about the phone, and says exactly what it erased."""

from datetime import datetime, timedelta, timezone

from sqlalchemy import func, select

from api.models import Application, CallbackRequest, Registration
from tests.api.application_helpers import create

PHONE = "+33677001122"
ERASURE = "/api/v1/person/erasure"


def _workshop(client, admin_headers) -> int:
    response = client.post(
        "/api/v1/workshops",
        json={
            "kind": "information_meeting",
            "audience": "candidates",
            "title": "Réunion",
            "starts_at": (datetime.now(timezone.utc) + timedelta(days=5)).isoformat(),
            "place": "Paris",
            "capacity": 3,
        },
        headers=admin_headers,
    )
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


def _book(client, assistant_headers, workshop: int, phone: str = PHONE) -> dict:
    response = client.post(
        f"/api/v1/workshops/{workshop}/registrations",
        json={"name": "Farida Nour", "organisation": "Secours", "phone": phone},
        headers=assistant_headers,
    )
    assert response.status_code == 201, response.text
    return response.json()


def _callback(client, assistant_headers, phone: str = PHONE) -> dict:
    response = client.post(
        "/api/v1/callbacks",
        json={"name": "Farida", "phone": phone, "language": "fr", "channel": "sms"},
        headers=assistant_headers,
    )
    assert response.status_code == 201, response.text
    return response.json()


def _held(session, phone: str = PHONE) -> tuple[int, int, int]:
    return (
        session.scalar(select(func.count()).where(Application.phone == phone)),
        session.scalar(select(func.count()).where(Registration.phone == phone)),
        session.scalar(select(func.count()).where(CallbackRequest.phone == phone)),
    )


def test_a_person_with_no_application_erases_booking_and_callback_by_sms(
    client, session, assistant_headers, admin_headers
):
    workshop = _workshop(client, admin_headers)
    _book(client, assistant_headers, workshop)
    _callback(client, assistant_headers)
    _callback(client, assistant_headers, phone="+33677009999")  # someone else

    # By SMS, the channel proved the number: it is the sender's.
    response = client.post(
        ERASURE, json={"phone": PHONE, "phone_verified": True}, headers=assistant_headers
    )

    assert response.status_code == 200, response.text
    assert response.json() == {
        "erased": True,
        "applications": 0,
        "registrations": 1,
        "callbacks": 1,
    }
    assert _held(session) == (0, 0, 0)
    assert _held(session, "+33677009999") == (0, 0, 1)
    seats = client.get(f"/api/v1/workshops/{workshop}", headers=assistant_headers).json()
    assert seats["seats_taken"] == 0


def test_a_reference_erases_every_application_and_record_of_the_phone(
    client, session, assistant_headers, admin_headers
):
    first = create(client, assistant_headers, phone=PHONE)
    create(client, assistant_headers, phone=PHONE)
    _book(client, assistant_headers, _workshop(client, admin_headers))
    _callback(client, assistant_headers)

    response = client.post(
        ERASURE, json={"phone": PHONE, "reference": first["reference"]}, headers=assistant_headers
    )

    assert response.json() == {
        "erased": True,
        "applications": 2,
        "registrations": 1,
        "callbacks": 1,
    }
    assert _held(session) == (0, 0, 0)


def test_a_registration_reference_proves_the_phone_too(
    client, session, assistant_headers, admin_headers
):
    booking = _book(client, assistant_headers, _workshop(client, admin_headers))
    _callback(client, assistant_headers)

    response = client.post(
        ERASURE,
        json={"phone": PHONE, "registration_reference": booking["reference"].lower()},
        headers=assistant_headers,
    )

    assert response.json()["registrations"] == 1 and response.json()["callbacks"] == 1
    assert _held(session) == (0, 0, 0)


def test_without_proof_only_the_conversation_s_own_callbacks_go(
    client, session, assistant_headers, admin_headers
):
    """On Telegram a phone is typed, not proved: someone else's number erases nothing of theirs."""
    create(client, assistant_headers, phone=PHONE)
    _book(client, assistant_headers, _workshop(client, admin_headers))
    mine = _callback(client, assistant_headers)
    theirs = _callback(client, assistant_headers)

    response = client.post(
        ERASURE, json={"phone": PHONE, "callback_ids": [mine["id"]]}, headers=assistant_headers
    )

    assert response.json() == {
        "erased": True,
        "applications": 0,
        "registrations": 0,
        "callbacks": 1,
    }
    assert _held(session) == (1, 1, 1)
    remaining = session.scalars(select(CallbackRequest.id)).all()
    assert theirs["id"] in remaining and mine["id"] not in remaining


def test_a_wrong_reference_erases_nothing(client, session, assistant_headers, admin_headers):
    create(client, assistant_headers, phone=PHONE)
    _callback(client, assistant_headers)

    response = client.post(
        ERASURE, json={"phone": PHONE, "reference": "ZZZZZZ"}, headers=assistant_headers
    )

    assert response.status_code == 404
    assert _held(session) == (1, 0, 1)


def test_a_callback_id_of_another_phone_is_not_erased(client, session, assistant_headers):
    theirs = _callback(client, assistant_headers, phone="+33677009999")

    response = client.post(
        ERASURE, json={"phone": PHONE, "callback_ids": [theirs["id"]]}, headers=assistant_headers
    )

    assert response.json()["callbacks"] == 0
    assert _held(session, "+33677009999") == (0, 0, 1)


def test_only_the_assistant_erases_for_a_person(client, operator_headers):
    response = client.post(
        ERASURE, json={"phone": PHONE, "phone_verified": True}, headers=operator_headers
    )
    assert response.status_code == 403
