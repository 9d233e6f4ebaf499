"""The API client against a fake API at the HTTP level (httpx.MockTransport)."""

import asyncio
import json

import httpx
import pytest

from actions import api_client
from actions.api_client import (
    ApiUnavailable,
    ApplicationReceipt,
    Conflict,
    Gone,
    InvalidRequest,
    NotAuthorised,
    NotFound,
    UnexpectedResponse,
    api_base_url,
    close_shared_client,
    create_client,
    encode_json,
    shared_client,
)
from common.settings import AssistantSettings as Settings
from common.settings import SettingsError
from common.settings import load_assistant_settings as load_settings

APPLICATION = {
    "first_name": "Amina",
    "last_name": "Diallo",
    "phone": "+33612345678",
    "email": None,
    "language": "fr",
    "channel": "sms",
    "consent_at": "2026-11-22T10:00:00+01:00",
    "answers": {"residence_area": "ile_de_france", "adults": 1, "trades": ["building"]},
    "territory_preferences": ["cantal"],
    "verdict": {"result": "eligible", "reasons": [], "rules_version": "2024.1"},
}

TERRITORY = {
    "code": "cantal",
    "name": "Cantal",
    "department_code": "15",
    "region": "Auvergne-Rhône-Alpes",
    "active": True,
    "years": [2019, 2024],
    "main_towns": ["Aurillac"],
    "sectors_hiring": ["building"],
    "housing": "Social housing",
    "daily_life": "Rural",
    "translated": True,
    "operator_name": "Aurore",
    "contact": None,
}

WORKSHOP = {
    "id": 7,
    "kind": "awareness_workshop",
    "audience": "professionals",
    "title": "EMILE pour les travailleurs sociaux",
    "description": None,
    "starts_at": "2026-12-03T14:00:00+01:00",
    "duration_minutes": 90,
    "place": "Paris",
    "online_url": None,
    "language": "fr",
    "capacity": 20,
    "seats_left": 3,
    "cancelled": False,
}


class Recorder:
    """A fake API: answers with a fixed response and keeps every request."""

    def __init__(self, status=200, body=None, headers=None, raises=None):
        self.status, self.body, self.headers, self.raises = status, body, headers or {}, raises
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if self.raises is not None:
            raise self.raises
        if isinstance(self.body, (bytes, str)):
            return httpx.Response(self.status, content=self.body, headers=self.headers)
        return httpx.Response(self.status, json=self.body, headers=self.headers)

    @property
    def last(self) -> httpx.Request:
        return self.requests[-1]

    def last_json(self):
        return json.loads(self.last.content)


# ---------------------------------------------------------------- applications


@pytest.mark.asyncio
async def test_create_application_sends_key_and_deterministic_body(make_client):
    api = Recorder(201, {"reference": "K7P4XM", "status": "new"})
    async with make_client(api) as client:
        receipt = await client.create_application(APPLICATION, idempotency_key="key-1")
    assert receipt == ApplicationReceipt("K7P4XM", "new", replayed=False)
    request = api.last
    assert request.method == "POST"
    assert request.url == "http://api.test/api/v1/applications"
    assert request.headers["X-API-Key"] == "test-key"
    assert request.headers["Idempotency-Key"] == "key-1"
    assert request.headers["Content-Type"] == "application/json"
    assert request.content == encode_json(APPLICATION)
    assert api.last_json() == APPLICATION


def test_encoding_ignores_key_order():
    reordered = dict(reversed(list(APPLICATION.items())))
    assert encode_json(reordered) == encode_json(APPLICATION)
    assert "é".encode() in encode_json({"x": "é"})


@pytest.mark.asyncio
async def test_replayed_application(make_client):
    api = Recorder(200, {"reference": "K7P4XM", "status": "new"}, {"Idempotent-Replayed": "true"})
    async with make_client(api) as client:
        receipt = await client.create_application(APPLICATION, idempotency_key="key-1")
    assert receipt.replayed and receipt.reference == "K7P4XM"


# ---------------------------------------------------------------- errors


@pytest.mark.parametrize(
    ("status", "error", "code"),
    [
        (400, InvalidRequest, "bad_request"),
        (422, InvalidRequest, "idempotency_key_reused"),
        (404, NotFound, "not_found"),
        (409, Conflict, "workshop_full"),
        (410, Gone, "gone"),
        (401, NotAuthorised, "unauthorized"),
        (403, NotAuthorised, "forbidden"),
        (429, ApiUnavailable, "too_many_requests"),
        (500, ApiUnavailable, "error"),
        (503, ApiUnavailable, "unavailable"),
    ],
)
@pytest.mark.asyncio
async def test_http_errors_are_typed(make_client, status, error, code):
    api = Recorder(status, {"detail": "what went wrong", "code": code})
    async with make_client(api) as client:
        with pytest.raises(error) as info:
            await client.create_application(APPLICATION, idempotency_key="k")
    assert type(info.value) is error
    assert (info.value.status, info.value.code, info.value.detail) == (
        status,
        code,
        "what went wrong",
    )
    assert str(status) in str(info.value)


def test_error_families():
    # Flows catch ApiUnavailable to say "try later": a bad key is a deployment fault alike.
    assert issubclass(NotAuthorised, ApiUnavailable)
    assert issubclass(UnexpectedResponse, ApiUnavailable)
    for permanent in (InvalidRequest, NotFound, Conflict, Gone):
        assert not issubclass(permanent, ApiUnavailable)


@pytest.mark.asyncio
async def test_error_without_json_body(make_client):
    api = Recorder(502, b"<html>Bad Gateway</html>")
    async with make_client(api) as client:
        with pytest.raises(ApiUnavailable) as info:
            await client.list_territories("fr")
    assert info.value.status == 502
    assert info.value.detail == "Bad Gateway"


@pytest.mark.parametrize(
    ("exc", "code"),
    [
        (httpx.ConnectError("refused"), "unreachable"),
        (httpx.ReadTimeout("slow"), "timeout"),
        (httpx.ConnectTimeout("slow"), "timeout"),
        (httpx.RemoteProtocolError("eof"), "unreachable"),
    ],
)
@pytest.mark.asyncio
async def test_transport_errors_are_unavailable(make_client, exc, code):
    async with make_client(Recorder(raises=exc)) as client:
        with pytest.raises(ApiUnavailable) as info:
            await client.get_territory("cantal", "fr")
    assert info.value.code == code
    assert info.value.status is None


@pytest.mark.asyncio
async def test_a_silent_server_times_out():
    """A real socket that accepts and never answers: the configured timeout applies."""

    done = asyncio.Event()

    async def silent(reader, writer):
        await reader.read(1)
        await done.wait()
        writer.close()

    server = await asyncio.start_server(silent, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    settings = Settings(api_url=f"http://127.0.0.1:{port}", api_key="k", api_timeout_s=0.2)
    try:
        async with create_client(settings) as client:
            loop = asyncio.get_running_loop()
            started = loop.time()
            with pytest.raises(ApiUnavailable) as info:
                await client.list_territories("fr")
            assert loop.time() - started < 2
        assert info.value.code == "timeout"
    finally:
        done.set()
        server.close()
        await server.wait_closed()


@pytest.mark.parametrize(
    "body",
    [b"not json", [], {"status": "new"}, {"reference": 12}],
)
@pytest.mark.asyncio
async def test_unexpected_success_bodies(make_client, body):
    async with make_client(Recorder(201, body)) as client:
        with pytest.raises(UnexpectedResponse):
            await client.create_application(APPLICATION, idempotency_key="k")


# ---------------------------------------------------------------- the person


@pytest.mark.asyncio
async def test_person_status_and_erasure(make_client):
    api = Recorder(
        200, {"reference": "K7P4XM", "status": "contacted", "updated_at": "2026-11-23T09:00:00Z"}
    )
    async with make_client(api) as client:
        status = await client.person_status("K7P4XM", "+33612345678")
        assert (status.reference, status.status) == ("K7P4XM", "contacted")
        assert status.updated_at == "2026-11-23T09:00:00Z"
        assert api.last.url.path == "/api/v1/person/status"
        assert api.last_json() == {"reference": "K7P4XM", "phone": "+33612345678"}

        api.body = {"erased": True, "applications": 1, "registrations": 2, "callbacks": 0}
        report = await client.person_erasure(
            "+33612345678", reference="K7P4XM", callback_ids=[4, 9]
        )
        assert (report.applications, report.registrations, report.callbacks) == (1, 2, 0)
        assert api.last.url.path == "/api/v1/person/erasure"
        assert api.last_json() == {
            "phone": "+33612345678",
            "phone_verified": False,
            "reference": "K7P4XM",
            "callback_ids": [4, 9],
        }

        api.status, api.body = 404, {"detail": "no match", "code": "not_found"}
        with pytest.raises(NotFound):
            await client.person_status("K7P4XM", "+33600000000")


# ---------------------------------------------------------------- territories


@pytest.mark.asyncio
async def test_list_territories(make_client):
    api = Recorder(200, [TERRITORY])
    async with make_client(api) as client:
        territories = await client.list_territories("en", sector="building")
        assert api.last.method == "GET"
        assert api.last.url.path == "/api/v1/territories"
        assert dict(api.last.url.params) == {"lang": "en", "active": "true", "sector": "building"}
        await client.list_territories("fr", active=None)
        assert dict(api.last.url.params) == {"lang": "fr"}
        # A paginated answer is understood too.
        api.body = {"items": [TERRITORY], "total": 1, "page": 1, "page_size": 50}
        assert await client.list_territories("fr") == territories
    cantal = territories[0]
    assert cantal.code == "cantal" and cantal.main_towns == ("Aurillac",)
    assert cantal.sectors_hiring == ("building",) and cantal.years == (2019, 2024)
    assert cantal.housing == "Social housing" and cantal.operator_name == "Aurore"


@pytest.mark.asyncio
async def test_get_territory_escapes_the_code(make_client):
    api = Recorder(200, {**TERRITORY, "housing": {"fr": "Logement", "en": "Housing"}})
    async with make_client(api) as client:
        territory = await client.get_territory("cantal", "en")
        assert api.last.url.path == "/api/v1/territories/cantal"
        assert dict(api.last.url.params) == {"lang": "en"}
        assert territory.housing == "Housing"
        await client.get_territory("../keys?x=1", "fr")
        assert api.last.url.raw_path.startswith(b"/api/v1/territories/..%2Fkeys%3Fx%3D1?")
        for bad in ("..", ".", "", "  "):
            with pytest.raises(InvalidRequest):
                await client.get_territory(bad, "fr")
    assert len(api.requests) == 2


# ---------------------------------------------------------------- workshops


@pytest.mark.asyncio
async def test_list_workshops(make_client):
    english = {**WORKSHOP, "id": 8, "language": "en", "seats_left": 0}
    api = Recorder(200, [WORKSHOP, english])
    async with make_client(api) as client:
        workshops = await client.list_workshops("professionals")
        assert dict(api.last.url.params) == {"audience": "professionals", "upcoming": "true"}
        assert [w.id for w in workshops] == [7, 8]
        assert workshops[0].seats_left == 3
        assert workshops[0].starts_at == "2026-12-03T14:00:00+01:00"
        only_en = await client.list_workshops("candidates", "en", kind="information_meeting")
        assert dict(api.last.url.params) == {
            "audience": "candidates",
            "upcoming": "true",
            "kind": "information_meeting",
        }
        assert [w.id for w in only_en] == [8]


@pytest.mark.asyncio
async def test_get_workshop_seats_from_capacity(make_client):
    body = {k: v for k, v in WORKSHOP.items() if k != "seats_left"} | {"seats_taken": 18}
    api = Recorder(200, body)
    async with make_client(api) as client:
        workshop = await client.get_workshop(7)
    assert api.last.url.path == "/api/v1/workshops/7"
    assert workshop.seats_left == 2


@pytest.mark.asyncio
async def test_register_and_cancel(make_client):
    registration = {"reference": "R4ND0M", "workshop": WORKSHOP, "status": "confirmed"}
    api = Recorder(201, registration)
    async with make_client(api) as client:
        booked = await client.register(
            7, name="Léa Martin", organisation="CCAS", phone="+33612345678", language="fr"
        )
        assert booked.created and booked.reference == "R4ND0M" and booked.status == "confirmed"
        assert booked.workshop is not None and booked.workshop.id == 7
        assert api.last.url.path == "/api/v1/workshops/7/registrations"
        assert api.last_json() == {
            "name": "Léa Martin",
            "organisation": "CCAS",
            "phone": "+33612345678",
            "email": None,
            "language": "fr",
        }

        api.status = 200  # The same contact again: the same registration.
        again = await client.register(7, name="Léa Martin", phone="+33612345678", language="fr")
        assert not again.created and again.reference == "R4ND0M"

        api.status, api.body = 409, {"detail": "no seat left", "code": "workshop_full"}
        with pytest.raises(Conflict) as info:
            await client.register(7, name="X", phone="+33612345678", language="fr")
        assert info.value.code == "workshop_full"

        api.status, api.body = 200, {**registration, "status": "cancelled"}
        cancelled = await client.cancel_registration("R4ND0M")
        assert cancelled.status == "cancelled"
        assert api.last.method == "POST"
        assert api.last.url.path == "/api/v1/registrations/R4ND0M/cancellation"


# ---------------------------------------------------------------- callbacks


@pytest.mark.asyncio
async def test_create_callback(make_client):
    api = Recorder(201, {"id": 12, "status": "open", "phone": "+33612345678"})
    async with make_client(api) as client:
        receipt = await client.create_callback(
            phone="+33612345678", language="ar", channel="telegram", topic="eligibility"
        )
    assert (receipt.id, receipt.status) == (12, "open")
    assert api.last.url.path == "/api/v1/callbacks"
    assert api.last_json() == {
        "name": None,
        "phone": "+33612345678",
        "language": "ar",
        "channel": "telegram",
        "topic": "eligibility",
        "application_reference": None,
    }


# ---------------------------------------------------------------- construction and settings


@pytest.mark.parametrize(
    ("root", "base"),
    [
        ("http://127.0.0.1:8000", "http://127.0.0.1:8000/api/v1"),
        ("http://127.0.0.1:8000/", "http://127.0.0.1:8000/api/v1"),
        ("https://api.example.org/api/v1", "https://api.example.org/api/v1"),
        ("https://example.org/emile/", "https://example.org/emile/api/v1"),
    ],
)
def test_base_url(root, base):
    assert api_base_url(root) == base


@pytest.mark.asyncio
async def test_no_key_no_header():
    api = Recorder(200, [])
    client = create_client(Settings(api_key=None), transport=httpx.MockTransport(api))
    await client.list_workshops("candidates")
    assert "X-API-Key" not in api.last.headers
    assert api.last.url.host == "127.0.0.1"


def test_settings_defaults(tmp_path):
    settings = load_settings({"EMILE_DATA_DIR": str(tmp_path)})
    assert settings.api_url == "http://127.0.0.1:8000"
    assert settings.api_key is None
    assert settings.api_timeout_s == 5.0
    assert settings.outbox_path == tmp_path / "outbox.db"


def test_settings_from_environment(tmp_path):
    key_file = tmp_path / "k.key"
    key_file.write_text("secret-from-file\n", encoding="utf-8")
    env = {
        "EMILE_API_URL": "https://api.example.org/",
        "EMILE_API_KEY_FILE": str(key_file),
        "EMILE_API_TIMEOUT_S": "2.5",
        "EMILE_OUTBOX_PATH": str(tmp_path / "o.db"),
        "EMILE_OUTBOX_BACKOFF_CAP_S": "10",
    }
    settings = load_settings(env)
    assert settings.api_url == "https://api.example.org"
    assert settings.api_key == "secret-from-file"
    assert settings.api_timeout_s == 2.5
    assert settings.outbox_path == tmp_path / "o.db"
    assert settings.outbox_backoff_cap_s == 10
    assert "secret" not in repr(settings)
    # The variable wins over the file; the data directory holds the default key file.
    assert load_settings({**env, "EMILE_API_KEY": "direct"}).api_key == "direct"
    (tmp_path / "assistant.key").write_text("in-data-dir", encoding="utf-8")
    assert load_settings({"EMILE_DATA_DIR": str(tmp_path)}).api_key == "in-data-dir"


@pytest.mark.parametrize(
    "env",
    [
        {"EMILE_API_TIMEOUT_S": "five"},
        {"EMILE_API_TIMEOUT_S": "0"},
        {"EMILE_API_URL": "127.0.0.1:8000"},
        {"EMILE_OUTBOX_BACKOFF_BASE_S": "10", "EMILE_OUTBOX_BACKOFF_CAP_S": "5"},
    ],
)
def test_bad_settings_are_explained(env, tmp_path):
    with pytest.raises(SettingsError):
        load_settings({"EMILE_DATA_DIR": str(tmp_path), **env})


def test_nothing_happens_at_import():
    # Importing the module must not read the environment or build a client.
    assert api_client._shared is None or api_client._shared[1].closed


@pytest.mark.asyncio
async def test_shared_client_is_one_per_loop(api_settings):
    first = shared_client(api_settings)
    assert shared_client(api_settings) is first
    await close_shared_client()
    assert first.closed
    second = shared_client(api_settings)
    assert second is not first
    await close_shared_client()
