"""Helpers for the flow tests: trackers as Rasa sends them, the domain, and a fake API.

The API is faked at the HTTP level only (httpx.MockTransport): the actions run their real
client, outbox and parsing code.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import httpx
import yaml
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import api_client
from actions.api_client import create_client
from common.settings import AssistantSettings as Settings

ROOT = Path(__file__).resolve().parents[2]
with (ROOT / "domain.yml").open(encoding="utf-8") as _stream:
    DOMAIN: dict[str, Any] = yaml.safe_load(_stream)


def action_names() -> set[str]:
    """The custom actions of the domain (some are mappings `name: {send_domain: true}`)."""
    names: set[str] = set()
    for entry in DOMAIN["actions"]:
        names.update(entry if isinstance(entry, dict) else [entry])
    return names


def slot_defaults() -> dict[str, Any]:
    """Every slot of the domain, empty."""
    return {name: None for name in DOMAIN["slots"]} | {
        "requested_slot": None,
        "session_started_metadata": None,
    }


def parse_data(
    text: str, intent: str | None, confidence: float, entities: Iterable[dict[str, Any]]
) -> dict[str, Any]:
    """A latest_message as Rasa builds it."""
    return {
        "text": text,
        "intent": {"name": intent, "confidence": confidence} if intent else {},
        "entities": list(entities),
    }


def make_tracker(
    slots: dict[str, Any] | None = None,
    *,
    text: str = "",
    intent: str | None = None,
    confidence: float = 1.0,
    entities: Iterable[dict[str, Any]] = (),
    events: list[dict[str, Any]] | None = None,
    active_loop: str | None = None,
    sender_id: str = "conversation-1",
    input_channel: str = "rest",
    metadata: dict[str, Any] | None = None,
) -> Tracker:
    """A tracker as the action server receives it, for a plain action."""
    message = parse_data(text, intent, confidence, entities)
    message["metadata"] = metadata or {}
    if events is None:
        events = [
            {"event": "action", "name": "action_listen"},
            {"event": "user", "text": text, "parse_data": message, "input_channel": input_channel},
        ]
    return Tracker(
        sender_id=sender_id,
        slots=slot_defaults() | (slots or {}),
        latest_message=message,
        events=events,
        paused=False,
        followup_action=None,
        active_loop={"name": active_loop} if active_loop else {},
        latest_action_name=None,
    )


def form_tracker(
    form: str,
    requested: str,
    *,
    text: str,
    intent: str = "inform",
    confidence: float = 1.0,
    entities: Iterable[dict[str, Any]] = (),
    candidates: dict[str, Any] | None = None,
    slots: dict[str, Any] | None = None,
    after_message: bool = True,
    sender_id: str = "conversation-1",
    input_channel: str = "rest",
    metadata: dict[str, Any] | None = None,
) -> Tracker:
    """The tracker Rasa sends a form's validation action after the person's message.

    `candidates` are the slots Rasa extracted from the message (its mappings); they are
    both in the slots and at the end of the events, as Rasa's temporary tracker has them.
    With `after_message=False` the form is resuming after another action answered.
    """
    message = parse_data(text, intent, confidence, entities)
    message["metadata"] = metadata or {}
    candidates = candidates or {}
    events: list[dict[str, Any]] = [
        {"event": "action", "name": form},
        {"event": "active_loop", "name": form},
        {"event": "slot", "name": "requested_slot", "value": requested},
        {"event": "action", "name": "action_listen"},
        {"event": "user", "text": text, "parse_data": message, "input_channel": input_channel},
    ]
    if not after_message:
        events += [
            {"event": "action_execution_rejected", "name": form},
            {"event": "action", "name": "action_explain_why"},
            {"event": "bot", "text": "because"},
        ]
    events += [{"event": "slot", "name": k, "value": v} for k, v in candidates.items()]
    events += [
        {"event": "slot", "name": "requested_slot", "value": requested},
        {"event": "action", "name": form},
    ]
    events += [{"event": "slot", "name": k, "value": v} for k, v in candidates.items()]
    return Tracker(
        sender_id=sender_id,
        slots=slot_defaults() | (slots or {}) | {"requested_slot": requested} | candidates,
        latest_message=message,
        events=events,
        paused=False,
        followup_action=None,
        active_loop={"name": form},
        latest_action_name=form,
    )


def responses(dispatcher: CollectingDispatcher) -> list[str]:
    """The response names an action uttered, in order."""
    return [m.get("response") or m.get("template") for m in dispatcher.messages]


def message(dispatcher: CollectingDispatcher, response: str) -> dict[str, Any]:
    """The first message of one response (with its values)."""
    for m in dispatcher.messages:
        if m.get("response") == response:
            return m
    raise AssertionError(f"{response} not uttered; got {responses(dispatcher)}")


def followups(events: Iterable[dict[str, Any]]) -> list[str]:
    """Names of the actions the events force next."""
    return [e["name"] for e in events if e.get("event") == "followup"]


def slots_set(events: Iterable[dict[str, Any]]) -> dict[str, Any]:
    """Slot values set by a list of events (last wins)."""
    return {e["name"]: e.get("value") for e in events if e.get("event") == "slot"}


# ---------------------------------------------------------------- the fake operator API

TERRITORIES = [
    {
        "code": "cantal",
        "name": "Cantal",
        "department_code": "15",
        "region": "Auvergne-Rhône-Alpes",
        "active": True,
        "years": [2019, 2024],
        "main_towns": ["Aurillac", "Saint-Flour"],
        "sectors_hiring": ["transport_logistics", "building", "personal_care"],
        "housing": {"fr": "Logement social.", "en": "Social housing."},
        "daily_life": {"fr": "Rural.", "en": "Rural area."},
        "operator_name": "Aurore",
        "contact": None,
    },
    {
        "code": "lozere",
        "name": "Lozère",
        "department_code": "48",
        "region": "Occitanie",
        "active": True,
        "years": [2019, 2024],
        "main_towns": ["Mende"],
        "sectors_hiring": ["personal_care", "agriculture"],
        "housing": {"fr": "Logement social.", "en": "Social housing."},
        "daily_life": {"fr": "Calme.", "en": "Quiet."},
        "operator_name": None,
        "contact": None,
    },
    {
        "code": "lot",
        "name": "Lot",
        "department_code": "46",
        "region": "Occitanie",
        "active": False,
        "years": [2019],
        "main_towns": ["Cahors"],
        "sectors_hiring": ["agriculture"],
        "housing": {"fr": "Fermé.", "en": "Closed."},
        "daily_life": {"fr": "Rural.", "en": "Rural."},
        "operator_name": None,
        "contact": None,
    },
]


def _territory_out(t: dict[str, Any], lang: str) -> dict[str, Any]:
    return {
        **t,
        "housing": t["housing"].get(lang) or t["housing"]["fr"],
        "daily_life": t["daily_life"].get(lang) or t["daily_life"]["fr"],
        "translated": lang in t["housing"],
    }


class FakeApi:
    """The operator API as the assistant uses it, in memory; can be down."""

    def __init__(self) -> None:
        self.down = False
        self.requests: list[httpx.Request] = []
        self.applications: dict[str, dict[str, Any]] = {}  # idempotency key -> application
        self.callbacks: list[dict[str, Any]] = []
        self.erased: list[tuple[str, str]] = []
        self.workshops: list[dict[str, Any]] = [
            {
                "id": 1,
                "kind": "awareness_workshop",
                "audience": "professionals",
                "title": "EMILE awareness workshop",
                "starts_at": "2030-03-05T13:00:00Z",
                "duration_minutes": 120,
                "place": "Paris 13e",
                "online_url": None,
                "language": "fr",
                "capacity": 2,
                "seats_left": 1,
                "cancelled": False,
            },
            {
                "id": 2,
                "kind": "awareness_workshop",
                "audience": "professionals",
                "title": "EMILE awareness workshop (online)",
                "starts_at": "2030-04-02T08:30:00Z",
                "duration_minutes": 90,
                "place": None,
                "online_url": "https://visio.example.org/emile",
                "language": "fr",
                "capacity": 30,
                "seats_left": 30,
                "cancelled": False,
            },
            {
                "id": 3,
                "kind": "information_meeting",
                "audience": "candidates",
                "title": "Information meeting",
                "starts_at": "2030-03-10T09:00:00Z",
                "duration_minutes": 90,
                "place": "Saint-Denis",
                "online_url": None,
                "language": "fr",
                "capacity": 10,
                "seats_left": 0,
                "cancelled": False,
            },
        ]
        self.registrations: dict[str, dict[str, Any]] = {}
        self.status_of: dict[str, str] = {}
        # Applications one phone may make (EMILE_APPLICATIONS_PER_PHONE); None: no limit.
        self.applications_per_phone: int | None = None

    # -- routing

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if self.down:
            raise httpx.ConnectError("connection refused", request=request)
        if request.headers.get("X-API-Key") != "test-key":
            return self._error(401, "unauthorised", "missing or wrong API key")
        path = request.url.path.removeprefix("/api/v1")
        body = json.loads(request.content) if request.content else None
        routes = [
            ("GET", r"/territories", self.territories),
            ("GET", r"/territories/(?P<code>[^/]+)", self.territory),
            ("GET", r"/workshops", self.list_workshops),
            ("POST", r"/workshops/(?P<id>\d+)/registrations", self.register),
            ("POST", r"/registrations/(?P<ref>[^/]+)/cancellation", self.cancel),
            ("POST", r"/applications", self.create_application),
            ("POST", r"/person/status", self.person_status),
            ("POST", r"/person/erasure", self.person_erasure),
            ("POST", r"/callbacks", self.create_callback),
        ]
        for method, pattern, handler in routes:
            match = re.fullmatch(pattern, path)
            if method == request.method and match:
                return handler(request, body, **match.groupdict())
        return self._error(404, "not_found", f"no route {request.method} {path}")

    @staticmethod
    def _error(status: int, code: str, detail: str) -> httpx.Response:
        return httpx.Response(status, json={"detail": detail, "code": code})

    # -- territories

    def territories(self, request: httpx.Request, body: Any) -> httpx.Response:
        lang = request.url.params.get("lang", "fr")
        items = [
            t for t in TERRITORIES if t["active"] or request.url.params.get("active") != "true"
        ]
        sector = request.url.params.get("sector")
        if sector:
            items = [t for t in items if sector in t["sectors_hiring"]]
        return httpx.Response(200, json=[_territory_out(t, lang) for t in items])

    def territory(self, request: httpx.Request, body: Any, code: str) -> httpx.Response:
        lang = request.url.params.get("lang", "fr")
        for t in TERRITORIES:
            if t["code"] == code:
                return httpx.Response(200, json=_territory_out(t, lang))
        return self._error(404, "territory_not_found", "no such territory")

    # -- workshops

    def list_workshops(self, request: httpx.Request, body: Any) -> httpx.Response:
        audience = request.url.params.get("audience")
        items = [w for w in self.workshops if audience in (None, w["audience"])]
        return httpx.Response(200, json=items)

    def register(self, request: httpx.Request, body: Any, id: str) -> httpx.Response:
        workshop = next((w for w in self.workshops if w["id"] == int(id)), None)
        if workshop is None:
            return self._error(404, "workshop_not_found", "no such workshop")
        if workshop["seats_left"] <= 0:
            return self._error(409, "workshop_full", "no seat left")
        workshop["seats_left"] -= 1
        reference = f"W{len(self.registrations) + 1:05d}".replace("0", "A").replace("1", "B")
        self.registrations[reference] = {"workshop": workshop, "body": body, "status": "confirmed"}
        return httpx.Response(
            201, json={"reference": reference, "status": "confirmed", "workshop": workshop}
        )

    def cancel(self, request: httpx.Request, body: Any, ref: str) -> httpx.Response:
        registration = self.registrations.get(ref)
        if registration is None:
            return self._error(404, "registration_not_found", "no such registration")
        if registration["status"] == "confirmed":
            registration["status"] = "cancelled"
            registration["workshop"]["seats_left"] += 1
        return httpx.Response(
            200,
            json={"reference": ref, "status": "cancelled", "workshop": registration["workshop"]},
        )

    # -- applications and the person

    def create_application(self, request: httpx.Request, body: Any) -> httpx.Response:
        key = request.headers.get("Idempotency-Key", "")
        if key in self.applications:
            return httpx.Response(
                200, json=self.applications[key], headers={"Idempotent-Replayed": "true"}
            )
        made = sum(a["phone"] == body["phone"] for a in self.applications.values())
        if self.applications_per_phone is not None and made >= self.applications_per_phone:
            response = self._error(429, "application_quota", "this phone has applied enough")
            response.headers["Retry-After"] = "86400"
            return response
        reference = "K7P4X" + "MNPQRSTUVW"[len(self.applications) % 10]
        application = {**body, "reference": reference, "status": "new"}
        self.applications[key] = application
        self.status_of[reference] = "new"
        return httpx.Response(201, json=application)

    def _person(self, body: Any) -> dict[str, Any] | None:
        for application in self.applications.values():
            if (
                application["reference"] == body["reference"]
                and application["phone"] == body["phone"]
            ):
                return application
        return None

    def person_status(self, request: httpx.Request, body: Any) -> httpx.Response:
        application = self._person(body)
        if application is None:
            return self._error(404, "not_found", "no application with this reference and phone")
        reference = application["reference"]
        return httpx.Response(
            200,
            json={
                "reference": reference,
                "status": self.status_of[reference],
                "updated_at": "2030-01-02T10:00:00Z",
            },
        )

    def person_erasure(self, request: httpx.Request, body: Any) -> httpx.Response:
        """As the API: a proof (verified phone, or a matching reference) erases all of it."""
        phone = body["phone"]
        proved = bool(body.get("phone_verified"))
        if body.get("reference"):
            if self._person(body) is None:
                return self._error(404, "not_found", "no application with this reference")
            proved = True
        if proved:
            self.erased.append((body.get("reference"), phone))
            kept = {k: v for k, v in self.applications.items() if v["phone"] != phone}
            applications = len(self.applications) - len(kept)
            self.applications = kept
            gone = [c for c in self.callbacks if c["phone"] == phone]
        else:
            applications = 0
            ids = set(body.get("callback_ids", []))
            gone = [c for c in self.callbacks if c["id"] in ids and c["phone"] == phone]
        self.callbacks = [c for c in self.callbacks if c not in gone]
        return httpx.Response(
            200,
            json={
                "erased": True,
                "applications": applications,
                "registrations": 0,
                "callbacks": len(gone),
            },
        )

    def create_callback(self, request: httpx.Request, body: Any) -> httpx.Response:
        callback = {**body, "id": len(self.callbacks) + 1, "status": "open"}
        self.callbacks.append(callback)
        return httpx.Response(201, json=callback)


def install(api: FakeApi, settings: Settings) -> api_client.EmileApiClient:
    """Make `api` the shared client of the running event loop (what actions use)."""
    client = create_client(settings, transport=httpx.MockTransport(api.handle))
    api_client._shared = (asyncio.get_running_loop(), client)
    return client


# ---------------------------------------------------------------- fixtures (import them)

import pytest_asyncio  # noqa: E402

from actions import outbox as outbox_module  # noqa: E402


@pytest_asyncio.fixture(name="fake_api")
async def fake_api_fixture(api_settings: Settings) -> Any:
    """A fake API installed as the actions' client, and a fresh outbox in a temp dir."""
    from actions.territories import clear_cache

    clear_cache()
    api = FakeApi()
    client = install(api, api_settings)
    await outbox_module.stop_outbox()
    await outbox_module.start_outbox(api_settings)
    yield api
    await outbox_module.stop_outbox()
    await client.aclose()
    api_client._shared = None
    clear_cache()
