"""A fake Telegram Bot API server on loopback, speaking the real wire format.

Requests: `POST|GET /bot<token>/<method>` with parameters in the query string, a JSON body,
an `application/x-www-form-urlencoded` body (what python-telegram-bot sends: strings raw,
other values JSON-encoded) or `multipart/form-data`. Answers: `{"ok": true, "result": ...}`
or `{"ok": false, "error_code": N, "description": "...", "parameters": {...}}` with the HTTP
status equal to `error_code`, as Telegram does.

Methods: getMe, setWebhook, deleteWebhook, getWebhookInfo, getUpdates (long polling; 409
while a webhook is set), sendMessage, sendPhoto, sendChatAction, answerCallbackQuery,
editMessageReplyMarkup. Telegram's checks that catch channel bugs are enforced: empty or
too long text (4096 UTF-16 units), callback_data over 64 bytes, unknown callback query ids,
editing a message that does not exist or is "not modified", webhook secret token charset.

It also plays Telegram's side of the webhook: `deliver(update)` POSTs an update to the
registered webhook URL with the `X-Telegram-Bot-Api-Secret-Token` header. Builders make the
updates a person's phone would cause (`text`, `press`, `photo`, …) with increasing ids.

Every call is recorded (`calls`); `fail(method, ...)` makes the next calls of a method fail
(e.g. 429 with `parameters.retry_after`); `wait_for` waits for calls from another thread.
Runs in its own thread (stdlib `ThreadingHTTPServer`), so it serves sync and async tests
and a Rasa server in another process alike.
"""

from __future__ import annotations

import email.parser
import email.policy
import itertools
import json
import threading
import time
import urllib.parse
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx

from tests.fakes.client import webhook_client

TOKEN = "123456789:AAFakeTokenForTestsOnly_0123456789ab"
BOT_ID = 123456789
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
MAX_TEXT = 4096
MAX_CALLBACK_DATA = 64
SECRET_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-")

# How form-encoded values are decoded (python-telegram-bot JSON-encodes non-strings).
JSON_FIELDS = frozenset(
    {"reply_markup", "allowed_updates", "entities", "link_preview_options", "reply_parameters"}
)
INT_FIELDS = frozenset(
    {"chat_id", "message_id", "offset", "limit", "timeout", "cache_time", "max_connections"}
)
BOOL_FIELDS = frozenset(
    {"drop_pending_updates", "show_alert", "disable_notification", "protect_content"}
)


@dataclass
class Call:
    """One request the fake received."""

    method: str
    params: dict[str, Any]
    at: float
    status: int = 200
    result: Any = None

    @property
    def chat_id(self) -> Any:
        return self.params.get("chat_id")

    @property
    def text(self) -> str | None:
        return self.params.get("text")

    @property
    def keyboard(self) -> list[list[dict[str, Any]]]:
        markup = self.params.get("reply_markup") or {}
        return list(markup.get("inline_keyboard") or [])

    @property
    def buttons(self) -> list[dict[str, Any]]:
        return [button for row in self.keyboard for button in row]


@dataclass
class Failure:
    status: int
    description: str
    retry_after: int | None
    times: int


@dataclass
class Person:
    """A Telegram user in a private chat with the bot (chat id = user id)."""

    id: int
    first_name: str = "Test"
    language_code: str | None = "fr"
    username: str | None = None

    def as_user(self) -> dict[str, Any]:
        user: dict[str, Any] = {"id": self.id, "is_bot": False, "first_name": self.first_name}
        if self.username:
            user["username"] = self.username
        if self.language_code:
            user["language_code"] = self.language_code
        return user

    def as_chat(self) -> dict[str, Any]:
        return {"id": self.id, "type": "private", "first_name": self.first_name}


class TelegramApiError(Exception):
    def __init__(self, status: int, description: str, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.retry_after = retry_after


@dataclass
class _State:
    webhook: dict[str, Any] = field(default_factory=dict)
    updates: list[dict[str, Any]] = field(default_factory=list)
    messages: dict[tuple[int, int], dict[str, Any]] = field(default_factory=dict)
    callback_ids: set[str] = field(default_factory=set)
    blocked: set[int] = field(default_factory=set)


class FakeTelegram:
    """The fake Bot API. Use as a context manager, or `start()` / `stop()`."""

    def __init__(self, token: str = TOKEN, host: str = "127.0.0.1", port: int = 0) -> None:
        self.token = token
        self.calls: list[Call] = []
        self._state = _State()
        self._failures: dict[str, list[Failure]] = {}
        self._cond = threading.Condition()
        self._message_ids = itertools.count(1000)
        self._update_ids = itertools.count(500_000)
        self._callback_ids = itertools.count(9_000_000)
        self._http = ThreadingHTTPServer((host, port), self._handler_class())
        self._http.daemon_threads = True
        self._thread: threading.Thread | None = None
        self.bot_user = {
            "id": BOT_ID,
            "is_bot": True,
            "first_name": "EMILE test",
            "username": "emile_test_bot",
            "can_join_groups": False,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
        }

    # ------------------------------------------------------------------ life cycle
    @property
    def port(self) -> int:
        return int(self._http.server_address[1])

    @property
    def root_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def base_url(self) -> str:
        """What `telegram.Bot(base_url=...)` takes (the token is appended to it)."""
        return f"{self.root_url}/bot"

    def start(self) -> FakeTelegram:
        self._thread = threading.Thread(
            target=self._http.serve_forever, name="fake-telegram", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        with self._cond:
            self._cond.notify_all()
        self._http.shutdown()
        self._http.server_close()

    def __enter__(self) -> FakeTelegram:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # ------------------------------------------------------------------ test controls
    def fail(
        self,
        method: str,
        status: int = 429,
        *,
        retry_after: int | None = None,
        times: int = 1,
        description: str | None = None,
    ) -> None:
        """Make the next `times` calls of `method` fail with `status` (429: retry_after)."""
        if status == 429 and retry_after is None:
            retry_after = 1
        if description is None:
            description = (
                f"Too Many Requests: retry after {retry_after}"
                if status == 429
                else f"Error {status}"
            )
        with self._cond:
            self._failures.setdefault(method, []).append(
                Failure(status, description, retry_after, times)
            )

    def block(self, chat_id: int) -> None:
        """The person blocked the bot: sending to them answers 403."""
        with self._cond:
            self._state.blocked.add(chat_id)

    @property
    def webhook(self) -> dict[str, Any]:
        with self._cond:
            return dict(self._state.webhook)

    def calls_to(self, method: str, chat_id: int | None = None) -> list[Call]:
        with self._cond:
            return [
                call
                for call in self.calls
                if call.method == method
                and call.status == 200
                and (chat_id is None or call.chat_id == chat_id)
            ]

    def sent(self, chat_id: int | None = None) -> list[Call]:
        """Successful sendMessage calls (to one chat)."""
        return self.calls_to("sendMessage", chat_id)

    def mark(self) -> int:
        """A position in the call log, for `since=`."""
        with self._cond:
            return len(self.calls)

    def wait_for(
        self,
        predicate: Callable[[list[Call]], bool],
        timeout: float = 20.0,
        *,
        since: int = 0,
    ) -> list[Call]:
        """Wait until `predicate(calls since the mark)` holds; those calls."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                calls = self.calls[since:]
                if predicate(calls):
                    return list(calls)
                left = deadline - time.monotonic()
                if left <= 0:
                    summary = [(c.method, c.status, c.params.get("text")) for c in calls]
                    raise TimeoutError(f"condition not met in {timeout}s; calls: {summary}")
                self._cond.wait(left)

    def wait_calls(
        self, method: str, count: int = 1, timeout: float = 20.0, *, since: int = 0
    ) -> list[Call]:
        """Wait for `count` successful calls of `method` after the mark."""

        def enough(calls: list[Call]) -> bool:
            return sum(1 for c in calls if c.method == method and c.status == 200) >= count

        calls = self.wait_for(enough, timeout, since=since)
        return [c for c in calls if c.method == method and c.status == 200]

    def wait_quiet(
        self,
        chat_id: int,
        *,
        since: int,
        until: Callable[[list[Call]], bool] | None = None,
        quiet: float = 0.6,
        timeout: float = 30.0,
    ) -> list[Call]:
        """The messages sent to a chat after the mark, once `until` holds (default: at least
        one message) and nothing more came for `quiet` seconds."""
        condition = until or (lambda messages: bool(messages))
        deadline = time.monotonic() + timeout

        def messages() -> list[Call]:
            return [
                c
                for c in self.calls[since:]
                if c.method == "sendMessage" and c.status == 200 and c.chat_id == chat_id
            ]

        with self._cond:
            while True:
                current = messages()
                if condition(current):
                    last = max((c.at for c in current), default=time.time())
                    if time.time() - last >= quiet:
                        return current
                    self._cond.wait(quiet - (time.time() - last) + 0.01)
                    continue
                left = deadline - time.monotonic()
                if left <= 0:
                    texts = [c.text for c in current]
                    raise TimeoutError(f"no expected reply to {chat_id} in {timeout}s: {texts}")
                self._cond.wait(min(left, quiet))

    # ------------------------------------------------------------------ updates
    def next_update_id(self) -> int:
        return next(self._update_ids)

    def text(self, person: Person, text: str, *, update_id: int | None = None) -> dict[str, Any]:
        """The update a text message from `person` causes."""
        return self._message_update(person, {"text": text}, update_id)

    def photo(self, person: Person, caption: str | None = None) -> dict[str, Any]:
        content: dict[str, Any] = {
            "photo": [
                {"file_id": "AgACph0t0-small", "file_unique_id": "ph1", "width": 90, "height": 90},
                {"file_id": "AgACph0t0-big", "file_unique_id": "ph2", "width": 800, "height": 800},
            ]
        }
        if caption:
            content["caption"] = caption
        return self._message_update(person, content)

    def voice(self, person: Person) -> dict[str, Any]:
        return self._message_update(
            person,
            {"voice": {"file_id": "AwAC-voice", "file_unique_id": "vo1", "duration": 4}},
        )

    def sticker(self, person: Person) -> dict[str, Any]:
        sticker = {
            "file_id": "CAAC-sticker",
            "file_unique_id": "st1",
            "type": "regular",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
            "emoji": "👍",
        }
        return self._message_update(person, {"sticker": sticker})

    def document(self, person: Person) -> dict[str, Any]:
        document = {
            "file_id": "BQAC-doc",
            "file_unique_id": "do1",
            "file_name": "titre-de-sejour.pdf",
            "mime_type": "application/pdf",
        }
        return self._message_update(person, {"document": document})

    def location(self, person: Person) -> dict[str, Any]:
        return self._message_update(
            person, {"location": {"latitude": 48.8566, "longitude": 2.3522}}
        )

    def callback(
        self, person: Person, message: dict[str, Any], data: str, *, update_id: int | None = None
    ) -> dict[str, Any]:
        """The update a press on an inline button of `message` (a bot message) causes."""
        query_id = str(next(self._callback_ids))
        with self._cond:
            self._state.callback_ids.add(query_id)
        return {
            "update_id": update_id if update_id is not None else self.next_update_id(),
            "callback_query": {
                "id": query_id,
                "from": person.as_user(),
                "message": message,
                "chat_instance": f"-{person.id}77",
                "data": data,
            },
        }

    def press(
        self,
        person: Person,
        title: str | None = None,
        *,
        data: str | None = None,
        since: int = 0,
    ) -> dict[str, Any]:
        """Press a button (by title, or by callback_data) on the latest keyboard sent to
        `person` that has it and is still there."""
        if (title is None) == (data is None):
            raise ValueError("press by title or by data")
        seen: list[str] = []
        for message in self.keyboards(person.id, since=since):
            for row in message["reply_markup"]["inline_keyboard"]:
                for button in row:
                    seen.append(button.get("text", ""))
                    if (title is not None and button.get("text") == title) or (
                        data is not None and button.get("callback_data") == data
                    ):
                        return self.callback(person, message, button["callback_data"])
        raise AssertionError(f"no button {title or data!r} on the keyboards shown: {seen}")

    def keyboards(self, chat_id: int, *, since: int = 0) -> list[dict[str, Any]]:
        """Messages sent to a chat that still show a keyboard, latest first."""
        found: list[dict[str, Any]] = []
        with self._cond:
            for call in reversed(self.calls[since:]):
                if call.method != "sendMessage" or call.status != 200 or call.chat_id != chat_id:
                    continue
                stored = self._state.messages.get((chat_id, call.result["message_id"]))
                if stored and stored.get("reply_markup"):
                    found.append(json.loads(json.dumps(stored)))
        return found

    def latest_keyboard(self, chat_id: int, *, since: int = 0) -> dict[str, Any] | None:
        """The latest message sent to a chat that still has an inline keyboard."""
        found = self.keyboards(chat_id, since=since)
        return found[0] if found else None

    def message(self, chat_id: int, message_id: int) -> dict[str, Any] | None:
        with self._cond:
            stored = self._state.messages.get((chat_id, message_id))
            return dict(stored) if stored else None

    def push_update(self, update: dict[str, Any]) -> None:
        """Queue an update for getUpdates (long polling)."""
        with self._cond:
            self._state.updates.append(update)
            self._cond.notify_all()

    def deliver(
        self, update: dict[str, Any], *, secret: str | None = None, timeout: float = 30.0
    ) -> httpx.Response:
        """POST an update to the registered webhook as Telegram does."""
        webhook = self.webhook
        if not webhook.get("url"):
            raise AssertionError("no webhook registered")
        token = secret if secret is not None else webhook.get("secret_token")
        headers = {"Content-Type": "application/json"}
        if token:
            headers[SECRET_HEADER] = token
        return webhook_client().post(
            webhook["url"], content=json.dumps(update), headers=headers, timeout=timeout
        )

    def _message_update(
        self, person: Person, content: dict[str, Any], update_id: int | None = None
    ) -> dict[str, Any]:
        message = {
            "message_id": next(self._message_ids),
            "from": person.as_user(),
            "chat": person.as_chat(),
            "date": int(time.time()),
            **content,
        }
        return {
            "update_id": update_id if update_id is not None else self.next_update_id(),
            "message": message,
        }

    # ------------------------------------------------------------------ server side
    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            # Headers and body go out in two writes: with Nagle's algorithm, the body of a
            # kept-alive answer waits ~40 ms for the client's delayed ACK.
            disable_nagle_algorithm = True

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                self._serve()

            def do_POST(self) -> None:
                self._serve()

            def _serve(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                status, answer = fake._answer(
                    self.path, self.headers.get("Content-Type") or "", body
                )
                data = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        return Handler

    def _answer(self, path: str, content_type: str, body: bytes) -> tuple[int, dict[str, Any]]:
        parsed = urllib.parse.urlsplit(path)
        parts = parsed.path.strip("/").split("/")
        if len(parts) != 2 or not parts[0].startswith("bot"):
            return 404, {"ok": False, "error_code": 404, "description": "Not Found"}
        token, method = parts[0][3:], parts[1]
        if token != self.token:
            return 401, {"ok": False, "error_code": 401, "description": "Unauthorized"}
        try:
            params = _decode(parsed.query, content_type, body)
        except ValueError as error:
            return 400, {"ok": False, "error_code": 400, "description": f"Bad Request: {error}"}
        call = Call(method=method, params=params, at=time.time())
        try:
            self._maybe_fail(method)
            handler = getattr(self, f"_m_{method.lower()}", None)
            if handler is None:
                raise TelegramApiError(404, "Not Found")
            result = handler(params)
        except TelegramApiError as error:
            call.status = error.status
            answer: dict[str, Any] = {
                "ok": False,
                "error_code": error.status,
                "description": error.description,
            }
            if error.retry_after is not None:
                answer["parameters"] = {"retry_after": error.retry_after}
            self._record(call)
            return error.status, answer
        call.result = result
        self._record(call)
        return 200, {"ok": True, "result": result}

    def _record(self, call: Call) -> None:
        with self._cond:
            self.calls.append(call)
            self._cond.notify_all()

    def _maybe_fail(self, method: str) -> None:
        with self._cond:
            queue = self._failures.get(method)
            if not queue:
                return
            failure = queue[0]
            failure.times -= 1
            if failure.times <= 0:
                queue.pop(0)
        raise TelegramApiError(failure.status, failure.description, failure.retry_after)

    # Bot API methods -----------------------------------------------------------
    def _m_getme(self, params: dict[str, Any]) -> dict[str, Any]:
        return dict(self.bot_user)

    def _m_setwebhook(self, params: dict[str, Any]) -> bool:
        url = params.get("url", "")
        secret = params.get("secret_token")
        if secret is not None and (not 1 <= len(secret) <= 256 or not set(secret) <= SECRET_CHARS):
            raise TelegramApiError(400, "Bad Request: secret token contains unallowed characters")
        if url and not url.startswith(("https://", "http://")):
            raise TelegramApiError(400, "Bad Request: bad webhook: invalid URL")
        with self._cond:
            if params.get("drop_pending_updates"):
                self._state.updates.clear()
            self._state.webhook = (
                {
                    "url": url,
                    "secret_token": secret,
                    "allowed_updates": params.get("allowed_updates"),
                    "max_connections": params.get("max_connections", 40),
                }
                if url
                else {}
            )
        return True

    def _m_deletewebhook(self, params: dict[str, Any]) -> bool:
        with self._cond:
            if params.get("drop_pending_updates"):
                self._state.updates.clear()
            self._state.webhook = {}
        return True

    def _m_getwebhookinfo(self, params: dict[str, Any]) -> dict[str, Any]:
        with self._cond:
            webhook = self._state.webhook
            info: dict[str, Any] = {
                "url": webhook.get("url", ""),
                "has_custom_certificate": False,
                "pending_update_count": len(self._state.updates),
            }
            if webhook.get("allowed_updates") is not None:
                info["allowed_updates"] = webhook["allowed_updates"]
            if webhook.get("url"):
                info["max_connections"] = webhook.get("max_connections", 40)
            return info

    def _m_getupdates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        offset = params.get("offset")
        limit = int(params.get("limit") or 100)
        timeout = float(params.get("timeout") or 0)
        deadline = time.monotonic() + timeout
        with self._cond:
            if self._state.webhook.get("url"):
                raise TelegramApiError(
                    409,
                    "Conflict: can't use getUpdates method while webhook is active; "
                    "use deleteWebhook to delete the webhook first",
                )
            if offset is not None:
                self._state.updates = [
                    u for u in self._state.updates if u["update_id"] >= int(offset)
                ]
            while not self._state.updates:
                left = deadline - time.monotonic()
                if left <= 0:
                    return []
                self._cond.wait(left)
            return [dict(u) for u in self._state.updates[:limit]]

    def _m_sendmessage(self, params: dict[str, Any]) -> dict[str, Any]:
        chat_id = self._chat(params)
        text = params.get("text")
        if not isinstance(text, str) or not text.strip():
            raise TelegramApiError(400, "Bad Request: message text is empty")
        if len(text.encode("utf-16-le")) // 2 > MAX_TEXT:
            raise TelegramApiError(400, "Bad Request: message is too long")
        markup = self._check_markup(params.get("reply_markup"))
        return self._store(chat_id, {"text": text}, markup)

    def _m_sendphoto(self, params: dict[str, Any]) -> dict[str, Any]:
        chat_id = self._chat(params)
        if not params.get("photo"):
            raise TelegramApiError(400, "Bad Request: there is no photo in the request")
        photo = [{"file_id": "AgAC-sent", "file_unique_id": "sent", "width": 1, "height": 1}]
        content: dict[str, Any] = {"photo": photo}
        if params.get("caption"):
            content["caption"] = params["caption"]
        return self._store(chat_id, content, self._check_markup(params.get("reply_markup")))

    def _m_sendchataction(self, params: dict[str, Any]) -> bool:
        self._chat(params)
        if not params.get("action"):
            raise TelegramApiError(400, "Bad Request: wrong parameter action in request")
        return True

    def _m_answercallbackquery(self, params: dict[str, Any]) -> bool:
        query_id = str(params.get("callback_query_id") or "")
        with self._cond:
            if query_id not in self._state.callback_ids:
                raise TelegramApiError(
                    400,
                    "Bad Request: query is too old and response timeout expired or query ID "
                    "is invalid",
                )
            self._state.callback_ids.discard(query_id)
        return True

    def _m_editmessagereplymarkup(self, params: dict[str, Any]) -> dict[str, Any]:
        chat_id = self._chat(params)
        message_id = int(params.get("message_id") or 0)
        markup = self._check_markup(params.get("reply_markup"))
        with self._cond:
            stored = self._state.messages.get((chat_id, message_id))
            if stored is None:
                raise TelegramApiError(400, "Bad Request: message to edit not found")
            if stored.get("reply_markup") == markup or (
                not markup and not stored.get("reply_markup")
            ):
                raise TelegramApiError(
                    400,
                    "Bad Request: message is not modified: specified new message content and "
                    "reply markup are exactly the same as a current content and reply markup "
                    "of the message",
                )
            if markup:
                stored["reply_markup"] = markup
            else:
                stored.pop("reply_markup", None)
            stored["edit_date"] = int(time.time())
            return dict(stored)

    # helpers ------------------------------------------------------------------------
    def _chat(self, params: dict[str, Any]) -> int:
        chat_id = params.get("chat_id")
        if chat_id in (None, ""):
            raise TelegramApiError(400, "Bad Request: chat_id is empty")
        try:
            number = int(chat_id)
        except (TypeError, ValueError):
            raise TelegramApiError(400, "Bad Request: chat not found") from None
        params["chat_id"] = number
        with self._cond:
            if number in self._state.blocked:
                raise TelegramApiError(403, "Forbidden: bot was blocked by the user")
        return number

    def _check_markup(self, markup: Any) -> dict[str, Any] | None:
        if markup in (None, "", {}):
            return None
        if not isinstance(markup, dict):
            raise TelegramApiError(
                400, "Bad Request: can't parse reply keyboard markup JSON object"
            )
        for row in markup.get("inline_keyboard") or []:
            for button in row:
                if not button.get("text"):
                    raise TelegramApiError(400, "Bad Request: text buttons are unallowed")
                data = button.get("callback_data")
                if data is not None and not 1 <= len(data.encode()) <= MAX_CALLBACK_DATA:
                    raise TelegramApiError(400, "Bad Request: BUTTON_DATA_INVALID")
        return markup

    def _store(
        self, chat_id: int, content: dict[str, Any], markup: dict[str, Any] | None
    ) -> dict[str, Any]:
        message: dict[str, Any] = {
            "message_id": next(self._message_ids),
            "from": dict(self.bot_user),
            "chat": {"id": chat_id, "type": "private", "first_name": "Test"},
            "date": int(time.time()),
            **content,
        }
        if markup:
            message["reply_markup"] = markup
        with self._cond:
            self._state.messages[(chat_id, message["message_id"])] = message
        return dict(message)

    def iter_texts(self, chat_id: int, since: int = 0) -> Iterator[str]:
        for call in self.sent(chat_id)[since:]:
            if call.text:
                yield call.text


def _coerce(name: str, value: str) -> Any:
    if name in JSON_FIELDS:
        try:
            return json.loads(value)
        except json.JSONDecodeError:
            raise ValueError(f"can't parse {name} JSON object") from None
    if name in INT_FIELDS:
        try:
            return int(value)
        except ValueError:
            return value  # e.g. @channelusername
    if name in BOOL_FIELDS:
        return value.lower() in ("true", "1")
    return value


def _decode(query: str, content_type: str, body: bytes) -> dict[str, Any]:
    params: dict[str, Any] = {
        name: _coerce(name, value) for name, value in urllib.parse.parse_qsl(query)
    }
    kind = content_type.split(";", 1)[0].strip().lower()
    if not body:
        return params
    if kind == "application/json":
        data = json.loads(body)
        if not isinstance(data, dict):
            raise ValueError("JSON object expected")
        params.update(data)
    elif kind == "application/x-www-form-urlencoded":
        for name, value in urllib.parse.parse_qsl(body.decode(), keep_blank_values=True):
            params[name] = _coerce(name, value)
    elif kind == "multipart/form-data":
        message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
            b"Content-Type: " + content_type.encode() + b"\r\n\r\n" + body
        )
        for part in message.iter_parts():
            name = part.get_param("name", header="content-disposition")
            if not name:
                continue
            payload = part.get_payload(decode=True) or b""
            if part.get_filename():
                params[str(name)] = {"filename": part.get_filename(), "size": len(payload)}
            else:
                params[str(name)] = _coerce(str(name), payload.decode())
    return params
