"""The console in headless chromium: what an operator does every day, click by click."""

import csv
import io
import re
import uuid
from collections import Counter
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from playwright.sync_api import Page, expect
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.models import Application, StatusChange
from api.models.base import utcnow
from tests.api.application_helpers import body
from tests.browser.conftest import SCREENSHOTS, Console, Person, shot, sign_in

PARIS = ZoneInfo("Europe/Paris")


def make_application(console: Console, assistant: dict[str, str], **changes: Any) -> dict:
    response = console.api(
        "POST",
        "/applications",
        {**assistant, "Idempotency-Key": uuid.uuid4().hex},
        json=body(**changes),
    )
    assert response.status_code == 201, response.text
    created: dict = response.json()
    return created


def session_cookie(page: Page) -> dict:
    return next(c for c in page.context.cookies() if c["name"] == "emile_console_session")


def test_sign_in_and_out_and_the_old_cookie_is_refused(console: Console, person: Person):
    email = console.account("operator")
    page = person()

    page.goto(console.url("/candidatures"))
    expect(page).to_have_url(re.compile(r"/console/connexion\?suite="))
    shot(page, "01-sign-in")
    # The e-mail field has the focus, and the focus is visible.
    focused = page.evaluate("document.activeElement.id")
    assert focused == "email"
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline not in ("", "none")
    sign_in(page, console, email)
    expect(page).to_have_url(re.compile(r"/console/candidatures$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Candidatures")
    cookie = session_cookie(page)
    assert cookie["httpOnly"] and cookie["sameSite"] == "Strict"
    assert "@" not in cookie["value"] and "password" not in cookie["value"]

    page.get_by_role("button", name="Se déconnecter").click()

    expect(page.locator(".notice.success")).to_contain_text("Vous êtes déconnecté")
    replay = person()
    replay.context.add_cookies([cookie])
    replay.goto(console.url("/candidatures"))
    expect(replay).to_have_url(re.compile(r"/console/connexion"))
    expect(replay.get_by_label("Mot de passe")).to_be_visible()


def test_a_wrong_password_again_and_again_locks_the_account(console: Console, person: Person):
    email = console.account("operator")
    page = person()

    for _ in range(5):
        sign_in(page, console, email, password="not the password")
    expect(page.locator(".field-error")).to_contain_text("Trop d'essais manqués")
    expect(page.get_by_label("Adresse e-mail")).to_have_value(email)  # what was typed stays
    shot(page, "02-locked-out")
    sign_in(page, console, email)  # the right password, too late

    expect(page.locator(".field-error")).to_contain_text("Trop d'essais manqués")
    expect(page).to_have_url(re.compile(r"/console/connexion"))


def test_find_an_application_change_its_status_and_see_the_history(
    console: Console, person: Person
):
    assistant = console.key("assistant")
    reference = make_application(
        console, assistant, first_name="Aïcha", last_name="Konaté", territory_preferences=["cantal"]
    )["reference"]
    make_application(console, assistant, first_name="Other", last_name="Person")
    page = person()
    sign_in(page, console, console.account("operator"))

    page.get_by_label("Rechercher un nom ou une référence").fill(reference.lower())
    page.get_by_role("button", name="Rechercher").click()
    page.get_by_role("link", name="Aïcha Konaté").click()

    expect(page.get_by_role("heading", level=1)).to_contain_text("Aïcha Konaté")
    shot(page, "03-application")
    page.get_by_label("Contactée").check()
    page.get_by_label("Note").fill("Appelée ce matin, rappeler jeudi.")
    page.get_by_role("button", name="Enregistrer le statut").click()

    expect(page.locator(".notice.success")).to_contain_text("Le statut a été mis à jour")
    history = page.locator(".history")
    expect(history).to_contain_text("Contactée")
    expect(history).to_contain_text("Appelée ce matin, rappeler jeudi.")


def test_an_operator_of_another_territory_cannot_open_it_by_url(console: Console, person: Person):
    assistant = console.key("assistant")
    reference = make_application(console, assistant, territory_preferences=["cantal"])["reference"]
    page = person()
    sign_in(page, console, console.account("operator", territories=["allier"]))

    response = page.goto(console.url(f"/candidatures/{reference}"))

    assert response is not None and response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("Candidature introuvable")
    expect(page.locator("main")).not_to_contain_text(reference + " ")


def test_a_form_with_a_forged_csrf_token_is_refused(console: Console, person: Person):
    assistant = console.key("assistant")
    reference = make_application(console, assistant)["reference"]
    page = person()
    sign_in(page, console, console.account("operator"))
    page.goto(console.url(f"/candidatures/{reference}"))

    page.locator('form[action$="/statut"] input[name="csrf_token"]').evaluate(
        "input => { input.value = 'f'.repeat(64) }"
    )
    page.get_by_label("Contactée").check()
    with page.expect_response(re.compile(r"/statut$")) as answer:
        page.get_by_role("button", name="Enregistrer le statut").click()

    assert answer.value.status == 403
    expect(page.get_by_role("heading", level=1)).to_have_text("Formulaire refusé")
    page.goto(console.url(f"/candidatures/{reference}"))
    expect(page.locator(".history")).not_to_contain_text("Contactée")


def test_an_erasure(console: Console, person: Person):
    assistant = console.key("assistant")
    reference = make_application(console, assistant, first_name="Effacée")["reference"]
    page = person()
    sign_in(page, console, console.account("operator"))
    page.goto(console.url(f"/candidatures/{reference}"))

    page.get_by_role("link", name="Effacer cette candidature…").click()
    page.get_by_label("Pour confirmer").fill("WRONG1")
    page.get_by_role("button", name="Effacer définitivement").click()
    expect(page.get_by_role("alert").first).to_contain_text("Rien n'a été effacé")
    page.get_by_label("Pour confirmer").fill(reference)
    page.get_by_role("button", name="Effacer définitivement").click()

    expect(page.locator(".notice.success")).to_contain_text("effacée définitivement")
    with Session(console.database.engine) as s:
        gone = s.scalar(select(Application).where(Application.reference == reference))
    assert gone is None
    assert page.goto(console.url(f"/candidatures/{reference}")).status == 404


def test_a_workshop_created_and_its_registrants_exported(console: Console, person: Person):
    page = person()
    sign_in(page, console, console.account("admin"))
    day = date.today() + timedelta(days=12)

    page.get_by_role("link", name="Ateliers").click()
    page.get_by_role("link", name="Créer une session").click()
    page.get_by_label("Titre").fill("Réunion Lozère navigateur")
    page.get_by_label("Jour").fill(day.isoformat())
    page.get_by_label("Heure").fill("09:45")
    page.get_by_label("Places").fill("0")  # a mistake first
    page.get_by_label("Lieu", exact=True).fill("Maison des associations, Paris 19e")
    page.get_by_role("button", name="Créer la session").click()
    expect(page.get_by_role("alert")).to_contain_text("Entre 1 et 500 places.")
    expect(page.get_by_label("Titre")).to_have_value("Réunion Lozère navigateur")
    page.get_by_label("Places").fill("10")
    page.get_by_role("button", name="Créer la session").click()

    expect(page.locator(".notice.success")).to_contain_text("La session est créée.")
    expect(page.locator("main")).to_contain_text(f"{day:%d/%m/%Y} 09:45")
    workshop_id = int(page.url.split("/ateliers/")[1].split("?")[0])
    assistant = console.key("assistant")
    for n, name in enumerate(("Hawa Sissoko", "Ivan Petrenko")):
        registered = console.api(
            "POST",
            f"/workshops/{workshop_id}/registrations",
            assistant,
            json={"name": name, "phone": f"+3361200{n:04d}", "language": "fr"},
        )
        assert registered.status_code in (200, 201), registered.text
    page.reload()
    expect(page.locator("#seats")).to_contain_text("8 restantes sur 10")
    shot(page, "05-workshop")
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Exporter les inscrits (CSV)").click()
    content = Path(download_info.value.path()).read_bytes().decode("utf-8-sig")

    rows = list(csv.reader(io.StringIO(content), delimiter=";"))
    assert sorted(row[1] for row in rows[1:]) == ["Hawa Sissoko", "Ivan Petrenko"]
    page.goto(console.url("/ateliers"))
    expect(page.locator("main")).to_contain_text("Réunion Lozère navigateur")
    shot(page, "04-workshops")


def _seed_dashboard(console: Console) -> tuple[list[dict], date]:
    """Four applications in a territory of their own, at known moments."""
    assistant = console.key("assistant")
    operator = console.key("operator")
    now = utcnow()
    monday = (now.astimezone(PARIS) - timedelta(weeks=4)).date()
    monday -= timedelta(days=monday.weekday())
    arrival = datetime.combine(monday, time(9), tzinfo=PARIS)
    plan = [
        ("fr", arrival, timedelta(hours=5)),  # picked up the same day
        ("ar", arrival + timedelta(days=1), timedelta(days=6)),  # picked up late
        ("ar", now - timedelta(days=9), None),
        ("en", now - timedelta(days=40), None),
    ]
    made = []
    for language, _at, picked_up in plan:
        created = make_application(
            console, assistant, language=language, territory_preferences=["savoie"]
        )
        if picked_up is not None:
            moved = console.api(
                "POST",
                f"/applications/{created['reference']}/status",
                operator,
                json={"status": "contacted"},
            )
            assert moved.status_code == 200, moved.text
        made.append(created)
    # Then the moments, in one write (the server is not asked anything meanwhile).
    with Session(console.database.engine) as s:
        for created, (_language, at, picked_up) in zip(made, plan, strict=True):
            row = s.scalar(select(Application).where(Application.reference == created["reference"]))
            assert row is not None
            row.created_at = at
            if picked_up is not None:
                change = s.scalar(
                    select(StatusChange)
                    .where(StatusChange.application_id == row.id)
                    .order_by(StatusChange.id.desc())
                )
                assert change is not None
                change.at = at + picked_up
        s.commit()
    return made, monday


def test_the_dashboard_shows_the_seeded_figures(console: Console, person: Person):
    made, monday = _seed_dashboard(console)
    page = person()
    sign_in(page, console, console.account("operator", territories=["savoie"]))

    page.get_by_role("link", name="Tableau de bord").click()

    main = page.locator("main")
    expect(main).to_contain_text("Sur les 4 candidatures")
    assert page.locator("svg.chart").count() == 4

    def figures(table: str) -> dict[str, int]:
        rows = page.locator(f"#{table}-table tbody tr")
        return {
            rows.nth(i).locator("th").inner_text(): int(rows.nth(i).locator("td").inner_text())
            for i in range(rows.count())
        }

    assert figures("weeks")[monday.strftime("%d/%m/%Y")] == 2
    assert sum(figures("weeks").values()) == 4
    languages = figures("languages")
    assert (languages["Français"], languages["Arabe"], languages["Anglais"]) == (1, 2, 1)
    verdicts = Counter(a["verdict"]["result"] for a in made)
    assert figures("verdicts")["Éligible"] == verdicts["eligible"]
    assert figures("territories") == {"Savoie": 4}
    expect(page.locator("#contacted-share")).to_contain_text("25 %")
    expect(page.locator("#contacted-share")).to_contain_text("(1 sur 4)")
    # Still new: 9 and 40 days: the median is 24,5 days.
    expect(page.locator("#median-wait")).to_contain_text("24,5 jours")
    expect(page.locator("#median-wait")).to_contain_text("(2 en attente)")
    shot(page, "06-dashboard")


def test_pages_on_a_tablet_and_the_callbacks_page(console: Console, person: Person):
    page = person(viewport={"width": 768, "height": 1024})
    sign_in(page, console, console.account("admin"))
    shot(page, "07-applications-tablet")
    page.get_by_role("link", name="Demandes de rappel").click()
    expect(page.get_by_label("Territoire souhaité dans la candidature")).to_be_visible()
    shot(page, "08-callbacks")
    page.get_by_role("link", name="Comptes").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Comptes des équipes")
    shot(page, "09-accounts")

    # The person switches to English: the same page, and every page after, in English.
    page.get_by_role("button", name="English").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Teams' accounts")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.get_by_role("link", name="Dashboard").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Dashboard")
    shot(page, "10-dashboard-english")
    assert len(list(SCREENSHOTS.glob("*.png"))) >= 3
