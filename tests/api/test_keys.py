"""Admins list, create and revoke API keys; a token is shown once and never stored."""

from sqlalchemy import select

from api.models import ApiKey, AuditEntry


def test_a_new_key_is_shown_once_and_works(client, admin_headers):
    created = client.post(
        "/api/v1/keys", json={"name": "operator-doubs", "role": "operator"}, headers=admin_headers
    )

    assert created.status_code == 201
    data = created.json()
    assert data["token"].startswith("emk_")
    assert data["scopes"] == ["applications:read", "applications:update", "callbacks:read"]
    assert data["territories"] is None
    assert data["revoked_at"] is None
    used = client.get("/api/v1/applications", headers={"X-API-Key": data["token"]})
    assert used.status_code == 200
    listed = client.get("/api/v1/keys", headers=admin_headers).json()
    entry = next(k for k in listed if k["name"] == "operator-doubs")
    assert "token" not in entry
    assert "secret_hash" not in entry
    assert data["token"] not in str(listed)


def test_the_token_is_not_stored(client, session, admin_headers):
    token = client.post(
        "/api/v1/keys", json={"name": "bot", "role": "assistant"}, headers=admin_headers
    ).json()["token"]

    stored = session.scalar(select(ApiKey).where(ApiKey.name == "bot"))
    assert token.split("_", 2)[2] not in (stored.secret_hash, stored.prefix)


def test_keys_can_be_limited_to_territories_and_scopes(client, admin_headers):
    created = client.post(
        "/api/v1/keys",
        json={
            "name": "reader-cantal",
            "scopes": ["applications:read"],
            "territories": ["cantal", "cantal", "lozere"],
        },
        headers=admin_headers,
    ).json()

    assert created["scopes"] == ["applications:read"]
    assert created["territories"] == ["cantal", "lozere"]


def test_a_taken_name_is_a_409(client, admin_headers):
    client.post("/api/v1/keys", json={"name": "twice", "role": "operator"}, headers=admin_headers)

    again = client.post(
        "/api/v1/keys", json={"name": "twice", "role": "admin"}, headers=admin_headers
    )

    assert again.status_code == 409
    assert again.json()["code"] == "key_name_taken"


def test_bad_key_requests_are_a_422(client, admin_headers):
    for payload in (
        {"name": "nothing"},
        {"name": "x", "role": "superuser"},
        {"name": "x", "scopes": ["everything"]},
        {"name": "x", "role": "operator", "territories": ["atlantis"]},
        {"name": "x", "role": "operator", "territories": []},
        {"name": "", "role": "operator"},
        {"name": "bad name\x00", "role": "operator"},
    ):
        response = client.post("/api/v1/keys", json=payload, headers=admin_headers)
        assert response.status_code == 422, payload
        assert response.json()["detail"]


def test_a_revoked_key_gets_401(client, session, admin_headers):
    created = client.post(
        "/api/v1/keys", json={"name": "leaving", "role": "operator"}, headers=admin_headers
    ).json()
    token = {"X-API-Key": created["token"]}
    assert client.get("/api/v1/applications", headers=token).status_code == 200

    revoked = client.post(f"/api/v1/keys/{created['id']}/revocation", headers=admin_headers)

    assert revoked.status_code == 200
    assert revoked.json()["revoked_at"] is not None
    assert client.get("/api/v1/applications", headers=token).status_code == 401
    actions = session.scalars(select(AuditEntry.action).where(AuditEntry.resource == "api_key"))
    assert list(actions) == ["create", "revoke"]


def test_revoking_an_unknown_key_is_a_404(client, admin_headers):
    for key_id in ("999999", "2147483647"):
        response = client.post(f"/api/v1/keys/{key_id}/revocation", headers=admin_headers)
        assert response.status_code == 404
    assert client.post("/api/v1/keys/0/revocation", headers=admin_headers).status_code == 422
    assert client.post("/api/v1/keys/abc/revocation", headers=admin_headers).status_code == 422
