"""Workshops and information meetings: scheduling, listing, booking and cancelling seats."""

from datetime import datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from sqlalchemy import select

from api.enums import Audience, Language, WorkshopKind
from api.models import AuditEntry, Workshop

PARIS = ZoneInfo("Europe/Paris")


def in_days(days, hour=14):
    """A Paris wall-clock time `days` from today, timezone-aware."""
    day = datetime.now(PARIS).date() + timedelta(days=days)
    return datetime.combine(day, time(hour), tzinfo=PARIS)


def workshop_body(**changes):
    body = {
        "kind": "awareness_workshop",
        "audience": "professionals",
        "title": "Atelier de sensibilisation EMILE",
        "starts_at": in_days(7).isoformat(),
        "duration_minutes": 90,
        "place": "Paris",
        "online_url": None,
        "language": "fr",
        "capacity": 10,
    }
    body.update(changes)
    return body


def create(client, headers, **changes):
    response = client.post("/api/v1/workshops", json=workshop_body(**changes), headers=headers)
    assert response.status_code == 201, response.text
    return response.json()


def person(n=1, **changes):
    body = {
        "name": f"Personne {n}",
        "organisation": None,
        "phone": f"+3361234{n:04d}",
        "email": None,
        "language": "fr",
    }
    body.update(changes)
    return body


def register(client, headers, workshop_id, body):
    return client.post(f"/api/v1/workshops/{workshop_id}/registrations", json=body, headers=headers)


def cancel(client, headers, reference):
    return client.post(f"/api/v1/registrations/{reference}/cancellation", headers=headers)


def add_workshop(session, starts_at, **changes):
    """Store a workshop directly (the API refuses past dates)."""
    values = {
        "kind": WorkshopKind.information_meeting,
        "audience": Audience.candidates,
        "title": "Réunion d'information",
        "starts_at": starts_at,
        "place": "Paris",
        "language": Language.fr,
        "capacity": 10,
    }
    values.update(changes)
    workshop = Workshop(**values)
    session.add(workshop)
    session.commit()
    return workshop


# Scheduling -----------------------------------------------------------------------------------


def test_an_admin_schedules_a_workshop_shown_in_paris_time(client, admin_headers):
    starts = in_days(60, hour=14)
    created = create(client, admin_headers, starts_at=starts.isoformat(), capacity=12)
    assert created["seats_left"] == 12
    assert created["seats_taken"] == 0
    assert created["bookable"] is True
    assert created["timezone"] == "Europe/Paris"
    assert created["starts_at_local"].startswith(f"{starts.date().isoformat()}T14:00:00+0")
    stored = datetime.fromisoformat(created["starts_at"].replace("Z", "+00:00"))
    assert stored.utcoffset() == timedelta(0)
    assert stored == starts


def test_a_naive_start_time_is_refused(client, admin_headers):
    response = client.post(
        "/api/v1/workshops",
        json=workshop_body(starts_at=in_days(7).replace(tzinfo=None).isoformat()),
        headers=admin_headers,
    )
    assert response.status_code == 422
    assert response.json()["code"] == "invalid_input"
    assert "starts_at" in response.json()["detail"]
    assert "timezone" in response.json()["detail"]


def test_a_workshop_in_the_past_is_refused(client, admin_headers):
    response = client.post(
        "/api/v1/workshops",
        json=workshop_body(starts_at=(datetime.now(timezone.utc) - timedelta(hours=1)).isoformat()),
        headers=admin_headers,
    )
    assert response.status_code == 422
    assert "future" in response.json()["detail"]


def test_a_workshop_needs_a_place_or_a_link(client, admin_headers):
    response = client.post(
        "/api/v1/workshops", json=workshop_body(place=None, online_url=None), headers=admin_headers
    )
    assert response.status_code == 422
    assert "place" in response.json()["detail"]
    online = create(client, admin_headers, place=None, online_url="https://visio.example.org/x")
    assert online["online_url"] == "https://visio.example.org/x"


def test_capacity_is_between_1_and_500(client, admin_headers):
    for capacity in (0, 501):
        response = client.post(
            "/api/v1/workshops", json=workshop_body(capacity=capacity), headers=admin_headers
        )
        assert response.status_code == 422, capacity


def test_only_admins_schedule_workshops(client, assistant_headers, operator_headers):
    for headers in (assistant_headers, operator_headers):
        response = client.post("/api/v1/workshops", json=workshop_body(), headers=headers)
        assert response.status_code == 403
        assert "workshops:admin" in response.json()["detail"]
    assert client.post("/api/v1/workshops", json=workshop_body()).status_code == 401


# Listing --------------------------------------------------------------------------------------


def test_upcoming_workshops_are_listed_by_date_without_past_or_cancelled(
    client, session, admin_headers, assistant_headers
):
    later = create(client, admin_headers, title="Plus tard", starts_at=in_days(20).isoformat())
    sooner = create(client, admin_headers, title="Bientôt", starts_at=in_days(3).isoformat())
    dropped = create(client, admin_headers, title="Annulé", starts_at=in_days(5).isoformat())
    client.patch(
        f"/api/v1/workshops/{dropped['id']}", json={"cancelled": True}, headers=admin_headers
    )
    past = add_workshop(session, datetime.now(timezone.utc) - timedelta(days=2))

    upcoming = client.get("/api/v1/workshops", headers=assistant_headers)
    assert upcoming.status_code == 200
    assert [w["id"] for w in upcoming.json()] == [sooner["id"], later["id"]]

    everything = client.get("/api/v1/workshops?upcoming=false", headers=assistant_headers).json()
    assert [w["id"] for w in everything] == [past.id, sooner["id"], dropped["id"], later["id"]]
    by_id = {w["id"]: w for w in everything}
    assert by_id[dropped["id"]]["cancelled"] is True
    assert by_id[dropped["id"]]["seats_left"] == 0
    assert by_id[past.id]["bookable"] is False


def test_workshops_are_filtered_by_audience_kind_and_language(
    client, admin_headers, assistant_headers
):
    pros = create(client, admin_headers)
    meeting = create(
        client, admin_headers, kind="information_meeting", audience="candidates", language="en"
    )
    by_audience = client.get("/api/v1/workshops?audience=candidates", headers=assistant_headers)
    assert [w["id"] for w in by_audience.json()] == [meeting["id"]]
    by_kind = client.get("/api/v1/workshops?kind=awareness_workshop", headers=assistant_headers)
    assert [w["id"] for w in by_kind.json()] == [pros["id"]]
    by_language = client.get("/api/v1/workshops?language=en", headers=assistant_headers)
    assert [w["id"] for w in by_language.json()] == [meeting["id"]]


def test_seats_left_counts_down_with_registrations(client, admin_headers, assistant_headers):
    workshop = create(client, admin_headers, capacity=3)
    assert register(client, assistant_headers, workshop["id"], person(1)).status_code == 201
    listed = client.get("/api/v1/workshops", headers=assistant_headers).json()
    assert listed[0]["seats_left"] == 2
    one = client.get(f"/api/v1/workshops/{workshop['id']}", headers=assistant_headers).json()
    assert (one["seats_taken"], one["seats_left"]) == (1, 2)


def test_an_unknown_workshop_is_404_and_a_silly_id_422(client, assistant_headers):
    assert client.get("/api/v1/workshops/999999", headers=assistant_headers).status_code == 404
    huge = client.get(f"/api/v1/workshops/{2**70}", headers=assistant_headers)
    assert huge.status_code == 422
    assert client.get("/api/v1/workshops").status_code == 401


# Registrations --------------------------------------------------------------------------------


def test_a_french_phone_number_is_stored_in_international_form(
    client, admin_headers, assistant_headers
):
    workshop = create(client, admin_headers)
    response = register(client, assistant_headers, workshop["id"], person(phone="06 12 34 56 78"))
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["phone"] == "+33612345678"
    assert body["status"] == "confirmed"
    assert len(body["reference"]) == 6
    assert body["workshop"]["id"] == workshop["id"]
    assert body["workshop"]["seats_taken"] == 1


def test_the_same_contact_booking_again_gets_the_same_seat(
    client, admin_headers, assistant_headers
):
    workshop = create(client, admin_headers, capacity=5)
    first = register(client, assistant_headers, workshop["id"], person(phone="06 12 34 56 78"))
    again = register(client, assistant_headers, workshop["id"], person(phone="+33 6 12 34 56 78"))
    assert first.status_code == 201
    assert again.status_code == 200
    assert again.json()["reference"] == first.json()["reference"]
    assert again.json()["workshop"]["seats_taken"] == 1

    by_email = person(2, phone=None, email="Amina.Diallo@Example.org")
    mail_first = register(client, assistant_headers, workshop["id"], by_email)
    mail_again = register(
        client, assistant_headers, workshop["id"], {**by_email, "email": "amina.diallo@example.org"}
    )
    assert (mail_first.status_code, mail_again.status_code) == (201, 200)
    assert mail_again.json()["reference"] == mail_first.json()["reference"]
    assert mail_again.json()["workshop"]["seats_taken"] == 2


def test_a_registration_needs_a_way_to_reach_the_person(client, admin_headers, assistant_headers):
    workshop = create(client, admin_headers)
    nothing = register(client, assistant_headers, workshop["id"], person(phone=None, email=None))
    assert nothing.status_code == 422
    assert "phone" in nothing.json()["detail"]
    bad_phone = register(client, assistant_headers, workshop["id"], person(phone="12"))
    assert bad_phone.status_code == 422
    assert "phone" in bad_phone.json()["detail"]
    bad_email = register(
        client, assistant_headers, workshop["id"], person(phone=None, email="not-an-address")
    )
    assert bad_email.status_code == 422


def test_a_full_workshop_says_so(client, admin_headers, assistant_headers):
    workshop = create(client, admin_headers, capacity=1)
    assert register(client, assistant_headers, workshop["id"], person(1)).status_code == 201
    full = register(client, assistant_headers, workshop["id"], person(2))
    assert full.status_code == 409
    assert full.json()["code"] == "workshop_full"
    assert "full" in full.json()["detail"]
    after = client.get(f"/api/v1/workshops/{workshop['id']}", headers=assistant_headers).json()
    assert (after["seats_taken"], after["seats_left"], after["bookable"]) == (1, 0, False)


def test_cancelling_frees_the_seat_for_someone_else(client, admin_headers, assistant_headers):
    workshop = create(client, admin_headers, capacity=1)
    first = register(client, assistant_headers, workshop["id"], person(1)).json()
    assert register(client, assistant_headers, workshop["id"], person(2)).status_code == 409

    cancelled = cancel(client, assistant_headers, first["reference"])
    assert cancelled.status_code == 200
    assert cancelled.json()["status"] == "cancelled"
    assert cancelled.json()["cancelled_at"] is not None
    assert cancelled.json()["workshop"]["seats_left"] == 1

    second = register(client, assistant_headers, workshop["id"], person(2))
    assert second.status_code == 201
    assert second.json()["workshop"]["seats_taken"] == 1


def test_cancelling_twice_frees_one_seat(client, admin_headers, assistant_headers):
    workshop = create(client, admin_headers, capacity=3)
    first = register(client, assistant_headers, workshop["id"], person(1)).json()
    register(client, assistant_headers, workshop["id"], person(2))
    assert cancel(client, assistant_headers, first["reference"]).status_code == 200
    again = cancel(client, assistant_headers, first["reference"].lower())
    assert again.status_code == 200
    assert again.json()["status"] == "cancelled"
    assert again.json()["workshop"]["seats_taken"] == 1


def test_booking_again_after_cancelling_takes_the_seat_back(
    client, admin_headers, assistant_headers
):
    workshop = create(client, admin_headers, capacity=1)
    first = register(client, assistant_headers, workshop["id"], person(1)).json()
    cancel(client, assistant_headers, first["reference"])

    back = register(client, assistant_headers, workshop["id"], person(1, name="Personne Une"))
    assert back.status_code == 200
    assert back.json()["reference"] == first["reference"]
    assert back.json()["status"] == "confirmed"
    assert back.json()["cancelled_at"] is None
    assert back.json()["name"] == "Personne Une"
    assert back.json()["workshop"]["seats_taken"] == 1


def test_booking_again_after_cancelling_waits_for_a_free_seat(
    client, admin_headers, assistant_headers
):
    workshop = create(client, admin_headers, capacity=1)
    first = register(client, assistant_headers, workshop["id"], person(1)).json()
    cancel(client, assistant_headers, first["reference"])
    assert register(client, assistant_headers, workshop["id"], person(2)).status_code == 201

    back = register(client, assistant_headers, workshop["id"], person(1))
    assert back.status_code == 409
    assert back.json()["code"] == "workshop_full"
    again = cancel(client, assistant_headers, first["reference"]).json()
    assert again["status"] == "cancelled"
    assert again["workshop"]["seats_taken"] == 1


def test_no_booking_for_a_past_or_cancelled_workshop(
    client, session, admin_headers, assistant_headers
):
    past = add_workshop(session, datetime.now(timezone.utc) - timedelta(hours=1))
    response = register(client, assistant_headers, past.id, person(1))
    assert response.status_code == 409
    assert response.json()["code"] == "workshop_past"

    dropped = create(client, admin_headers)
    client.patch(
        f"/api/v1/workshops/{dropped['id']}", json={"cancelled": True}, headers=admin_headers
    )
    response = register(client, assistant_headers, dropped["id"], person(1))
    assert response.status_code == 409
    assert response.json()["code"] == "workshop_cancelled"


def test_a_registration_for_a_past_workshop_cannot_be_cancelled(client, session, assistant_headers):
    workshop = add_workshop(session, datetime.now(timezone.utc) + timedelta(days=1))
    reference = register(client, assistant_headers, workshop.id, person(1)).json()["reference"]
    workshop.starts_at = datetime.now(timezone.utc) - timedelta(hours=1)
    session.commit()
    response = cancel(client, assistant_headers, reference)
    assert response.status_code == 409
    assert response.json()["code"] == "workshop_past"


def test_an_unknown_registration_is_404(client, assistant_headers):
    assert cancel(client, assistant_headers, "ZZZZZZ").status_code == 404


def test_registering_needs_the_registrations_scope(client, admin_headers, operator_headers):
    workshop = create(client, admin_headers)
    response = register(client, operator_headers, workshop["id"], person(1))
    assert response.status_code == 403
    assert register(client, {}, workshop["id"], person(1)).status_code == 401


# Changing a workshop --------------------------------------------------------------------------


def test_capacity_cannot_drop_below_the_seats_taken(client, admin_headers, assistant_headers):
    workshop = create(client, admin_headers, capacity=5)
    for n in range(3):
        register(client, assistant_headers, workshop["id"], person(n))
    url = f"/api/v1/workshops/{workshop['id']}"
    refused = client.patch(url, json={"capacity": 2}, headers=admin_headers)
    assert refused.status_code == 409
    assert refused.json()["code"] == "capacity_below_seats_taken"
    assert "3 seats" in refused.json()["detail"]
    assert client.get(url, headers=admin_headers).json()["capacity"] == 5

    shrunk = client.patch(url, json={"capacity": 3, "title": "Complet"}, headers=admin_headers)
    assert shrunk.status_code == 200
    assert (shrunk.json()["capacity"], shrunk.json()["seats_left"]) == (3, 0)
    assert shrunk.json()["title"] == "Complet"


def test_a_patch_changes_only_what_is_sent(client, admin_headers):
    workshop = create(client, admin_headers, place="Paris", description="Ordre du jour")
    url = f"/api/v1/workshops/{workshop['id']}"
    moved = client.patch(
        url,
        json={"online_url": "https://visio.example.org/a", "place": None},
        headers=admin_headers,
    )
    assert moved.status_code == 200, moved.text
    assert moved.json()["place"] is None
    assert moved.json()["description"] == "Ordre du jour"

    nowhere = client.patch(url, json={"online_url": None}, headers=admin_headers)
    assert nowhere.status_code == 422
    no_title = client.patch(url, json={"title": None}, headers=admin_headers)
    assert no_title.status_code == 422
    naive = client.patch(
        url, json={"starts_at": in_days(3).replace(tzinfo=None).isoformat()}, headers=admin_headers
    )
    assert naive.status_code == 422


def test_only_admins_change_workshops(client, admin_headers, assistant_headers):
    workshop = create(client, admin_headers)
    url = f"/api/v1/workshops/{workshop['id']}"
    assert client.patch(url, json={"cancelled": True}, headers=assistant_headers).status_code == 403
    assert (
        client.patch("/api/v1/workshops/999999", json={}, headers=admin_headers).status_code == 404
    )


def test_admins_see_who_registered_and_the_read_is_audited(
    client, session, admin_headers, assistant_headers
):
    workshop = create(client, admin_headers)
    kept = register(client, assistant_headers, workshop["id"], person(1)).json()
    dropped = register(client, assistant_headers, workshop["id"], person(2)).json()
    cancel(client, assistant_headers, dropped["reference"])

    url = f"/api/v1/workshops/{workshop['id']}/registrations"
    response = client.get(url, headers=admin_headers)
    assert response.status_code == 200
    statuses = {r["reference"]: r["status"] for r in response.json()}
    assert statuses == {kept["reference"]: "confirmed", dropped["reference"]: "cancelled"}

    entry = session.scalars(
        select(AuditEntry).where(AuditEntry.resource == "workshop_registrations")
    ).one()
    assert (entry.actor, entry.action, entry.resource_id) == ("admin", "read", str(workshop["id"]))
    assert kept["phone"] not in (entry.detail or "")

    assert client.get(url, headers=assistant_headers).status_code == 403
