"""Seats under real concurrency: a uvicorn server, many threads released at the same instant."""

import threading
from collections import Counter
from datetime import datetime, timedelta, timezone

import httpx
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from api.enums import RegistrationStatus
from api.models import Registration, Workshop


def _in_parallel(count, request):
    """Run `request(i, client)` in `count` threads that start together; return the responses."""
    barrier = threading.Barrier(count)
    responses = [None] * count
    errors = []
    # One connection per thread, so that no request waits for another's connection.
    limits = httpx.Limits(max_connections=count, max_keepalive_connections=count)

    with httpx.Client(timeout=60, limits=limits) as client:

        def worker(i):
            barrier.wait()
            try:
                responses[i] = request(i, client)
            except Exception as exc:  # reported below, with the others
                errors.append(exc)

        threads = [threading.Thread(target=worker, args=(i,)) for i in range(count)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
    assert not errors, errors
    return responses


def _create_workshop(live, admin, capacity):
    response = httpx.post(
        f"{live.base_url}/api/v1/workshops",
        json={
            "kind": "information_meeting",
            "audience": "candidates",
            "title": "Réunion d'information",
            "starts_at": (datetime.now(timezone.utc) + timedelta(days=3)).isoformat(),
            "place": "Paris",
            "capacity": capacity,
        },
        headers=admin,
        timeout=30,
    )
    assert response.status_code == 201, response.text
    return response.json()["id"]


def _stored(live, workshop_id):
    """Seats taken on the workshop row, and confirmed registrations, read from the database."""
    with Session(live.database.engine) as session:
        seats_taken = session.get(Workshop, workshop_id).seats_taken
        confirmed = session.scalar(
            select(func.count())
            .select_from(Registration)
            .where(
                Registration.workshop_id == workshop_id,
                Registration.status == RegistrationStatus.confirmed,
            )
        )
    return seats_taken, confirmed


def test_fifty_people_for_ten_seats_give_ten_confirmed_and_forty_full(live_server):
    admin, assistant = live_server.key("admin"), live_server.key("assistant")
    workshop_id = _create_workshop(live_server, admin, capacity=10)
    url = f"{live_server.base_url}/api/v1/workshops/{workshop_id}/registrations"

    def book(i, client):
        body = {"name": f"Personne {i}", "phone": f"+336120{i:05d}", "language": "fr"}
        return client.post(url, json=body, headers=assistant)

    responses = _in_parallel(50, book)

    statuses = Counter(r.status_code for r in responses)
    assert statuses == {201: 10, 409: 40}, [r.text for r in responses if r.status_code >= 500]
    assert {r.json()["code"] for r in responses if r.status_code == 409} == {"workshop_full"}
    assert len({r.json()["reference"] for r in responses if r.status_code == 201}) == 10
    assert _stored(live_server, workshop_id) == (10, 10)
    shown = httpx.get(
        f"{live_server.base_url}/api/v1/workshops/{workshop_id}", headers=assistant
    ).json()
    assert (shown["seats_taken"], shown["seats_left"]) == (10, 0)


def test_the_same_person_booking_many_times_at_once_takes_one_seat(live_server):
    admin, assistant = live_server.key("admin"), live_server.key("assistant")
    workshop_id = _create_workshop(live_server, admin, capacity=5)
    url = f"{live_server.base_url}/api/v1/workshops/{workshop_id}/registrations"
    spellings = ["+33612345678", "06 12 34 56 78", "06.12.34.56.78", "0033612345678"]

    def book(i, client):
        body = {"name": "Amina", "phone": spellings[i % len(spellings)], "language": "fr"}
        return client.post(url, json=body, headers=assistant)

    responses = _in_parallel(12, book)

    statuses = Counter(r.status_code for r in responses)
    assert statuses == {201: 1, 200: 11}, [r.text for r in responses]
    assert len({r.json()["reference"] for r in responses}) == 1
    assert _stored(live_server, workshop_id) == (1, 1)


def test_the_last_seat_goes_to_one_person_even_when_they_insist(live_server):
    admin, assistant = live_server.key("admin"), live_server.key("assistant")
    workshop_id = _create_workshop(live_server, admin, capacity=1)
    url = f"{live_server.base_url}/api/v1/workshops/{workshop_id}/registrations"

    def book(i, client):
        # Half the threads are one person asking again and again, half are other people.
        phone = "+33611111111" if i % 2 == 0 else f"+336220{i:05d}"
        return client.post(url, json={"name": f"P{i}", "phone": phone}, headers=assistant)

    responses = _in_parallel(20, book)

    assert all(r.status_code in (200, 201, 409) for r in responses), [r.text for r in responses]
    assert Counter(r.status_code for r in responses)[201] == 1
    assert _stored(live_server, workshop_id) == (1, 1)


def test_cancelling_many_times_at_once_frees_one_seat(live_server):
    admin, assistant = live_server.key("admin"), live_server.key("assistant")
    workshop_id = _create_workshop(live_server, admin, capacity=3)
    url = f"{live_server.base_url}/api/v1/workshops/{workshop_id}/registrations"
    references = [
        httpx.post(
            url, json={"name": f"P{i}", "phone": f"+3363000000{i}"}, headers=assistant
        ).json()["reference"]
        for i in range(2)
    ]
    cancel_url = f"{live_server.base_url}/api/v1/registrations/{references[0]}/cancellation"

    responses = _in_parallel(10, lambda i, client: client.post(cancel_url, headers=assistant))

    assert {r.status_code for r in responses} == {200}
    assert {r.json()["status"] for r in responses} == {"cancelled"}
    assert _stored(live_server, workshop_id) == (1, 1)
