"""Console workshops and accounts pages: admins create and cancel, everyone sees and exports."""

import csv
import io
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from api.models import Account, AuditEntry, Workshop
from tests.api.test_console import (  # noqa: F401 (the fixture that lets `signed_in` work)
    CONSOLE,
    _test_session,
    page_token,
    signed_in,
    text,
)

WORKSHOPS = f"{CONSOLE}/ateliers"


def workshop_form(**changes: str) -> dict[str, str]:
    day = (date.today() + timedelta(days=10)).isoformat()
    form = {
        "title": "Réunion d'information Cantal",
        "kind": "information_meeting",
        "audience": "candidates",
        "day": day,
        "start": "14:30",
        "duration_minutes": "90",
        "place": "Mairie du 18e, Paris",
        "online_url": "",
        "language": "fr",
        "capacity": "12",
        "description": "",
    }
    form.update(changes)
    return form


def test_an_admin_creates_a_workshop_at_paris_time_and_people_register(
    client, session, admin_headers, assistant_headers, operator_headers
):
    signed_in(client, admin_headers)
    token = page_token(client, f"{WORKSHOPS}/nouveau")

    created = client.post(
        f"{WORKSHOPS}/nouveau",
        data={"csrf_token": token, **workshop_form()},
        follow_redirects=False,
    )

    assert created.status_code == 303
    workshop = session.scalar(select(Workshop).where(Workshop.title.like("Réunion%Cantal")))
    assert workshop is not None
    local = workshop.starts_at.astimezone(ZoneInfo("Europe/Paris"))
    assert (local.hour, local.minute) == (14, 30)
    for n in range(3):
        person = {"name": f"Personne {n}", "phone": f"+3361234{n:04d}", "language": "ar"}
        answer = client.post(
            f"/api/v1/workshops/{workshop.id}/registrations", json=person, headers=assistant_headers
        )
        assert answer.status_code in (200, 201), answer.text
    page = client.get(created.headers["location"])
    assert "9 restantes sur 12" in text(page)
    assert "Personne 2" in text(page)
    assert "9 sur 12" in text(client.get(WORKSHOPS))

    exported = client.get(f"{WORKSHOPS}/{workshop.id}/inscriptions.csv")
    assert exported.status_code == 200
    rows = list(csv.reader(io.StringIO(exported.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][:2] == ["Référence", "Nom"]
    assert sorted(row[1] for row in rows[1:]) == ["Personne 0", "Personne 1", "Personne 2"]
    actions = session.scalars(
        select(AuditEntry.action).where(AuditEntry.resource == "registrations")
    )
    assert "export" in list(actions)


def test_a_bad_workshop_form_says_what_is_wrong_and_keeps_what_was_typed(client, admin_headers):
    signed_in(client, admin_headers)
    token = page_token(client, f"{WORKSHOPS}/nouveau")
    form = workshop_form(capacity="douze", place="", day="2020-01-01", title="Atelier gardé")

    response = client.post(f"{WORKSHOPS}/nouveau", data={"csrf_token": token, **form})

    assert response.status_code == 400
    page = text(response)
    assert "Écrivez un nombre entier." in page
    assert "Donnez un lieu, un lien, ou les deux." in page
    assert 'value="Atelier gardé"' in page and 'value="douze"' in page


def test_an_admin_cancels_a_workshop_and_it_leaves_the_list(client, session, admin_headers):
    signed_in(client, admin_headers)
    token = page_token(client, f"{WORKSHOPS}/nouveau")
    created = client.post(
        f"{WORKSHOPS}/nouveau",
        data={"csrf_token": token, **workshop_form(title="À annuler")},
        follow_redirects=False,
    )
    page = created.headers["location"].split("?")[0]
    token = page_token(client, page)

    cancelled = client.post(f"{page}/annulation", data={"csrf_token": token})

    assert "La session est annulée." in text(cancelled)
    assert "À annuler" not in text(client.get(WORKSHOPS))
    assert "Cette session est annulée." in text(client.get(page))


def test_an_operator_sees_workshops_but_cannot_create_one(client, operator_headers):
    signed_in(client, operator_headers)

    assert "Créer une session" not in text(client.get(WORKSHOPS))
    assert client.get(f"{WORKSHOPS}/nouveau").status_code == 403


def test_an_admin_creates_and_disables_an_account_from_the_page(
    client, session, admin_headers, app
):
    from fastapi.testclient import TestClient

    from tests.api.test_console import SIGN_IN, csrf_of

    signed_in(client, admin_headers)
    token = page_token(client, f"{CONSOLE}/comptes")
    form = {
        "csrf_token": token,
        "email": "Lea.Martin@emile.test",
        "name": "Léa Martin",
        "role": "operator",
        "territory_cantal": "1",
        "language": "en",
        "password": "short",
    }
    refused = client.post(f"{CONSOLE}/comptes", data=form)
    assert refused.status_code == 400
    assert "au moins 12 caractères" in text(refused)
    assert 'value="Lea.Martin@emile.test"' in text(refused) and "short" not in refused.text

    created = client.post(f"{CONSOLE}/comptes", data={**form, "password": "a long first password"})
    assert "Le compte est créé" in text(created)
    account = session.scalar(select(Account).where(Account.email == "lea.martin@emile.test"))
    assert account.territories == ["cantal"] and account.language == "en"

    with TestClient(app) as other:
        form_page = other.get(SIGN_IN)
        answer = other.post(
            SIGN_IN,
            data={
                "csrf_token": csrf_of(form_page),
                "email": "lea.martin@emile.test",
                "password": "a long first password",
            },
            follow_redirects=False,
        )
        assert answer.status_code == 303
        assert other.get(f"{CONSOLE}/candidatures").status_code == 200

        token = page_token(client, f"{CONSOLE}/comptes")
        client.post(f"{CONSOLE}/comptes/{account.id}/desactivation", data={"csrf_token": token})

        assert other.get(f"{CONSOLE}/candidatures", follow_redirects=False).status_code == 303


def test_an_admin_edits_a_workshop_but_not_below_the_seats_taken(
    client, session, admin_headers, assistant_headers
):
    signed_in(client, admin_headers)
    token = page_token(client, f"{WORKSHOPS}/nouveau")
    data = {"csrf_token": token, **workshop_form(title="À modifier", capacity="3")}
    page = client.post(f"{WORKSHOPS}/nouveau", data=data, follow_redirects=False)
    path = page.headers["location"].split("?")[0]
    workshop_id = int(path.rsplit("/", 1)[1])
    for n in range(2):
        person = {"name": f"Inscrit {n}", "phone": f"+3361299{n:04d}", "language": "fr"}
        client.post(
            f"/api/v1/workshops/{workshop_id}/registrations", json=person, headers=assistant_headers
        )
    form = text(client.get(f"{path}/modifier"))
    assert 'value="À modifier"' in form and 'value="14:30"' in form
    token = page_token(client, f"{path}/modifier")

    refused = client.post(
        f"{path}/modifier",
        data={"csrf_token": token, **workshop_form(title="Modifié", capacity="1")},
    )
    assert refused.status_code == 400
    assert "plus d'inscrits que ce nombre de places" in text(refused)
    assert 'value="Modifié"' in text(refused)

    saved = client.post(
        f"{path}/modifier",
        data={"csrf_token": token, **workshop_form(title="Modifié", capacity="5", start="16:00")},
    )
    assert "Les changements sont enregistrés." in text(saved)
    assert "3 restantes sur 5" in text(saved) and "16:00" in text(saved)
