"""A fake Twilio REST API on loopback (Messages resource), and Twilio's side of the webhook.

REST: `POST /2010-04-01/Accounts/{AccountSid}/Messages.json`, form-encoded (`To`, `From` or
`MessagingServiceSid`, `Body`, `MediaUrl`…), HTTP basic auth `AccountSid:AuthToken`.
Answers as Twilio does: 201 and the message resource as JSON (`sid` SM…, `status`
`queued` or `accepted`, `num_segments`…), or an error JSON `{"code", "message",
"more_info", "status"}` with the same HTTP status: 401/20003 bad credentials, 404/20404 an
account that is not the caller's, 400/21604 no To, 400/21603 no From, 400/21602 no Body,
400/21617 a body over 1,600 characters, 400/21610 a recipient who sent STOP to Twilio.
`fail_next(status)` makes the next requests fail (429/20429, 500/20500, 503/20503).
Every request is recorded (`requests`), every accepted message too (`messages`);
`wait_for(n)` waits for them from another thread.

Webhook: `signed_post(url, public_url, params, auth_token)` posts a form exactly as Twilio
does, signed with twilio's own `RequestValidator.compute_signature` (so the test and the
production check share one algorithm). `inbound_sms(...)` builds the parameters Twilio
sends for an incoming SMS or MMS.

Runs in its own thread (stdlib `ThreadingHTTPServer`): it serves async tests in the same
process and a Rasa server in another process alike. `tests/fakes/twilio_process.py` runs it
in a process of its own (benchmarks: the fake then shares no interpreter lock with the
client), with `keep_alive` (HTTP/1.1 connections reused, as api.twilio.com does) and
`on_request` (called with each recorded request and, when accepted, its message).
"""

from __future__ import annotations

import base64
import json
import secrets
import threading
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
from twilio.request_validator import RequestValidator

from bot.channels.gsm import segments
from tests.fakes.client import webhook_client
from tests.fakes.raw_http import request_bytes

ACCOUNT_SID = "AC" + "0123456789abcdef" * 2
AUTH_TOKEN = "0123456789abcdef0123456789abcdef"
FROM_NUMBER = "+33757000000"
SIGNATURE_HEADER = "X-Twilio-Signature"
API_VERSION = "2010-04-01"
MAX_BODY = 1600

ERRORS: dict[int, tuple[int, str]] = {
    429: (20429, "Too Many Requests"),
    500: (20500, "Internal Server Error"),
    503: (20503, "Service Unavailable"),
}


@dataclass
class Request:
    """One request the fake received."""

    method: str
    path: str
    form: dict[str, list[str]]
    auth: tuple[str, str] | None
    status: int
    at: float


@dataclass
class Message:
    """One message the fake accepted."""

    sid: str
    to: str
    from_: str | None
    messaging_service_sid: str | None
    body: str
    media_url: list[str]
    at: float


@dataclass
class FakeTwilio:
    """The fake server; use as a context manager or call start()/stop()."""

    account_sid: str = ACCOUNT_SID
    auth_token: str = AUTH_TOKEN
    host: str = "127.0.0.1"
    port: int = 0
    requests: list[Request] = field(default_factory=list)
    messages: list[Message] = field(default_factory=list)
    unsubscribed: set[str] = field(default_factory=set)
    # HTTP/1.1 with connections kept open (off by default: a stopped fake must refuse
    # connections at once, which an idle kept-alive connection's thread would not).
    keep_alive: bool = False
    # Called after each request is recorded, with its message when one was accepted.
    on_request: Callable[[Request, Message | None], None] | None = None
    _failures: list[int] = field(default_factory=list)
    _accepted: dict[str, Message] = field(default_factory=dict)
    _cond: threading.Condition = field(default_factory=threading.Condition)
    _server: ThreadingHTTPServer | None = None
    _thread: threading.Thread | None = None

    # -- lifecycle

    def __enter__(self) -> FakeTwilio:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self) -> None:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1" if fake.keep_alive else "HTTP/1.0"

            def do_POST(self) -> None:
                fake._handle(self)

            def do_GET(self) -> None:
                fake._reply(self, 405, _error(20004, "Method not allowed", 405))

            def log_message(self, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer((self.host, self.port), Handler)
        self._server.daemon_threads = True
        self.port = int(self._server.server_address[1])
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.05,), daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    @property
    def base_url(self) -> str:
        """What replaces https://api.twilio.com (the channel's `api_base_url`)."""
        return f"http://{self.host}:{self.port}"

    # -- test controls

    def fail_next(self, status: int, times: int = 1) -> None:
        """The next `times` requests get `status` (429, 500, 503)."""
        with self._cond:
            self._failures.extend([status] * times)

    def reset(self) -> None:
        with self._cond:
            self.requests.clear()
            self.messages.clear()
            self._failures.clear()
            self.unsubscribed.clear()

    def wait_for(self, count: int, timeout: float = 30.0, to: str | None = None) -> list[Message]:
        """Wait until `count` messages (to `to`, if given) were accepted; them."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                found = self.sent_to(to) if to else list(self.messages)
                if len(found) >= count:
                    return found
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError(
                        f"{len(found)} of {count} messages after {timeout} s: "
                        f"{[m.body for m in found]!r}"
                    )
                self._cond.wait(left)

    def sent_to(self, to: str | None) -> list[Message]:
        with self._cond:
            return [m for m in self.messages if to is None or m.to == to]

    def quiet_for(self, seconds: float, to: str | None = None) -> list[Message]:
        """Wait `seconds`; the messages accepted meanwhile (for "nothing is sent")."""
        before = len(self.sent_to(to))
        time.sleep(seconds)
        return self.sent_to(to)[before:]

    # -- the Messages resource

    def _handle(self, handler: BaseHTTPRequestHandler) -> None:
        length = int(handler.headers.get("Content-Length") or 0)
        raw = handler.rfile.read(length).decode("utf-8") if length else ""
        form = urllib.parse.parse_qs(raw, keep_blank_values=True)
        auth = _basic_auth(handler.headers.get("Authorization"))
        path = urllib.parse.urlsplit(handler.path).path
        status, answer = self._answer(path, handler.headers.get("Content-Type") or "", form, auth)
        request = Request("POST", path, form, auth, status, time.time())
        with self._cond:
            self.requests.append(request)
            self._cond.notify_all()
        if self.on_request is not None:
            sid = answer.get("sid") if status == 201 else None
            self.on_request(request, self._accepted.pop(sid, None) if sid else None)
        self._reply(handler, status, answer)

    def _answer(
        self,
        path: str,
        content_type: str,
        form: dict[str, list[str]],
        auth: tuple[str, str] | None,
    ) -> tuple[int, dict[str, Any]]:
        if auth is None or auth != (self.account_sid, self.auth_token):
            return 401, _error(20003, "Authentication Error - invalid username", 401)
        prefix = f"/{API_VERSION}/Accounts/"
        if not path.startswith(prefix) or not path.endswith("/Messages.json"):
            return 404, _error(20404, f"The requested resource {path} was not found", 404)
        account = path[len(prefix) : -len("/Messages.json")]
        if account != auth[0]:
            return 404, _error(20404, f"The requested resource {path} was not found", 404)
        with self._cond:
            failure = self._failures.pop(0) if self._failures else None
        if failure is not None:
            code, text = ERRORS.get(failure, (20500, "Internal Server Error"))
            return failure, _error(code, text, failure)
        if not content_type.startswith("application/x-www-form-urlencoded"):
            return 400, _error(21602, "Message body is required.", 400)

        def one(key: str) -> str | None:
            values = form.get(key)
            return values[0] if values else None

        to, from_, service = one("To"), one("From"), one("MessagingServiceSid")
        body, media = one("Body") or "", form.get("MediaUrl") or []
        if not to:
            return 400, _error(21604, "A 'To' phone number is required.", 400)
        if not from_ and not service:
            return 400, _error(21603, "A 'From' phone number is required.", 400)
        if not body and not media:
            return 400, _error(21602, "Message body is required.", 400)
        if len(body) > MAX_BODY:
            return 400, _error(
                21617, "The concatenated message body exceeds the 1600 character limit.", 400
            )
        if to in self.unsubscribed:
            return 400, _error(21610, "Attempt to send to unsubscribed recipient", 400)
        sid = "SM" + secrets.token_hex(16)
        now = formatdate(usegmt=True)
        message = Message(sid, to, from_, service, body, list(media), time.time())
        with self._cond:
            self.messages.append(message)
            if self.on_request is not None:
                self._accepted[sid] = message
            self._cond.notify_all()
        uri = f"/{API_VERSION}/Accounts/{account}/Messages/{sid}.json"
        return 201, {
            "account_sid": account,
            "api_version": API_VERSION,
            "body": body,
            "date_created": now,
            "date_sent": None,
            "date_updated": now,
            "direction": "outbound-api",
            "error_code": None,
            "error_message": None,
            "from": from_,
            "messaging_service_sid": service,
            "num_media": str(len(media)),
            "num_segments": str(segments(body) or 1),
            "price": None,
            "price_unit": "USD",
            "sid": sid,
            "status": "accepted" if service and not from_ else "queued",
            "subresource_uris": {"media": uri.replace(".json", "/Media.json")},
            "uri": uri,
        }

    def _reply(self, handler: BaseHTTPRequestHandler, status: int, answer: dict[str, Any]) -> None:
        data = json.dumps(answer).encode("utf-8")
        handler.send_response(status)
        handler.send_header("Content-Type", "application/json; charset=utf-8")
        handler.send_header("Content-Length", str(len(data)))
        handler.end_headers()
        handler.wfile.write(data)


def _error(code: int, message: str, status: int) -> dict[str, Any]:
    return {
        "code": code,
        "message": message,
        "more_info": f"https://www.twilio.com/docs/errors/{code}",
        "status": status,
    }


def _basic_auth(header: str | None) -> tuple[str, str] | None:
    if not header or not header.startswith("Basic "):
        return None
    try:
        user, _, password = base64.b64decode(header[6:]).decode("utf-8").partition(":")
    except ValueError:
        return None
    return user, password


# -- Twilio's side of the webhook


def inbound_sms(
    sender: str,
    body: str = "",
    *,
    to: str = FROM_NUMBER,
    account_sid: str = ACCOUNT_SID,
    media: list[tuple[str, str]] | None = None,
    sid: str | None = None,
) -> dict[str, str]:
    """The parameters Twilio posts for an incoming SMS (MMS when `media` is given)."""
    sid = sid or ("MM" if media else "SM") + secrets.token_hex(16)
    params = {
        "ToCountry": "FR",
        "ToState": "",
        "SmsMessageSid": sid,
        "NumMedia": str(len(media or [])),
        "ToCity": "",
        "FromZip": "",
        "SmsSid": sid,
        "FromState": "",
        "SmsStatus": "received",
        "FromCity": "",
        "Body": body,
        "FromCountry": "FR",
        "To": to,
        "ToZip": "",
        "NumSegments": str(max(1, segments(body))),
        "ReferralNumMedia": "0",
        "MessageSid": sid,
        "AccountSid": account_sid,
        "From": sender,
        "ApiVersion": API_VERSION,
    }
    for index, (content_type, url) in enumerate(media or []):
        params[f"MediaContentType{index}"] = content_type
        params[f"MediaUrl{index}"] = url
    return params


def media_url(account_sid: str = ACCOUNT_SID) -> str:
    """A media URL as Twilio gives it for an MMS."""
    return (
        f"https://api.twilio.com/{API_VERSION}/Accounts/{account_sid}/Messages/"
        f"MM{secrets.token_hex(16)}/Media/ME{secrets.token_hex(16)}"
    )


def sign(public_url: str, params: dict[str, str], auth_token: str = AUTH_TOKEN) -> str:
    """The X-Twilio-Signature Twilio computes for this URL and form."""
    return str(RequestValidator(auth_token).compute_signature(public_url, params))


def signed_request_bytes(
    url: str, public_url: str, params: dict[str, str], auth_token: str = AUTH_TOKEN
) -> bytes:
    """The whole HTTP request Twilio would send for this webhook, for raw_http.deliver_in_order."""
    headers = {
        "Content-Type": "application/x-www-form-urlencoded; charset=UTF-8",
        "User-Agent": "TwilioProxy/1.1",
        SIGNATURE_HEADER: sign(public_url, params, auth_token),
    }
    return request_bytes(url, urllib.parse.urlencode(params).encode(), headers)


def signed_post(
    url: str,
    public_url: str,
    params: dict[str, str],
    auth_token: str = AUTH_TOKEN,
    *,
    signature: str | None = None,
    timeout: float = 15.0,
    client: httpx.Client | None = None,
) -> httpx.Response:
    """POST a webhook to `url` as Twilio does, signed for `public_url` (what Twilio called).

    `signature` overrides the computed one ("" sends no signature header at all); `client`:
    a pooled client to send it with (a benchmark's many requests), else a new one.
    """
    headers = {
        "Content-Type": "application/x-www-form-urlencoded; charset=UTF-8",
        "User-Agent": "TwilioProxy/1.1",
        "I-Twilio-Idempotency-Token": secrets.token_hex(16),
    }
    value = sign(public_url, params, auth_token) if signature is None else signature
    if value:
        headers[SIGNATURE_HEADER] = value
    content = urllib.parse.urlencode(params)
    if client is not None:
        return client.post(url, content=content, headers=headers, timeout=timeout)
    return webhook_client().post(url, content=content, headers=headers, timeout=timeout)
