"""Typed async client of the operator API (docs/api-contract.md), with polite typed errors."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Final, TypedDict
from urllib.parse import quote

import httpx

from actions.eligibility import VerdictPayload
from common.settings import AssistantSettings, load_assistant_settings

logger = logging.getLogger(__name__)

API_PREFIX = "/api/v1"


# ---------------------------------------------------------------- errors


class ApiError(Exception):
    """Any failure to get what was asked from the API."""

    def __init__(self, detail: str, code: str = "error", status: int | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.code = code
        self.status = status

    def __str__(self) -> str:
        where = f"HTTP {self.status} " if self.status is not None else ""
        return f"{where}{self.code}: {self.detail}"


class ApiUnavailable(ApiError):
    """The API cannot answer now (connection, timeout, 5xx): worth trying again later."""


class NotAuthorised(ApiUnavailable):
    """401/403: the assistant's API key is missing, wrong or lacks a scope (a deployment fault)."""


class UnexpectedResponse(ApiUnavailable):
    """The API answered something this client does not understand."""


class NotFound(ApiError):
    """404: no such resource (or, for /person, reference and phone do not match)."""


class Conflict(ApiError):
    """409: the request conflicts with the current state (`code`, e.g. `workshop_full`)."""


class Gone(ApiError):
    """410: erased for good (e.g. the Idempotency-Key of an erased application)."""


class InvalidRequest(ApiError):
    """400/422 and other client errors: retrying the same request cannot succeed."""


class QuotaExceeded(InvalidRequest):
    """429 with a `*_quota` code: this phone made as many as the API accepts; not retried."""


# The API's error code when a phone has made as many applications as it accepts.
APPLICATION_QUOTA: Final = "application_quota"


# ---------------------------------------------------------------- request bodies


class AnswersPayload(TypedDict, total=False):
    """The `answers` object of POST /applications."""

    residence_area: str
    housing_situation: str
    right_to_work: str
    work_situation: str
    ready_to_move: str
    adults: int
    children: int
    trades: list[str]
    experience_years: int | None
    driving_licence: str
    french_level: str


class ApplicationPayload(TypedDict):
    """The body of POST /applications."""

    first_name: str
    last_name: str
    phone: str
    email: str | None
    language: str
    channel: str
    consent_at: str
    answers: AnswersPayload
    territory_preferences: list[str]
    verdict: VerdictPayload


# ---------------------------------------------------------------- results


@dataclass(frozen=True)
class ApplicationReceipt:
    """What POST /applications gave back: the reference to read out to the person."""

    reference: str
    status: str
    replayed: bool = False


@dataclass(frozen=True)
class ErasureReport:
    """What an erasure deleted in the API, to tell the person exactly that."""

    applications: int
    registrations: int
    callbacks: int


@dataclass(frozen=True)
class PersonStatus:
    """Where a person's application stands."""

    reference: str
    status: str
    updated_at: str


@dataclass(frozen=True)
class Territory:
    """A host territory, its texts in the language asked for (French when missing)."""

    code: str
    name: str
    department_code: str
    region: str
    active: bool
    years: tuple[int, ...]
    main_towns: tuple[str, ...]
    sectors_hiring: tuple[str, ...]
    housing: str
    daily_life: str
    translated: bool
    operator_name: str | None
    contact: str | None


@dataclass(frozen=True)
class Workshop:
    """A workshop or information meeting; `starts_at` is ISO 8601 (the NLG formats it)."""

    id: int
    kind: str
    audience: str
    title: str
    starts_at: str
    seats_left: int
    language: str | None = None
    description: str | None = None
    duration_minutes: int | None = None
    place: str | None = None
    online_url: str | None = None
    capacity: int | None = None
    cancelled: bool = False


@dataclass(frozen=True)
class Registration:
    """A seat in a workshop; `created` is False when the same contact had booked already."""

    reference: str
    status: str
    workshop: Workshop | None
    created: bool = True


@dataclass(frozen=True)
class CallbackReceipt:
    """A callback request operators will see."""

    id: int
    status: str


# ---------------------------------------------------------------- parsing helpers


def _obj(data: object, what: str) -> Mapping[str, Any]:
    if not isinstance(data, dict):
        raise UnexpectedResponse(f"{what}: expected a JSON object", code="unexpected_response")
    return data


def _str(data: Mapping[str, Any], key: str) -> str:
    value = data.get(key)
    if not isinstance(value, str):
        raise UnexpectedResponse(f"field {key!r} missing or not text", code="unexpected_response")
    return value


def _opt_str(data: Mapping[str, Any], key: str) -> str | None:
    value = data.get(key)
    return value if isinstance(value, str) else None


def _int(data: Mapping[str, Any], key: str) -> int:
    value = data.get(key)
    if not isinstance(value, int) or isinstance(value, bool):
        raise UnexpectedResponse(
            f"field {key!r} missing or not a number", code="unexpected_response"
        )
    return value


def _opt_int(data: Mapping[str, Any], key: str) -> int | None:
    value = data.get(key)
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _strs(data: Mapping[str, Any], key: str) -> tuple[str, ...]:
    value = data.get(key) or []
    return tuple(v for v in value if isinstance(v, str)) if isinstance(value, list) else ()


def _text(data: Mapping[str, Any], key: str, lang: str) -> str:
    value = data.get(key)
    if isinstance(value, dict):
        # Tolerate the stored form {"fr": ..., "en": ...}: pick the language, else French.
        picked = value.get(lang) or value.get("fr") or ""
        return picked if isinstance(picked, str) else ""
    return value if isinstance(value, str) else ""


def _items(data: object, what: str) -> list[Any]:
    # A plain list, or a page {"items": [...]} should the API paginate it one day.
    if isinstance(data, dict) and isinstance(data.get("items"), list):
        return list(data["items"])
    if isinstance(data, list):
        return data
    raise UnexpectedResponse(f"{what}: expected a list", code="unexpected_response")


def parse_territory(data: object, lang: str = "fr") -> Territory:
    """A Territory from its JSON representation."""
    d = _obj(data, "territory")
    years = d.get("years") or []
    return Territory(
        code=_str(d, "code"),
        name=_str(d, "name"),
        department_code=_opt_str(d, "department_code") or "",
        region=_opt_str(d, "region") or "",
        active=bool(d.get("active", True)),
        years=tuple(y for y in years if isinstance(y, int)) if isinstance(years, list) else (),
        main_towns=_strs(d, "main_towns"),
        sectors_hiring=_strs(d, "sectors_hiring"),
        housing=_text(d, "housing", lang),
        daily_life=_text(d, "daily_life", lang),
        translated=bool(d.get("translated", True)),
        operator_name=_opt_str(d, "operator_name"),
        contact=_opt_str(d, "contact"),
    )


def parse_workshop(data: object) -> Workshop:
    """A Workshop from its JSON representation."""
    d = _obj(data, "workshop")
    capacity = _opt_int(d, "capacity")
    seats_left = _opt_int(d, "seats_left")
    if seats_left is None:
        taken = _opt_int(d, "seats_taken")
        if capacity is None or taken is None:
            raise UnexpectedResponse("workshop without seats_left", code="unexpected_response")
        seats_left = max(capacity - taken, 0)
    return Workshop(
        id=_int(d, "id"),
        kind=_str(d, "kind"),
        audience=_str(d, "audience"),
        title=_str(d, "title"),
        starts_at=_str(d, "starts_at"),
        seats_left=seats_left,
        language=_opt_str(d, "language"),
        description=_opt_str(d, "description"),
        duration_minutes=_opt_int(d, "duration_minutes"),
        place=_opt_str(d, "place"),
        online_url=_opt_str(d, "online_url"),
        capacity=capacity,
        cancelled=bool(d.get("cancelled", False)),
    )


def parse_registration(data: object, created: bool = True) -> Registration:
    """A Registration from its JSON representation."""
    d = _obj(data, "registration")
    workshop = d.get("workshop")
    return Registration(
        reference=_str(d, "reference"),
        status=_str(d, "status"),
        workshop=parse_workshop(workshop) if isinstance(workshop, dict) else None,
        created=created,
    )


def encode_json(payload: Mapping[str, Any]) -> bytes:
    """Deterministic JSON: a retried request sends exactly the bytes of the first one."""
    return json.dumps(
        payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"), allow_nan=False
    ).encode("utf-8")


def _segment(value: str | int) -> str:
    # Codes and references come from what people type: never let one change the path
    # ("/" is escaped; "", "." and ".." would be resolved away by URL normalisation).
    text = str(value).strip()
    if not text.strip("."):
        raise InvalidRequest(f"not a valid identifier: {text!r}", "invalid_identifier")
    return quote(text, safe="")


def _error_from(response: httpx.Response) -> ApiError:
    try:
        body = response.json()
    except ValueError:
        body = None
    detail = response.reason_phrase or "error"
    code = "error"
    if isinstance(body, dict):
        if isinstance(body.get("detail"), str):
            detail = body["detail"]
        if isinstance(body.get("code"), str):
            code = body["code"]
    status = response.status_code
    if status in (401, 403):
        return NotAuthorised(detail, code, status)
    if status == 404:
        return NotFound(detail, code, status)
    if status == 409:
        return Conflict(detail, code, status)
    if status == 410:
        return Gone(detail, code, status)
    if status == 429 and code.endswith("_quota"):
        return QuotaExceeded(detail, code, status)
    if status in (408, 425, 429) or status >= 500:
        return ApiUnavailable(detail, code, status)
    return InvalidRequest(detail, code, status)


# ---------------------------------------------------------------- the client


class EmileApiClient:
    """The operator API as the assistant uses it; every method raises an ApiError subclass."""

    def __init__(self, http: httpx.AsyncClient) -> None:
        """Wrap an httpx client whose base URL ends with /api/v1 (see `create_client`)."""
        self._http = http

    async def __aenter__(self) -> EmileApiClient:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the connections."""
        await self._http.aclose()

    @property
    def closed(self) -> bool:
        """Whether `aclose` was called."""
        return self._http.is_closed

    async def _request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str] | None = None,
        body: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> httpx.Response:
        all_headers = dict(headers or {})
        content = None
        if body is not None:
            content = encode_json(body)
            all_headers["Content-Type"] = "application/json"
        try:
            response = await self._http.request(
                method, path, params=params, content=content, headers=all_headers
            )
        except httpx.TimeoutException as exc:
            raise ApiUnavailable(f"{method} {path}: timed out", "timeout") from exc
        except httpx.HTTPError as exc:
            # Connection refused, DNS, TLS, protocol errors: the API is not reachable now.
            raise ApiUnavailable(f"{method} {path}: {type(exc).__name__}", "unreachable") from exc
        if response.is_success:
            return response
        error = _error_from(response)
        log = logger.error if isinstance(error, NotAuthorised) else logger.info
        log("API %s %s -> %s", method, path, error)
        raise error

    @staticmethod
    def _json(response: httpx.Response) -> object:
        try:
            return response.json()
        except ValueError as exc:
            raise UnexpectedResponse("response is not JSON", "unexpected_response") from exc

    # -- applications

    async def create_application(
        self, payload: Mapping[str, Any], idempotency_key: str
    ) -> ApplicationReceipt:
        """POST /applications; the same key and body again gives the first result back."""
        response = await self._request(
            "POST", "/applications", body=payload, headers={"Idempotency-Key": idempotency_key}
        )
        data = _obj(self._json(response), "application")
        return ApplicationReceipt(
            reference=_str(data, "reference"),
            status=_opt_str(data, "status") or "new",
            replayed=response.headers.get("Idempotent-Replayed", "").lower() == "true",
        )

    # -- the person

    async def person_status(self, reference: str, phone: str) -> PersonStatus:
        """Where the application with this reference and phone stands (NotFound if no match)."""
        response = await self._request(
            "POST", "/person/status", body={"reference": reference, "phone": phone}
        )
        data = _obj(self._json(response), "person status")
        return PersonStatus(
            reference=_str(data, "reference"),
            status=_str(data, "status"),
            updated_at=_opt_str(data, "updated_at") or "",
        )

    async def person_erasure(
        self,
        phone: str,
        *,
        reference: str | None = None,
        registration_reference: str | None = None,
        phone_verified: bool = False,
        callback_ids: Sequence[int] = (),
    ) -> ErasureReport:
        """Erase what the API holds about this phone, given a proof that it is the person's.

        Proof: the channel verified the phone (SMS), or an application or registration
        reference made with it; without proof only `callback_ids` of this phone go.
        """
        body: dict[str, Any] = {"phone": phone, "phone_verified": phone_verified}
        if reference:
            body["reference"] = reference
        if registration_reference:
            body["registration_reference"] = registration_reference
        if callback_ids:
            body["callback_ids"] = list(callback_ids)
        response = await self._request("POST", "/person/erasure", body=body)
        data = _obj(self._json(response), "erasure")
        return ErasureReport(
            applications=_int(data, "applications"),
            registrations=_int(data, "registrations"),
            callbacks=_int(data, "callbacks"),
        )

    # -- territories

    async def list_territories(
        self, lang: str, sector: str | None = None, active: bool | None = True
    ) -> list[Territory]:
        """Territories (active ones by default), optionally those hiring in `sector`."""
        params = {"lang": lang}
        if active is not None:
            params["active"] = "true" if active else "false"
        if sector:
            params["sector"] = sector
        response = await self._request("GET", "/territories", params=params)
        return [parse_territory(t, lang) for t in _items(self._json(response), "territories")]

    async def get_territory(self, code: str, lang: str) -> Territory:
        """One territory, its texts in `lang` (NotFound for an unknown code)."""
        response = await self._request(
            "GET", f"/territories/{_segment(code)}", params={"lang": lang}
        )
        return parse_territory(self._json(response), lang)

    # -- workshops

    async def list_workshops(
        self,
        audience: str,
        lang: str | None = None,
        *,
        kind: str | None = None,
        upcoming: bool = True,
    ) -> list[Workshop]:
        """Sessions for `audience` (upcoming by default); with `lang`, those held in it.

        The API has no language filter: sessions are filtered here on their `language`.
        """
        params = {"audience": audience, "upcoming": "true" if upcoming else "false"}
        if kind:
            params["kind"] = kind
        response = await self._request("GET", "/workshops", params=params)
        workshops = [parse_workshop(w) for w in _items(self._json(response), "workshops")]
        if lang:
            workshops = [w for w in workshops if w.language in (None, lang)]
        return workshops

    async def get_workshop(self, workshop_id: int) -> Workshop:
        """One session with its seats left."""
        response = await self._request("GET", f"/workshops/{_segment(workshop_id)}")
        return parse_workshop(self._json(response))

    async def register(
        self,
        workshop_id: int,
        *,
        name: str,
        language: str,
        phone: str | None = None,
        email: str | None = None,
        organisation: str | None = None,
    ) -> Registration:
        """Book a seat; Conflict(code="workshop_full") when none is left."""
        response = await self._request(
            "POST",
            f"/workshops/{_segment(workshop_id)}/registrations",
            body={
                "name": name,
                "organisation": organisation,
                "phone": phone,
                "email": email,
                "language": language,
            },
        )
        return parse_registration(self._json(response), created=response.status_code == 201)

    async def cancel_registration(self, reference: str) -> Registration:
        """Give the seat back (NotFound for an unknown reference)."""
        response = await self._request("POST", f"/registrations/{_segment(reference)}/cancellation")
        return parse_registration(self._json(response), created=False)

    # -- callbacks

    async def create_callback(
        self,
        *,
        phone: str,
        language: str,
        channel: str,
        topic: str | None = None,
        name: str | None = None,
        application_reference: str | None = None,
    ) -> CallbackReceipt:
        """Ask an operator to call the person back."""
        response = await self._request(
            "POST",
            "/callbacks",
            body={
                "name": name,
                "phone": phone,
                "language": language,
                "channel": channel,
                "topic": topic,
                "application_reference": application_reference,
            },
        )
        data = _obj(self._json(response), "callback")
        return CallbackReceipt(id=_int(data, "id"), status=_opt_str(data, "status") or "open")


# ---------------------------------------------------------------- construction


def api_base_url(api_url: str) -> str:
    """The versioned base URL from the server root (an URL already ending in /api/v1 is kept)."""
    root = api_url.rstrip("/")
    return root if root.endswith(API_PREFIX) else root + API_PREFIX


def create_client(
    settings: AssistantSettings | None = None, *, transport: httpx.AsyncBaseTransport | None = None
) -> EmileApiClient:
    """A new client from `settings` (default: the environment); `transport` is for tests."""
    settings = settings or load_assistant_settings()
    headers = {"Accept": "application/json", "User-Agent": "emile-assistant"}
    if settings.api_key:
        headers["X-API-Key"] = settings.api_key
    else:
        logger.error("the operator API client has no API key: calls will be refused (401)")
    http = httpx.AsyncClient(
        base_url=api_base_url(settings.api_url),
        headers=headers,
        timeout=httpx.Timeout(settings.api_timeout_s),
        transport=transport,
        # The API answers requests itself; a redirect would mean a misconfigured URL.
        follow_redirects=False,
    )
    return EmileApiClient(http)


_shared: tuple[asyncio.AbstractEventLoop, EmileApiClient] | None = None


def shared_client(settings: AssistantSettings | None = None) -> EmileApiClient:
    """The process's client for the running event loop, created on first use.

    Actions share it so connections are pooled; httpx connections belong to one event loop,
    so another loop (tests) gets a new client.
    """
    global _shared
    loop = asyncio.get_running_loop()
    if _shared is None or _shared[0] is not loop or _shared[1].closed:
        _shared = (loop, create_client(settings))
    return _shared[1]


async def close_shared_client() -> None:
    """Close the shared client (at action-server shutdown)."""
    global _shared
    if _shared is not None:
        _loop, client = _shared
        _shared = None
        await client.aclose()
