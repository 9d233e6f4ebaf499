"""The operator console: sign-in with an account, CSRF, territory scoping, pages, forms, audit.

Most tests sign in as "the person behind" an API key fixture: an account with the key's role and
territories, named after it (`sign_in`), so that the API calls and the pages see the same data.
"""

import csv
import html
import io
import re
from datetime import datetime, timezone

import pytest
import yaml
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy import text as sql_text

from api import enums
from api.console.rendering import LABELS_FILE
from api.console.security import CSRF_COOKIE, SESSION_COOKIE
from api.enums import Scope
from api.models import Account, ApiKey, Application, AuditEntry, CallbackRequest
from api.models.base import utcnow
from api.security import split_token
from api.services.accounts import create_account, disable_account, find_account
from tests.api.application_helpers import count_applications, create, set_dates

CONSOLE = "/console"
LIST = f"{CONSOLE}/candidatures"
SIGN_IN = f"{CONSOLE}/connexion"
TOKEN = re.compile(r'name="csrf_token" value="([0-9a-f]{64})"')


def text(response) -> str:
    """The page as a person reads it (entities such as &#39; decoded)."""
    return html.unescape(response.text)


def csrf_of(response) -> str:
    match = TOKEN.search(response.text)
    assert match, "the page has no CSRF token"
    return match.group(1)


PASSWORD = "correct horse battery staple"
_db: dict[str, object] = {}


@pytest.fixture(autouse=True)
def _test_session(session):
    """The test's session, for the helpers that make the account behind a key."""
    _db["session"] = session
    yield
    _db.clear()


def account_for(headers: dict[str, str]) -> Account:
    """The account of the person behind this key: its role and territories, named after it."""
    session = _db["session"]
    parts = split_token(headers["X-API-Key"])
    assert parts is not None
    key = session.scalar(select(ApiKey).where(ApiKey.prefix == parts[0]))
    email = f"{key.name}@emile.test"
    account = find_account(session, email)
    if account is None:
        role = "admin" if Scope.keys_admin.value in key.scopes else "operator"
        account = create_account(session, email, key.name, role, PASSWORD, key.territories)
        session.commit()
    return account


def sign_in(client: TestClient, headers: dict[str, str], password: str = PASSWORD, **extra: str):
    """Sign the client in as the person behind `headers`; returns the answer to the form."""
    account = account_for(headers)
    token = csrf_of(client.get(SIGN_IN))
    return client.post(
        SIGN_IN,
        data={"csrf_token": token, "email": account.email, "password": password, **extra},
        follow_redirects=False,
    )


def signed_in(client: TestClient, headers: dict[str, str]) -> None:
    response = sign_in(client, headers)
    assert response.status_code == 303, response.text
    assert response.headers["location"] == LIST


def page_token(client: TestClient, path: str = LIST) -> str:
    response = client.get(path)
    assert response.status_code == 200, response.text
    return csrf_of(response)


def application_row(session, reference: str) -> Application | None:
    session.expire_all()
    return session.scalar(select(Application).where(Application.reference == reference))


def audit(session) -> list[tuple[str, str, str]]:
    entries = session.scalars(select(AuditEntry).order_by(AuditEntry.id)).all()
    return [(e.actor, e.action, e.resource) for e in entries]


def leave_callback(client, headers, **changes):
    body = {
        "name": "Amina",
        "phone": "06 12 34 56 78",
        "language": "fr",
        "channel": "telegram",
        "topic": "eligibility_to_review",
        "application_reference": None,
        **changes,
    }
    response = client.post("/api/v1/callbacks", json=body, headers=headers)
    assert response.status_code == 201, response.text
    return response.json()


def cookie_headers(response) -> dict[str, str]:
    return {header.split("=", 1)[0]: header for header in response.headers.get_list("set-cookie")}


# Signing in and out


def test_a_good_password_signs_in_with_a_strict_httponly_session_cookie(
    client, session, operator_headers
):
    response = sign_in(client, operator_headers)

    assert response.status_code == 303
    assert response.headers["location"] == LIST
    session_cookie = cookie_headers(response)[SESSION_COOKIE]
    assert "HttpOnly" in session_cookie
    assert "SameSite=strict" in session_cookie
    assert "Path=/console" in session_cookie
    assert "Secure" not in session_cookie  # plain http (a developer's machine)
    assert CSRF_COOKIE in cookie_headers(response)  # a new CSRF secret with the new session
    # The cookie holds a random id, never a credential; the database holds only its hash.
    value = client.cookies.get(SESSION_COOKIE)
    assert PASSWORD not in value and "@" not in value and len(value) == 43
    stored = session.execute(sql_text("SELECT token_hash FROM console_sessions")).scalars().all()
    assert value not in stored and len(stored) == 1
    page = client.get(LIST)
    assert page.status_code == 200
    assert "operator-all" in text(page)


def test_over_https_the_cookies_are_secure(app, operator_headers):
    with TestClient(app, base_url="https://testserver") as browser:
        response = sign_in(browser, operator_headers)

    assert response.status_code == 303
    for cookie in cookie_headers(response).values():
        assert "Secure" in cookie


@pytest.mark.parametrize("password", ["", "wrong password", "x" * 5000, "\x00"])
def test_a_wrong_password_shows_the_form_again_with_the_address_kept(
    client, operator_headers, password
):
    response = sign_in(client, operator_headers, password=password)

    assert response.status_code in (400, 401)
    assert '<html lang="fr">' in text(response)
    assert "mot de passe" in text(response)
    assert 'value="operator-all@emile.test"' in text(response)
    assert SESSION_COOKIE not in cookie_headers(response)
    assert client.get(LIST, follow_redirects=False).status_code == 303


def test_an_unknown_address_is_refused_like_a_wrong_password(client, session):
    token = csrf_of(client.get(SIGN_IN))

    response = client.post(
        SIGN_IN, data={"csrf_token": token, "email": "nobody@emile.test", "password": PASSWORD}
    )

    assert response.status_code == 401
    assert "Adresse e-mail ou mot de passe incorrect" in text(response)
    assert ("console", "sign_in_failed", "account") in audit(session)


def test_repeated_wrong_passwords_lock_the_account_and_are_audited(
    client, session, operator_headers
):
    for _ in range(4):
        assert sign_in(client, operator_headers, password="wrong password").status_code == 401
    locked = sign_in(client, operator_headers, password="wrong password")
    assert locked.status_code == 401
    assert "bloqué" in text(locked)

    # Locked: even the right password is refused for a while.
    refused = sign_in(client, operator_headers)
    assert refused.status_code == 401 and "bloqué" in text(refused)
    assert SESSION_COOKIE not in cookie_headers(refused)
    entries = audit(session)
    assert entries.count(("operator-all@emile.test", "sign_in_failed", "account")) == 4
    assert ("operator-all@emile.test", "sign_in_locked", "account") in entries

    account = account_for(operator_headers)
    account.locked_until = utcnow()  # the lock-out is over
    session.commit()
    assert sign_in(client, operator_headers).status_code == 303


def test_a_disabled_account_cannot_sign_in(client, session, operator_headers):
    disable_account(session, account_for(operator_headers))
    session.commit()

    response = sign_in(client, operator_headers)

    assert response.status_code == 401
    assert "Adresse e-mail ou mot de passe incorrect" in text(response)


def test_an_account_disabled_while_signed_in_stops_working_at_once(
    client, session, operator_headers
):
    signed_in(client, operator_headers)
    disable_account(session, account_for(operator_headers))
    session.commit()

    response = client.get(LIST, follow_redirects=False)

    assert response.status_code == 303
    assert response.headers["location"].startswith(SIGN_IN)
    assert 'emile_console_session=""' in cookie_headers(response)[SESSION_COOKIE]  # cleared


def test_an_expired_session_is_refused(client, session, operator_headers):
    signed_in(client, operator_headers)
    session.execute(sql_text("UPDATE console_sessions SET expires_at = created_at"))
    session.commit()

    assert client.get(LIST, follow_redirects=False).status_code == 303


@pytest.mark.parametrize(
    "path",
    [
        LIST,
        f"{LIST}?status=new",
        f"{LIST}/ABCDEF",
        f"{LIST}/ABCDEF/effacement",
        f"{LIST}/export.csv",
        f"{CONSOLE}/rappels",
    ],
)
def test_pages_need_the_cookie(client, path):
    response = client.get(path, follow_redirects=False)

    assert response.status_code == 303
    assert response.headers["location"].startswith(f"{SIGN_IN}?suite=")


@pytest.mark.parametrize(
    "path", [f"{LIST}/ABCDEF/statut", f"{LIST}/ABCDEF/effacement", f"{CONSOLE}/rappels/1/cloture"]
)
def test_forms_need_the_cookie(client, path):
    response = client.post(path, data={"status": "contacted"}, follow_redirects=False)

    assert response.status_code == 303
    assert response.headers["location"] == SIGN_IN


@pytest.mark.parametrize("forged", ["A" * 43, "emk_000000000000_forged", "x" * 5000])
def test_a_forged_cookie_is_sent_to_the_sign_in_page(client, forged):
    client.cookies.set(SESSION_COOKIE, forged, path="/console")

    response = client.get(LIST, follow_redirects=False)

    assert response.status_code == 303


def test_after_sign_in_the_browser_goes_back_to_the_page_it_asked_for(client, operator_headers):
    asked = client.get(f"{LIST}?status=new", follow_redirects=False).headers["location"]
    suite = asked.split("suite=", 1)[1]
    form = client.get(asked)
    assert 'name="suite"' in text(form)

    response = client.post(
        SIGN_IN,
        data={
            "csrf_token": csrf_of(form),
            "email": account_for(operator_headers).email,
            "password": PASSWORD,
            "suite": suite.replace("%2F", "/").replace("%3F", "?").replace("%3D", "="),
        },
        follow_redirects=False,
    )

    assert response.headers["location"] == f"{LIST}?status=new"


@pytest.mark.parametrize(
    "suite", ["https://evil.example/", "//evil.example/console/", "/api/v1/keys", "/console/\\x"]
)
def test_sign_in_never_sends_the_browser_elsewhere(client, operator_headers, suite):
    response = sign_in(client, operator_headers, suite=suite)

    assert response.headers["location"] == LIST


def test_sign_out_ends_the_session_on_the_server(client, session, operator_headers):
    signed_in(client, operator_headers)
    token = page_token(client)
    old_cookie = client.cookies.get(SESSION_COOKIE)

    response = client.post(
        f"{CONSOLE}/deconnexion", data={"csrf_token": token}, follow_redirects=False
    )

    assert response.status_code == 303
    assert response.headers["location"].startswith(SIGN_IN)
    assert 'emile_console_session=""' in cookie_headers(response)[SESSION_COOKIE]
    assert client.get(LIST, follow_redirects=False).status_code == 303
    assert "Vous êtes déconnecté" in text(client.get(response.headers["location"]))
    # The old cookie, replayed, is refused: the session ended on the server.
    client.cookies.set(SESSION_COOKIE, old_cookie, path="/console")
    assert client.get(LIST, follow_redirects=False).status_code == 303
    assert ("operator-all@emile.test", "sign_out", "account") in audit(session)


def test_signed_in_the_sign_in_page_goes_to_the_list(client, operator_headers):
    signed_in(client, operator_headers)

    response = client.get(SIGN_IN, follow_redirects=False)

    assert response.headers["location"] == LIST


# CSRF


def _post_targets(client, assistant_headers):
    reference = create(client, assistant_headers)["reference"]
    callback = leave_callback(client, assistant_headers)
    return (
        reference,
        callback["id"],
        {
            "status": (f"{LIST}/{reference}/statut", {"status": "contacted", "note": "ok"}),
            "erase": (f"{LIST}/{reference}/effacement", {"confirmation": reference}),
            "callback": (f"{CONSOLE}/rappels/{callback['id']}/cloture", {"note": "appelée"}),
            "sign_out": (f"{CONSOLE}/deconnexion", {}),
        },
    )


@pytest.mark.parametrize("target", ["status", "erase", "callback", "sign_out"])
@pytest.mark.parametrize("token", [None, "", "0" * 64, "before-sign-in"])
def test_a_form_without_the_right_csrf_token_is_a_403_and_changes_nothing(
    client, session, assistant_headers, operator_headers, target, token
):
    before_sign_in = csrf_of(client.get(SIGN_IN))
    signed_in(client, operator_headers)
    reference, callback_id, targets = _post_targets(client, assistant_headers)
    path, data = targets[target]
    if token == "before-sign-in":
        data["csrf_token"] = before_sign_in  # a token of the anonymous session
    elif token is not None:
        data["csrf_token"] = token

    response = client.post(path, data=data, follow_redirects=False)

    assert response.status_code == 403
    assert "Formulaire refusé" in text(response)
    row = application_row(session, reference)
    assert row is not None and row.status == enums.ApplicationStatus.new
    assert session.get(CallbackRequest, callback_id).status == enums.CallbackStatus.open
    assert client.get(LIST).status_code == 200  # still signed in


def test_a_token_from_another_browser_is_refused(app, client, session, assistant_headers, make_key):
    reference = create(client, assistant_headers)["reference"]
    headers = make_key("operator", name="op-two-browsers")
    signed_in(client, headers)
    with TestClient(app) as other:
        signed_in(other, headers)
        other_token = page_token(other)

    response = client.post(
        f"{LIST}/{reference}/statut", data={"csrf_token": other_token, "status": "contacted"}
    )

    assert response.status_code == 403
    assert application_row(session, reference).status == enums.ApplicationStatus.new


def test_sign_in_needs_the_csrf_token_too(client, operator_headers):
    client.get(SIGN_IN)

    email = account_for(operator_headers).email
    response = client.post(SIGN_IN, data={"email": email, "password": PASSWORD})

    assert response.status_code == 403
    assert SESSION_COOKIE not in cookie_headers(response)


# Territories


def test_an_operator_of_one_territory_never_sees_another(
    client, session, assistant_headers, make_key
):
    cantal = create(
        client, assistant_headers, first_name="Céline", territory_preferences=["cantal"]
    )
    lozere = create(client, assistant_headers, first_name="Lola", territory_preferences=["lozere"])
    signed_in(client, make_key("operator", name="op-cantal", territories=["cantal"]))

    listing = client.get(LIST)
    assert cantal["reference"] in text(listing) and "Céline" in text(listing)
    assert lozere["reference"] not in text(listing) and "Lola" not in text(listing)
    assert "1 candidature" in text(listing)
    assert "Territoires : Cantal" in text(listing)
    assert '<option value="lozere"' not in text(listing)
    asked_for_lozere = client.get(LIST, params={"territory": "lozere"})
    assert lozere["reference"] not in text(asked_for_lozere)
    assert "Aucune candidature" in text(asked_for_lozere)
    assert lozere["reference"] not in client.get(f"{LIST}/export.csv").text
    searched = client.get(LIST, params={"q": lozere["reference"]})
    assert "Aucune candidature" in text(searched) and "Lola" not in text(searched)

    for path in (f"{LIST}/{lozere['reference']}", f"{LIST}/{lozere['reference']}/effacement"):
        page = client.get(path)
        assert page.status_code == 404
        assert "Candidature introuvable" in text(page)
    token = page_token(client)
    changed = client.post(
        f"{LIST}/{lozere['reference']}/statut",
        data={"csrf_token": token, "status": "contacted"},
    )
    erased = client.post(
        f"{LIST}/{lozere['reference']}/effacement",
        data={"csrf_token": token, "confirmation": lozere["reference"]},
    )
    assert changed.status_code == 404 and erased.status_code == 404
    row = application_row(session, lozere["reference"])
    assert row is not None and row.status == enums.ApplicationStatus.new


# One application, its status and its erasure


def test_the_application_page_shows_answers_verdict_territories_and_history_in_french(
    client, assistant_headers, operator_headers
):
    reference = create(
        client,
        assistant_headers,
        first_name="Amina",
        last_name="Diallo",
        answers__housing_situation="social_hotel",
        answers__right_to_work="pending_renewal",
        answers__adults=None,
        answers__trades=["building", "cleaning"],
        territory_preferences=["lozere", "cantal"],
        verdict={
            "result": "to_review",
            "reasons": ["right_to_work_pending"],
            "rules_version": "2024.1",
        },
    )["reference"]
    signed_in(client, operator_headers)

    page = client.get(f"{LIST}/{reference}")

    assert page.status_code == 200
    shown_text = text(page)
    assert '<html lang="fr">' in shown_text and "<script" not in shown_text
    for shown in (
        "Amina Diallo",
        reference,
        "Hôtel social",
        "Titre en cours de renouvellement (récépissé)",
        "Ne sait pas",  # adults unknown
        "Bâtiment, Propreté",
        "À examiner",
        "Titre de séjour en cours de renouvellement",
        "+33 6 12 34 56 78",
        "candidature reçue",
        "Nouvelle",
    ):
        assert shown in shown_text, shown
    territories = shown_text[shown_text.index("Territoires souhaités") :]
    assert territories.index("Lozère") < territories.index("Cantal")
    # Only the statuses the pipeline allows next are offered.
    offered = set(re.findall(r'name="status" value="([a-z_]+)"', shown_text))
    assert offered == {"contacted", "declined", "withdrawn"}
    assert page.headers["cache-control"] == "no-store"
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]


def test_a_status_change_from_the_page_is_in_the_history_and_the_api(
    client, session, assistant_headers, make_key
):
    reference = create(client, assistant_headers)["reference"]
    operator = make_key("operator", name="op-paris")
    signed_in(client, operator)
    token = page_token(client, f"{LIST}/{reference}")

    response = client.post(
        f"{LIST}/{reference}/statut",
        data={"csrf_token": token, "status": "contacted", "note": "Appelée le matin.\nRappeler."},
        follow_redirects=False,
    )

    assert response.status_code == 303
    assert response.headers["location"] == f"{LIST}/{reference}?message=status_changed"
    page = client.get(response.headers["location"])
    assert "Le statut a été mis à jour" in text(page)
    assert "Appelée le matin." in text(page) and "par op-paris" in text(page)
    offered = set(re.findall(r'name="status" value="([a-z_]+)"', page.text))
    assert offered == {"in_assessment", "declined", "withdrawn"}
    history = client.get(f"/api/v1/applications/{reference}/history", headers=operator).json()
    assert [(h["from_status"], h["to_status"], h["note"], h["actor"]) for h in history] == [
        (None, "new", None, "assistant"),
        ("new", "contacted", "Appelée le matin.\nRappeler.", "op-paris@emile.test"),
    ]
    status_changes = session.scalars(
        select(AuditEntry).where(AuditEntry.action == "status_change")
    ).all()
    assert [(e.actor, e.detail) for e in status_changes] == [
        ("op-paris@emile.test", "new -> contacted")
    ]
    # The entry names the account, not a key.
    assert status_changes[0].account_id == account_for(operator).id
    assert status_changes[0].api_key_id is None


@pytest.mark.parametrize(
    ("data", "status_code", "message"),
    [
        ({}, 400, "Choisissez le nouveau statut"),
        ({"status": "nonsense"}, 400, "Choisissez le nouveau statut"),
        ({"status": "accepted"}, 409, "Ce changement n'est plus possible"),
        ({"status": "new"}, 409, "Ce changement n'est plus possible"),
        ({"status": "contacted", "note": "x" * 2001}, 400, "au plus 2 000 caractères"),
        ({"status": "contacted", "note": "bad\x00note"}, 400, "caractères qui ne sont pas"),
    ],
)
def test_a_bad_status_form_shows_the_page_again_in_french(
    client, session, assistant_headers, operator_headers, data, status_code, message
):
    reference = create(client, assistant_headers)["reference"]
    signed_in(client, operator_headers)
    token = page_token(client, f"{LIST}/{reference}")

    response = client.post(f"{LIST}/{reference}/statut", data={"csrf_token": token, **data})

    assert response.status_code == status_code
    assert message in text(response)
    assert application_row(session, reference).status == enums.ApplicationStatus.new


def test_a_final_status_offers_no_change(client, assistant_headers, operator_headers):
    reference = create(client, assistant_headers)["reference"]
    client.post(
        f"/api/v1/applications/{reference}/status",
        json={"status": "withdrawn"},
        headers=operator_headers,
    )
    signed_in(client, operator_headers)

    page = client.get(f"{LIST}/{reference}")

    assert "est un statut définitif" in text(page)
    assert 'name="status"' not in text(page)


@pytest.mark.parametrize("typed", ["", "ABCDEF", "K7P4X"])
def test_erasing_with_the_wrong_confirmation_does_nothing(
    client, session, assistant_headers, operator_headers, typed
):
    reference = create(client, assistant_headers)["reference"]
    signed_in(client, operator_headers)
    page = client.get(f"{LIST}/{reference}/effacement")
    assert "L'effacement est définitif" in text(page)

    response = client.post(
        f"{LIST}/{reference}/effacement",
        data={"csrf_token": csrf_of(page), "confirmation": typed},
    )

    assert response.status_code == 400
    assert "Tapez la référence" in text(response) or "Ce n'est pas la référence" in text(response)
    assert application_row(session, reference) is not None
    assert not session.scalars(select(AuditEntry).where(AuditEntry.action == "erase")).all()


def test_erasing_with_the_reference_typed_erases_for_good(
    client, session, assistant_headers, make_key
):
    reference = create(client, assistant_headers)["reference"]
    leave_callback(client, assistant_headers, application_reference=reference)
    operator = make_key("operator", name="op-erase")
    signed_in(client, operator)
    token = page_token(client, f"{LIST}/{reference}/effacement")
    typed = f" {reference[:3].lower()} {reference[3:]} "  # as people type it

    response = client.post(
        f"{LIST}/{reference}/effacement",
        data={"csrf_token": token, "confirmation": typed},
        follow_redirects=False,
    )

    assert response.status_code == 303
    assert response.headers["location"] == f"{LIST}?message=erased"
    assert "a été effacée définitivement" in text(client.get(response.headers["location"]))
    assert application_row(session, reference) is None
    assert count_applications(session) == 0
    assert session.scalars(select(CallbackRequest)).all() == []
    erase = session.scalar(select(AuditEntry).where(AuditEntry.action == "erase"))
    assert (erase.actor, erase.detail) == ("op-erase@emile.test", "requested by operator")
    assert client.get(f"/api/v1/applications/{reference}", headers=operator).status_code == 404
    assert client.get(f"{LIST}/{reference}").status_code == 404


@pytest.mark.parametrize("reference", ["nope", "ABCDEF", "%00", "a" * 300, "K7P4XM.html"])
def test_an_unknown_reference_is_a_french_404(client, operator_headers, reference):
    signed_in(client, operator_headers)

    response = client.get(f"{LIST}/{reference}")

    assert response.status_code == 404
    assert "Candidature introuvable" in text(response)


def test_an_unknown_console_page_is_a_french_404(client):
    response = client.get(f"{CONSOLE}/nulle-part")

    assert response.status_code == 404
    assert "Page introuvable" in text(response)


# The list


def test_the_list_is_newest_first_with_counts(client, session, assistant_headers, operator_headers):
    old = create(client, assistant_headers, first_name="Ancienne")["reference"]
    new = create(client, assistant_headers, first_name="Récente")["reference"]
    contacted = create(client, assistant_headers, first_name="Contactée")["reference"]
    set_dates(session, old, created_at=datetime(2026, 1, 5, 9, 0, tzinfo=timezone.utc))
    set_dates(session, new, created_at=datetime(2026, 3, 5, 9, 0, tzinfo=timezone.utc))
    set_dates(session, contacted, created_at=datetime(2026, 2, 5, 9, 0, tzinfo=timezone.utc))
    client.post(
        f"/api/v1/applications/{contacted}/status",
        json={"status": "contacted"},
        headers=operator_headers,
    )
    signed_in(client, operator_headers)

    page = client.get(LIST).text

    assert page.index(new) < page.index(contacted) < page.index(old)
    assert "3 candidatures" in page
    assert re.search(r"Toutes <span class=\"count\">3</span>", page)
    assert re.search(r"Nouvelle <span class=\"count\">2</span>", page)
    assert re.search(r"Contactée <span class=\"count\">1</span>", page)
    assert "05/03/2026 10:00" in page  # Paris time
    # The counts keep the other filters; the list follows the status.
    only_contacted = client.get(LIST, params={"status": "contacted"}).text
    assert contacted in only_contacted and new not in only_contacted
    assert re.search(r"Nouvelle <span class=\"count\">2</span>", only_contacted)


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"q": "diallo"}, {"fr-cantal"}),
        ({"q": "ÉLO"}, {"en-lozere"}),
        ({"verdict": "not_eligible"}, {"en-lozere"}),
        ({"language": "en"}, {"en-lozere"}),
        ({"territory": "cantal"}, {"fr-cantal"}),
        ({"territory": "lozere", "language": "fr"}, set()),
        ({"status": "contacted"}, {"en-lozere"}),
        ({"created_from": "2026-02-01"}, {"en-lozere"}),
        ({"created_to": "31/01/2026"}, {"fr-cantal"}),
        ({"created_from": "01/01/2026", "created_to": "2026-12-31"}, {"fr-cantal", "en-lozere"}),
    ],
)
def test_filters(client, session, assistant_headers, operator_headers, params, expected):
    made = {
        "fr-cantal": create(
            client,
            assistant_headers,
            first_name="Amina",
            last_name="Diallo",
            territory_preferences=["cantal"],
        ),
        "en-lozere": create(
            client,
            assistant_headers,
            first_name="Élodie",
            last_name="Martin",
            language="en",
            territory_preferences=["lozere"],
            verdict={"result": "not_eligible", "reasons": ["work_stable"], "rules_version": "1"},
        ),
    }
    set_dates(
        session,
        made["fr-cantal"]["reference"],
        created_at=datetime(2026, 1, 10, tzinfo=timezone.utc),
    )
    set_dates(
        session,
        made["en-lozere"]["reference"],
        created_at=datetime(2026, 2, 10, tzinfo=timezone.utc),
    )
    client.post(
        f"/api/v1/applications/{made['en-lozere']['reference']}/status",
        json={"status": "contacted"},
        headers=operator_headers,
    )
    signed_in(client, operator_headers)

    page = client.get(LIST, params=params)

    assert page.status_code == 200
    shown = {name for name, app in made.items() if app["reference"] in text(page)}
    assert shown == expected
    # The form shows the filters back, and the export link keeps them.
    export = re.search(r'href="(/console/candidatures/export\.csv[^"]*)"', page.text).group(1)
    for name in params:
        assert f"{name}=" in export
    exported = client.get(export.replace("&amp;", "&"))
    assert {name for name, app in made.items() if app["reference"] in text(exported)} == expected


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"status": "lost"}, "Choisissez une valeur de la liste"),
        ({"verdict": "maybe"}, "Choisissez une valeur de la liste"),
        ({"language": "xx"}, "Choisissez une valeur de la liste"),
        ({"territory": "Cantal!"}, "Choisissez une valeur de la liste"),
        ({"created_from": "2026-02-30"}, "Date non reconnue"),
        ({"created_to": "32/01/2026"}, "Date non reconnue"),
        ({"created_from": "demain"}, "Date non reconnue"),
        ({"created_from": "2026-03-01", "created_to": "2026-02-01"}, "avant la date de début"),
        ({"q": "x" * 101}, "au plus 100 caractères"),
        ({"q": "a\x00b"}, "sans caractères invisibles"),
        ({"page": "0"}, "numéro de page"),
        ({"page": "²"}, "numéro de page"),
        ({"page": "99999999999"}, "numéro de page"),
    ],
)
def test_bad_filters_show_the_page_again_in_french(client, operator_headers, params, message):
    signed_in(client, operator_headers)

    for path in (LIST, f"{LIST}/export.csv"):
        response = client.get(path, params=params)
        assert response.status_code == 400
        assert "text/html" in response.headers["content-type"]
        assert message in text(response)
        assert "erreur" in text(response)


def test_the_list_is_paginated(client, session, assistant_headers, operator_headers):
    references = [create(client, assistant_headers)["reference"] for _ in range(52)]
    signed_in(client, operator_headers)

    first = client.get(LIST).text
    second = client.get(LIST, params={"page": 2}).text
    beyond = client.get(LIST, params={"page": 9})

    assert "52 candidatures" in first and "page 1 sur 2" in first
    assert "Page suivante" in first
    shown_first = {r for r in references if r in first}
    shown_second = {r for r in references if r in second}
    assert len(shown_first) == 50 and len(shown_second) == 2
    assert shown_first.isdisjoint(shown_second)
    assert beyond.status_code == 200 and "Cette page est vide" in text(beyond)


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    params=st.dictionaries(
        st.sampled_from(
            [
                "q",
                "status",
                "territory",
                "verdict",
                "language",
                "created_from",
                "created_to",
                "page",
            ]
        ),
        st.text(max_size=30),
        max_size=4,
    )
)
def test_no_query_string_is_a_server_error(client, operator_headers, params):
    if SESSION_COOKIE not in client.cookies:
        signed_in(client, operator_headers)

    response = client.get(LIST, params=params)

    assert response.status_code in (200, 400)
    assert "text/html" in response.headers["content-type"]


def test_a_body_that_is_not_a_form_is_refused_without_a_server_error(
    client, assistant_headers, operator_headers
):
    reference = create(client, assistant_headers)["reference"]
    signed_in(client, operator_headers)

    broken = client.post(
        f"{LIST}/{reference}/statut",
        content=b"--x\r\nbroken",
        headers={"Content-Type": "multipart/form-data; boundary=x"},
    )
    json_body = client.post(f"{LIST}/{reference}/statut", json={"status": "contacted"})

    assert broken.status_code in (400, 403)
    assert json_body.status_code == 403  # no form, so no CSRF token


# CSV export


def test_the_console_export_is_the_api_csv(client, session, assistant_headers, make_key):
    create(client, assistant_headers, first_name="Hélène", territory_preferences=["cantal"])
    create(client, assistant_headers, first_name="Lola", territory_preferences=["lozere"])
    signed_in(client, make_key("operator", name="op-export", territories=["cantal"]))

    response = client.get(f"{LIST}/export.csv", params={"language": "fr"})

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    assert response.content.startswith(b"\xef\xbb\xbf")
    assert b"\r\n" in response.content
    rows = list(csv.reader(io.StringIO(response.content.decode()[1:], newline=""), delimiter=";"))
    assert rows[0][:3] == ["Référence", "Statut", "Date de candidature"]
    assert [row[3] for row in rows[1:]] == ["Hélène"]
    export = session.scalar(select(AuditEntry).where(AuditEntry.action == "export"))
    assert (export.actor, export.detail) == ("op-export@emile.test", "language=fr")


# Audit


def test_every_read_change_and_erasure_is_audited_like_the_api(
    client, session, assistant_headers, make_key
):
    reference = create(client, assistant_headers, first_name="Nadia", last_name="Benali")[
        "reference"
    ]
    signed_in(client, make_key("operator", name="op-audit"))
    start = len(audit(session))

    client.get(LIST, params={"q": "Benali", "status": "new"})
    token = page_token(client, f"{LIST}/{reference}")
    client.get(f"{LIST}/export.csv")
    client.post(f"{LIST}/{reference}/statut", data={"csrf_token": token, "status": "contacted"})
    client.get(f"{LIST}/{reference}/effacement")
    client.post(
        f"{LIST}/{reference}/effacement", data={"csrf_token": token, "confirmation": reference}
    )

    assert audit(session)[start:] == [
        ("op-audit@emile.test", "list", "application"),
        ("op-audit@emile.test", "read", "application"),
        ("op-audit@emile.test", "history", "application"),
        ("op-audit@emile.test", "export", "application"),
        ("op-audit@emile.test", "status_change", "application"),
        # the page shown after the change
        ("op-audit@emile.test", "read", "application"),
        ("op-audit@emile.test", "history", "application"),
        # the confirmation step, then the erasure
        ("op-audit@emile.test", "read", "application"),
        ("op-audit@emile.test", "erase", "application"),
        # the list shown after the erasure
        ("op-audit@emile.test", "list", "application"),
    ]
    entries = session.scalars(select(AuditEntry).order_by(AuditEntry.id)).all()[start:]
    assert entries[0].detail == "status=new q=(withheld) page=1 page_size=50"
    details = " ".join(f"{e.detail} {e.resource_id}" for e in entries)
    for personal in ("Nadia", "Benali", reference):
        assert personal not in details


# Callback requests


def test_callback_requests_are_listed_and_closed_with_a_note(
    client, session, assistant_headers, make_key
):
    reference = create(client, assistant_headers)["reference"]
    first = leave_callback(client, assistant_headers, name="Samir", application_reference=reference)
    leave_callback(client, assistant_headers, name=None, topic="general", phone="+33698765432")
    operator = make_key("operator", name="op-calls")
    signed_in(client, operator)

    page = client.get(f"{CONSOLE}/rappels")
    assert page.status_code == 200
    assert "Samir" in text(page) and "Nom non donné" in text(page)
    assert "Sa pré-qualification (à examiner)" in text(page) and "Question générale" in text(page)
    assert f'href="/console/candidatures/{reference}"' in text(page)
    assert "2 demandes" in text(page)

    response = client.post(
        f"{CONSOLE}/rappels/{first['id']}/cloture",
        data={"csrf_token": csrf_of(page), "note": "Rappelé, intéressé."},
        follow_redirects=False,
    )

    assert response.status_code == 303
    after = client.get(response.headers["location"])
    assert "marquée comme traitée" in text(after) and "Samir" not in text(after)
    closed = client.get(f"{CONSOLE}/rappels", params={"status": "closed"})
    assert "Samir" in text(closed) and "Rappelé, intéressé." in text(closed)
    assert "par op-calls" in text(closed)
    api = client.get("/api/v1/callbacks?status=closed", headers=operator).json()
    assert [(c["id"], c["note"], c["closed_by"]) for c in api["items"]] == [
        (first["id"], "Rappelé, intéressé.", "op-calls@emile.test")
    ]
    logged = [a for a in audit(session) if a[2] == "callbacks"]
    assert ("op-calls@emile.test", "update", "callbacks") in logged
    assert ("op-calls@emile.test", "read", "callbacks") in logged


@pytest.mark.parametrize(
    ("note", "status_code", "message"),
    [
        ("", 400, "Écrivez une note"),
        ("   ", 400, "Écrivez une note"),
        ("x" * 2001, 400, "au plus 2 000 caractères"),
    ],
)
def test_closing_a_callback_needs_a_note(
    client, session, assistant_headers, operator_headers, note, status_code, message
):
    callback = leave_callback(client, assistant_headers)
    signed_in(client, operator_headers)
    token = page_token(client, f"{CONSOLE}/rappels")

    response = client.post(
        f"{CONSOLE}/rappels/{callback['id']}/cloture", data={"csrf_token": token, "note": note}
    )

    assert response.status_code == status_code
    assert message in text(response)
    session.expire_all()
    assert session.get(CallbackRequest, callback["id"]).status == enums.CallbackStatus.open


def test_closing_a_callback_twice_or_an_unknown_one(client, assistant_headers, operator_headers):
    callback = leave_callback(client, assistant_headers)
    signed_in(client, operator_headers)
    token = page_token(client, f"{CONSOLE}/rappels")
    path = f"{CONSOLE}/rappels/{callback['id']}/cloture"

    client.post(path, data={"csrf_token": token, "note": "fait"})
    again = client.post(path, data={"csrf_token": token, "note": "fait aussi"})
    unknown = client.post(
        f"{CONSOLE}/rappels/999999/cloture", data={"csrf_token": token, "note": "x"}
    )
    not_a_number = client.post(
        f"{CONSOLE}/rappels/abc/cloture", data={"csrf_token": token, "note": "x"}
    )
    bad_status = client.get(f"{CONSOLE}/rappels", params={"status": "lost"})

    assert again.status_code == 409 and "déjà été traitée" in text(again)
    assert unknown.status_code == 404 and "Demande de rappel introuvable" in text(unknown)
    assert not_a_number.status_code == 404
    assert bad_status.status_code == 400 and "Adresse non valide" in text(bad_status)


# Labels


def test_every_code_has_a_french_label():
    labels = yaml.safe_load(LABELS_FILE.read_text(encoding="utf-8"))
    tables = {
        "status": enums.ApplicationStatus,
        "verdict": enums.Verdict,
        "language": enums.Language,
        "channel": enums.Channel,
        "residence_area": enums.ResidenceArea,
        "housing_situation": enums.HousingSituation,
        "right_to_work": enums.RightToWork,
        "work_situation": enums.WorkSituation,
        "ready_to_move": enums.ReadyToMove,
        "driving_licence": enums.DrivingLicence,
        "french_level": enums.FrenchLevel,
        "sector": enums.Sector,
        "callback_status": enums.CallbackStatus,
    }
    for table, enum in tables.items():
        assert list(labels[table]) == [member.value for member in enum], table
    answer_fields = set(Application.__table__.columns.keys())
    assert set(labels["questions"]) <= answer_fields
    rules = yaml.safe_load((LABELS_FILE.parents[2] / "data" / "eligibility_rules.yml").read_text())
    reasons = set()
    for rule in rules["rules"]:
        reasons.update((rule.get("review") or {}).values())
        reasons.update((rule.get("fail") or {}).values())
        reasons.update(r for r in (rule.get("unknown"), rule.get("below")) if r)
    assert reasons <= set(labels["reason"])


def test_the_stylesheet_is_served(client):
    response = client.get(f"{CONSOLE}/static/console.css")

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/css")


def test_the_console_is_not_in_the_api_schema(client):
    paths = client.get("/openapi.json").json()["paths"]

    assert not [path for path in paths if path.startswith("/console")]


def test_the_callbacks_page_shows_only_the_operator_s_territories(
    client, assistant_headers, make_key
):
    cantal = create(
        client, assistant_headers, phone="+33611000011", territory_preferences=["cantal"]
    )
    create(client, assistant_headers, phone="+33611000012", territory_preferences=["allier"])
    leave_callback(
        client,
        assistant_headers,
        name="Camille Cantal",
        phone="+33611000011",
        application_reference=cantal["reference"],
    )
    allier = leave_callback(client, assistant_headers, name="Alix Allier", phone="+33611000012")
    leave_callback(client, assistant_headers, name="Nina Nobody", phone="+33611000013")
    signed_in(client, make_key("operator", name="op-cantal", territories=["cantal"]))

    page = client.get(f"{CONSOLE}/rappels")

    assert "Camille Cantal" in text(page)
    assert "Alix Allier" not in text(page) and "Nina Nobody" not in text(page)
    closing = client.post(
        f"{CONSOLE}/rappels/{allier['id']}/cloture",
        data={"csrf_token": csrf_of(page), "note": "Rappelé"},
        follow_redirects=False,
    )
    assert closing.status_code == 404


def test_callbacks_filter_by_territory_oldest_first_with_the_person_s_language(
    client, session, assistant_headers, operator_headers
):
    for phone, territory in (("+33611000021", "cantal"), ("+33611000022", "allier")):
        create(client, assistant_headers, phone=phone, territory_preferences=[territory])
    older = leave_callback(
        client, assistant_headers, name="Amina Ancienne", phone="+33611000021", language="ar"
    )
    leave_callback(client, assistant_headers, name="Bola Récente", phone="+33611000021")
    leave_callback(client, assistant_headers, name="Alix Allier", phone="+33611000022")
    row = session.get(CallbackRequest, older["id"])
    row.created_at = datetime(2026, 1, 5, 9, 0, tzinfo=timezone.utc)
    session.commit()
    signed_in(client, operator_headers)

    page = text(client.get(f"{CONSOLE}/rappels", params={"territory": "cantal"}))

    assert "Alix Allier" not in page
    assert page.index("Amina Ancienne") < page.index("Bola Récente")  # who waited longest first
    assert "Arabe" in page
    assert "2 demandes" in page
    everyone = text(client.get(f"{CONSOLE}/rappels"))
    assert "Alix Allier" in everyone and "3 demandes" in everyone
    assert client.get(f"{CONSOLE}/rappels", params={"territory": "nowhere"}).status_code == 400


# Languages


def test_a_person_who_chose_english_gets_the_console_in_english(client, session, operator_headers):
    account_for(operator_headers).language = "en"
    session.commit()
    signed_in(client, operator_headers)

    page = text(client.get(LIST))

    assert '<html lang="en">' in page
    assert "Search a name or a reference" in page and "Rechercher" not in page
    assert "Sign out" in page


def test_the_language_switch_is_kept_in_the_account(client, session, operator_headers):
    signed_in(client, operator_headers)
    token = page_token(client, f"{CONSOLE}/rappels")

    response = client.post(
        f"{CONSOLE}/langue",
        data={"csrf_token": token, "language": "en", "suite": f"{CONSOLE}/rappels"},
        follow_redirects=False,
    )

    assert response.status_code == 303 and response.headers["location"] == f"{CONSOLE}/rappels"
    assert "Callback requests" in text(client.get(f"{CONSOLE}/rappels"))
    session.expire_all()
    assert account_for(operator_headers).language == "en"
    forged = client.post(f"{CONSOLE}/langue", data={"csrf_token": "0" * 64, "language": "fr"})
    assert forged.status_code == 403


def test_before_signing_in_the_page_follows_the_browser_or_the_link(client):
    assert '<html lang="fr">' in text(client.get(SIGN_IN))
    english = text(client.get(SIGN_IN, headers={"Accept-Language": "en-GB,en;q=0.8"}))
    assert '<html lang="en">' in english and "Password" in english
    assert "Mot de passe" in text(client.get(SIGN_IN, params={"lang": "fr"}))


def test_every_console_text_is_translated_into_english():
    from api.console.i18n import translations

    english = translations("en")
    for table, entries in yaml.safe_load(LABELS_FILE.read_text(encoding="utf-8")).items():
        for code, french in entries.items():
            assert english.gettext(str(french)) != str(french) or str(french) in {
                "Agriculture",
                "Bengali",
                "Dari",
                "Telegram",
                "SMS",
                "Description",
                "Date",
                "Note",
                "Page",
                "Contact",
                "Type",
                "Action",
                "Session",
                "Île-de-France",
            }, (table, code)
