"""Territory catalogue: what the assistant reads and what admins change."""

from api.enums import Language, Sector
from api.services.territories import load_territory_file
from tests.api.conftest import TERRITORIES_FILE

ACTIVE_2024 = {
    "ain",
    "allier",
    "cantal",
    "cher",
    "indre",
    "lozere",
    "maine_et_loire",
    "savoie",
    "seine_maritime",
}
EARLIER = {"doubs", "lot", "mayenne"}


def _codes(response):
    assert response.status_code == 200, response.text
    return {t["code"] for t in response.json()}


def test_the_2024_territories_are_active_and_the_earlier_ones_are_not(client, assistant_headers):
    assert _codes(client.get("/api/v1/territories?active=true", headers=assistant_headers)) == (
        ACTIVE_2024
    )
    assert _codes(client.get("/api/v1/territories?active=false", headers=assistant_headers)) == (
        EARLIER
    )
    assert _codes(client.get("/api/v1/territories", headers=assistant_headers)) == (
        ACTIVE_2024 | EARLIER
    )


def test_sector_filter_keeps_territories_hiring_in_it(client, assistant_headers):
    response = client.get(
        "/api/v1/territories?active=true&sector=building", headers=assistant_headers
    )
    found = response.json()
    assert "cantal" in _codes(response)
    assert all("building" in t["sectors_hiring"] for t in found)


def test_texts_come_in_the_language_asked(client, assistant_headers):
    response = client.get("/api/v1/territories/cantal?lang=en", headers=assistant_headers)
    assert response.status_code == 200
    cantal = response.json()
    assert cantal["translated"] is True
    assert "driving licence" in cantal["daily_life"]
    assert cantal["operator_name"] == "Aurore"
    assert cantal["main_towns"][0] == "Aurillac"


def test_a_text_not_translated_falls_back_to_french(client, assistant_headers):
    response = client.get("/api/v1/territories/cantal?lang=ti", headers=assistant_headers)
    assert response.status_code == 200
    cantal = response.json()
    assert cantal["translated"] is False
    assert "permis de conduire" in cantal["daily_life"]


def test_french_is_the_default_language(client, assistant_headers):
    cantal = client.get("/api/v1/territories/cantal", headers=assistant_headers).json()
    assert "permis de conduire" in cantal["daily_life"]
    assert cantal["translated"] is True


def test_an_unknown_language_is_refused_with_the_supported_ones(client, assistant_headers):
    response = client.get("/api/v1/territories?lang=xx", headers=assistant_headers)
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "invalid_input"
    assert "lang" in body["detail"]
    for lang in Language:
        assert f"'{lang.value}'" in body["detail"]


def test_an_unknown_territory_is_404(client, assistant_headers):
    response = client.get("/api/v1/territories/atlantis", headers=assistant_headers)
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_reading_territories_needs_a_key(client):
    assert client.get("/api/v1/territories").status_code == 401
    assert client.get("/api/v1/territories/cantal").status_code == 401


def test_every_key_may_read_territories(client, operator_headers, admin_headers):
    for headers in (operator_headers, admin_headers):
        assert client.get("/api/v1/territories/lozere", headers=headers).status_code == 200


def _territory(**changes):
    body = {
        "name": "Creuse",
        "department_code": "23",
        "region": "Nouvelle-Aquitaine",
        "active": True,
        "years": [2025],
        "main_towns": ["Guéret"],
        "sectors_hiring": ["personal_care"],
        "housing": {"fr": "Logement social.", "en": "Social housing."},
        "daily_life": {"fr": "Territoire rural."},
        "operator_name": None,
        "contact": None,
    }
    body.update(changes)
    return body


def test_an_admin_creates_then_updates_a_territory(client, admin_headers, assistant_headers):
    created = client.put("/api/v1/territories/creuse", json=_territory(), headers=admin_headers)
    assert created.status_code == 201, created.text
    assert created.json()["housing"] == {"fr": "Logement social.", "en": "Social housing."}

    updated = client.put(
        "/api/v1/territories/creuse",
        json=_territory(active=False, sectors_hiring=["building", "building"]),
        headers=admin_headers,
    )
    assert updated.status_code == 200, updated.text
    assert updated.json()["sectors_hiring"] == ["building"]

    read = client.get("/api/v1/territories/creuse?lang=en", headers=assistant_headers).json()
    assert read["active"] is False
    assert read["housing"] == "Social housing."
    assert read["daily_life"] == "Territoire rural."
    assert "creuse" not in _codes(
        client.get("/api/v1/territories?active=true", headers=assistant_headers)
    )


def test_only_admins_change_territories(client, assistant_headers, operator_headers):
    for headers in (assistant_headers, operator_headers):
        response = client.put("/api/v1/territories/creuse", json=_territory(), headers=headers)
        assert response.status_code == 403
        assert "territories:admin" in response.json()["detail"]
    assert client.put("/api/v1/territories/creuse", json=_territory()).status_code == 401


def test_a_territory_with_an_unknown_sector_or_no_french_text_is_refused(client, admin_headers):
    bad_sector = client.put(
        "/api/v1/territories/creuse",
        json=_territory(sectors_hiring=["rocket_science"]),
        headers=admin_headers,
    )
    assert bad_sector.status_code == 422
    assert "sectors_hiring" in bad_sector.json()["detail"]

    no_french = client.put(
        "/api/v1/territories/creuse",
        json=_territory(housing={"en": "Social housing."}),
        headers=admin_headers,
    )
    assert no_french.status_code == 422
    assert "housing.fr" in no_french.json()["detail"]


def test_a_malformed_territory_code_is_refused(client, admin_headers):
    response = client.put(
        "/api/v1/territories/Not%20A%20Code", json=_territory(), headers=admin_headers
    )
    assert response.status_code == 422


def test_the_catalogue_file_keeps_to_known_facts():
    territories = {t.code: t for t in load_territory_file(TERRITORIES_FILE)}
    assert {c for c, t in territories.items() if t.active} == ACTIVE_2024
    assert {c for c, t in territories.items() if not t.active} == EARLIER
    assert territories["indre"].operator_name == "GEIQ Alisé-Berry"
    assert territories["mayenne"].operator_name == "ETIC 53"
    assert territories["lozere"].main_towns[0] == "Mende"
    assert set(territories["cantal"].sectors_hiring) == {
        Sector.transport_logistics,
        Sector.building,
        Sector.personal_care,
        Sector.hospitality_catering,
        Sector.crafts_joinery,
    }
    for territory in territories.values():
        # No invented phone numbers or addresses: contacts stay empty until someone gives them.
        assert territory.contact is None
        assert territory.housing.en and territory.daily_life.en
    for code in ACTIVE_2024:
        assert "permis" in territories[code].daily_life.fr or "voiture" in (
            territories[code].daily_life.fr
        )
