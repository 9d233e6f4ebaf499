"""Who may do what: API keys (401), scopes (403) and operators' territories (404)."""

import csv
import io

import pytest
from sqlalchemy import select

from api.models import ApiKey
from api.models.base import utcnow
from tests.api.application_helpers import count_applications, create

ROUTES = [
    ("post", "/api/v1/applications"),
    ("get", "/api/v1/applications"),
    ("get", "/api/v1/applications/export.csv"),
    ("get", "/api/v1/applications/ABCDEF"),
    ("get", "/api/v1/applications/ABCDEF/history"),
    ("post", "/api/v1/applications/ABCDEF/status"),
    ("delete", "/api/v1/applications/ABCDEF"),
    ("post", "/api/v1/person/status"),
    ("post", "/api/v1/person/erasure"),
    ("get", "/api/v1/keys"),
    ("post", "/api/v1/keys"),
    ("post", "/api/v1/keys/1/revocation"),
    ("get", "/api/v1/audit"),
]


@pytest.mark.parametrize(("method", "path"), ROUTES)
@pytest.mark.parametrize(
    "key",
    [None, "", "not-a-key", "emk_000000000000_wrongsecret", "emk__", "emk_é_y".encode("latin-1")],
)
def test_no_or_bad_key_is_a_401(client, method, path, key):
    headers = {} if key is None else {"X-API-Key": key}

    response = client.request(method, path, headers=headers, json={})

    assert response.status_code == 401
    assert response.json()["code"] == "unauthorized"


@pytest.mark.parametrize(("method", "path"), ROUTES)
def test_a_revoked_key_is_a_401(client, session, make_key, method, path):
    headers = make_key("admin", name="revoked-admin")
    key = session.scalar(select(ApiKey).where(ApiKey.name == "revoked-admin"))
    key.revoked_at = utcnow()
    session.commit()

    response = client.request(method, path, headers=headers, json={})

    assert response.status_code == 401


def test_a_right_key_with_a_wrong_secret_is_a_401(client, operator_headers):
    token = operator_headers["X-API-Key"]
    forged = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")

    response = client.get("/api/v1/applications", headers={"X-API-Key": forged})

    assert response.status_code == 401


@pytest.mark.parametrize(
    ("role", "method", "path"),
    [
        ("operator", "post", "/api/v1/applications"),
        ("operator", "post", "/api/v1/person/status"),
        ("operator", "post", "/api/v1/person/erasure"),
        ("operator", "get", "/api/v1/keys"),
        ("operator", "post", "/api/v1/keys"),
        ("operator", "post", "/api/v1/keys/1/revocation"),
        ("operator", "get", "/api/v1/audit"),
        ("assistant", "get", "/api/v1/applications"),
        ("assistant", "get", "/api/v1/applications/export.csv"),
        ("assistant", "get", "/api/v1/applications/ABCDEF"),
        ("assistant", "get", "/api/v1/applications/ABCDEF/history"),
        ("assistant", "post", "/api/v1/applications/ABCDEF/status"),
        ("assistant", "delete", "/api/v1/applications/ABCDEF"),
        ("assistant", "get", "/api/v1/audit"),
        ("assistant", "get", "/api/v1/keys"),
    ],
)
def test_a_key_without_the_scope_is_a_403(client, session, make_key, role, method, path):
    headers = make_key(role)

    response = client.request(method, path, headers=headers, json={})

    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"
    assert "scope" in response.json()["detail"]
    assert count_applications(session) == 0


def test_a_read_only_key_cannot_change_or_erase(client, make_key, assistant_headers):
    reader = make_key(scopes=["applications:read"])
    reference = create(client, assistant_headers)["reference"]

    assert client.get(f"/api/v1/applications/{reference}", headers=reader).status_code == 200
    changed = client.post(
        f"/api/v1/applications/{reference}/status", json={"status": "contacted"}, headers=reader
    )
    assert changed.status_code == 403
    assert client.delete(f"/api/v1/applications/{reference}", headers=reader).status_code == 403


# --- Territories --------------------------------------------------------------------------


@pytest.fixture
def territory_world(client, make_key, assistant_headers):
    """A Cantal operator, a Lozère operator, an unrestricted one, and applications for each."""
    refs = {
        "cantal": create(client, assistant_headers, territory_preferences=["cantal"]),
        "lozere": create(client, assistant_headers, territory_preferences=["lozere"]),
        "both": create(client, assistant_headers, territory_preferences=["lozere", "cantal"]),
        "none": create(client, assistant_headers, territory_preferences=[]),
    }
    return {
        "refs": {name: data["reference"] for name, data in refs.items()},
        "cantal": make_key("operator", territories=["cantal"], name="op-cantal"),
        "lozere": make_key("operator", territories=["lozere"], name="op-lozere"),
        "all": make_key("operator", name="op-all"),
    }


def listed(client, headers, query=""):
    response = client.get(f"/api/v1/applications?{query}", headers=headers)
    assert response.status_code == 200
    return {a["reference"] for a in response.json()["items"]}, response.json()["total"]


def exported(client, headers):
    response = client.get("/api/v1/applications/export.csv", headers=headers)
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    return {row[0] for row in rows[1:]}


def test_each_operator_lists_and_exports_only_its_territories(client, territory_world):
    refs = territory_world["refs"]

    assert listed(client, territory_world["cantal"]) == ({refs["cantal"], refs["both"]}, 2)
    assert listed(client, territory_world["lozere"]) == ({refs["lozere"], refs["both"]}, 2)
    assert listed(client, territory_world["all"]) == (set(refs.values()), 4)
    assert exported(client, territory_world["cantal"]) == {refs["cantal"], refs["both"]}
    assert exported(client, territory_world["lozere"]) == {refs["lozere"], refs["both"]}
    assert exported(client, territory_world["all"]) == set(refs.values())


def test_a_territory_filter_cannot_widen_an_operators_view(client, territory_world):
    refs = territory_world["refs"]

    assert listed(client, territory_world["cantal"], "territory=lozere") == ({refs["both"]}, 1)
    assert listed(client, territory_world["cantal"], f"q={refs['lozere']}") == (set(), 0)


@pytest.mark.parametrize(("operator", "other"), [("cantal", "lozere"), ("lozere", "cantal")])
def test_another_territorys_application_is_a_404_everywhere(
    client, session, territory_world, operator, other
):
    headers = territory_world[operator]
    for hidden in (territory_world["refs"][other], territory_world["refs"]["none"]):
        base = f"/api/v1/applications/{hidden}"
        responses = [
            client.get(base, headers=headers),
            client.get(f"{base}/history", headers=headers),
            client.post(f"{base}/status", json={"status": "contacted"}, headers=headers),
            client.delete(base, headers=headers),
        ]
        for response in responses:
            assert response.status_code == 404, response.request.url
            assert response.json() == {"detail": "application not found", "code": "not_found"}

    assert count_applications(session) == 4
    still = client.get(
        f"/api/v1/applications/{territory_world['refs'][other]}", headers=territory_world["all"]
    )
    assert still.json()["status"] == "new"


def test_each_operator_works_on_its_own_and_shared_applications(client, territory_world):
    refs = territory_world["refs"]
    for operator, own in (("cantal", "cantal"), ("lozere", "lozere"), ("cantal", "both")):
        headers = territory_world[operator]
        assert client.get(f"/api/v1/applications/{refs[own]}", headers=headers).status_code == 200
        assert (
            client.get(f"/api/v1/applications/{refs[own]}/history", headers=headers).status_code
            == 200
        )
    moved = client.post(
        f"/api/v1/applications/{refs['lozere']}/status",
        json={"status": "contacted"},
        headers=territory_world["lozere"],
    )
    assert moved.status_code == 200
    erased = client.delete(
        f"/api/v1/applications/{refs['cantal']}", headers=territory_world["cantal"]
    )
    assert erased.status_code == 200


def test_the_unrestricted_operator_sees_applications_without_preference(client, territory_world):
    none = territory_world["refs"]["none"]

    assert (
        client.get(f"/api/v1/applications/{none}", headers=territory_world["all"]).status_code
        == 200
    )
