# mypy: disallow-subclassing-any=False
"""Telegram channel for the Rasa server, on python-telegram-bot 22.

Registered in credentials.yml by module path (`bot.channels.telegram.TelegramInput`). What
it does better than Rasa's built-in connector (aiogram, no secret token):

- **Webhook** `POST /webhooks/telegram/webhook`: a request without the right
  `X-Telegram-Bot-Api-Secret-Token` is refused (403, constant-time compare) before its body
  is even parsed; malformed JSON gets 400; anything else is answered 200 at once and
  processed in a background task (see `TelegramHandler`).
- **Long polling** (`mode: polling`) for a laptop with a bot token and no public address:
  the Rasa server itself calls getUpdates and feeds the same handler.
- One `telegram.Bot` per server (`base_url` configurable, so tests point it at a fake API),
  initialised in Sanic's server loop; 429 answers retried after `retry_after` (bounded).
- A repeated `update_id` is processed once (`bot.channels.dedup.SeenStore`, durable).
- Choices are inline keyboards. `callback_data` is the payload, or, when the payload is over
  Telegram's 64 bytes, a short token stored durably (`PayloadStore`). A press is answered
  (answerCallbackQuery), its keyboard removed, "✓ <title>" echoed, and the payload goes to
  Rasa as the person's message. A keyboard answers once (a double tap counts once).
- Texts over 4,096 characters are split at sentence boundaries (`splitting.split_text`).
- Photos, voice notes, stickers, documents, locations… get the response
  `utter_media_not_supported`, rendered by the server's NLG in the conversation's language.
- `get_metadata` gives `{"channel": "telegram", "language_hint": "<from.language_code>"}`;
  Rasa stores it in the `session_started_metadata` slot when a session starts.
- `get_output_channel()` builds an output channel without a request, so the bot can speak
  first (`POST /conversations/{chat id}/trigger_intent?output_channel=telegram`, reminders).

Settings: credentials.yml keys, each falling back to an environment variable, then a default
(see `TelegramSettings`). Without a token the channel is off and says so in the log.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import hmac
import json
import logging
import os
import threading
import time
import warnings
from collections.abc import (
    AsyncIterator,
    Awaitable,
    Callable,
    Coroutine,
    Iterable,
    Mapping,
    Sequence,
)
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any, Final

from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.error import (
    BadRequest,
    Conflict,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
    TimedOut,
)
from telegram.request import HTTPXRequest
from telegram.warnings import PTBDeprecationWarning

from bot.channels.dedup import SeenStore, connect
from bot.channels.splitting import split_text
from bot.channels.turns import Turns

logger = logging.getLogger(__name__)
# python-telegram-bot reads its own deprecated `RetryAfter.retry_after` when it builds the
# error (PTB 22.2+); we read the value type-agnostically (`retry_after_seconds`).
warnings.filterwarnings(
    "ignore", message=r".*`retry_after` will be of type", category=PTBDeprecationWarning
)

CHANNEL: Final = "telegram"
SECRET_HEADER: Final = "X-Telegram-Bot-Api-Secret-Token"
DEFAULT_BASE_URL: Final = "https://api.telegram.org/bot"
# Limits of the Bot API: message text (UTF-16 code units), callback_data (bytes).
MAX_TEXT: Final = 4096
MAX_CALLBACK_DATA: Final = 64
# callback_data that stands for a stored payload starts with this (payloads never do:
# a payload that happens to is stored too).
TOKEN_PREFIX: Final = "~"
DEFAULT_ALLOWED_UPDATES: Final = ("message", "callback_query")
# Keys of the metadata given to Rasa with every message (and at session start).
METADATA_CHANNEL: Final = "channel"
METADATA_LANGUAGE: Final = "language_hint"
# Responses the channel renders itself (through the server's NLG, in the catalogues).
MEDIA_RESPONSE: Final = "utter_media_not_supported"
FALLBACK_RESPONSE: Final = "utter_default"
LANGUAGE_SLOT: Final = "language"
# Telegram commands a person can type, and what Rasa receives for them.
DEFAULT_COMMANDS: Final = {
    "start": "/greet",
    "help": "/menu",
    "menu": "/menu",
    "language": "/choose_language",
}
# Fields of a message that make it something other than text (PTB attribute names).
MEDIA_FIELDS: Final = (
    "photo",
    "voice",
    "audio",
    "video",
    "video_note",
    "animation",
    "sticker",
    "document",
    "location",
    "venue",
    "contact",
    "poll",
    "dice",
    "game",
    "story",
    "paid_media",
    "invoice",
)
ACK_MARK: Final = "✓"
# When a message with buttons has no text (Telegram refuses an empty text).
EMPTY_TEXT: Final = "…"
# How often a long payload's row is marked as shown again (it is kept while in use).
PAYLOAD_REFRESH_S = 3600.0
# Inline keyboard layout: short titles share a row.
SHORT_TITLE: Final = 12
ROW_CHARS: Final = 24
ROW_BUTTONS: Final = 3
TYPING_WAIT_S: Final = 1.0


# ---------------------------------------------------------------------------- settings


def _first(*values: Any) -> Any:
    """The first value that is set (not None, not an empty string)."""
    for value in values:
        if value is not None and value != "":
            return value
    return None


def _as_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    return str(value).strip().lower() in ("1", "true", "yes", "on")


def _as_list(value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        return tuple(part.strip() for part in value.split(",") if part.strip())
    return tuple(str(part) for part in value)


@dataclass(frozen=True)
class TelegramSettings:
    """The channel's settings.

    | credentials key | environment | default |
    |---|---|---|
    | `access_token` | `TELEGRAM_BOT_TOKEN` | none: the channel is off |
    | `secret_token` | `TELEGRAM_SECRET_TOKEN` | none: every webhook request refused |
    | `mode` | `TELEGRAM_MODE` | `webhook` (or `polling`) |
    | `base_url` | `TELEGRAM_BASE_URL` | `https://api.telegram.org/bot` |
    | `public_url` | `TELEGRAM_PUBLIC_URL` | none (full webhook URL, for set-webhook) |
    | `data_dir` | `TELEGRAM_DATA_DIR`, `EMILE_DATA_DIR` | `var` |

    Others, credentials only: `allowed_updates`, `poll_timeout`, `max_retries`,
    `max_retry_wait`, `max_concurrency`, `typing`, `private_only`, `commands`.
    """

    access_token: str = ""
    secret_token: str = ""
    mode: str = "webhook"
    base_url: str = DEFAULT_BASE_URL
    public_url: str = ""
    data_dir: Path = Path("var")
    allowed_updates: tuple[str, ...] = DEFAULT_ALLOWED_UPDATES
    poll_timeout_s: int = 30
    max_retries: int = 3
    max_retry_wait_s: float = 60.0
    max_concurrency: int = 32
    drain_timeout_s: float = 10.0
    typing: bool = True
    private_only: bool = True
    commands: Mapping[str, str] = field(default_factory=lambda: dict(DEFAULT_COMMANDS))

    @classmethod
    def from_mapping(
        cls, credentials: Mapping[str, Any] | None, environ: Mapping[str, str] | None = None
    ) -> TelegramSettings:
        """Settings from a credentials.yml section, the environment filling what is missing."""
        given = dict(credentials or {})
        env = os.environ if environ is None else environ
        commands = dict(DEFAULT_COMMANDS)
        commands.update(
            {str(k).lstrip("/").lower(): str(v) for k, v in (given.get("commands") or {}).items()}
        )
        return cls(
            access_token=str(
                _first(given.get("access_token"), given.get("token"), env.get("TELEGRAM_BOT_TOKEN"))
                or ""
            ).strip(),
            secret_token=str(
                _first(given.get("secret_token"), env.get("TELEGRAM_SECRET_TOKEN")) or ""
            ).strip(),
            mode=str(_first(given.get("mode"), env.get("TELEGRAM_MODE")) or "webhook")
            .strip()
            .lower(),
            base_url=str(
                _first(given.get("base_url"), env.get("TELEGRAM_BASE_URL")) or DEFAULT_BASE_URL
            ).strip(),
            public_url=str(
                _first(
                    given.get("public_url"),
                    given.get("webhook_url"),
                    env.get("TELEGRAM_PUBLIC_URL"),
                )
                or ""
            ).strip(),
            data_dir=Path(
                _first(
                    given.get("data_dir"),
                    env.get("TELEGRAM_DATA_DIR"),
                    env.get("EMILE_DATA_DIR"),
                )
                or "var"
            ),
            allowed_updates=_as_list(
                _first(given.get("allowed_updates"), None) or DEFAULT_ALLOWED_UPDATES
            ),
            poll_timeout_s=int(_first(given.get("poll_timeout"), 30)),
            max_retries=int(_first(given.get("max_retries"), 3)),
            max_retry_wait_s=float(_first(given.get("max_retry_wait"), 60.0)),
            max_concurrency=max(1, int(_first(given.get("max_concurrency"), 32))),
            typing=_as_bool(_first(given.get("typing"), True)),
            private_only=_as_bool(_first(given.get("private_only"), True)),
            commands=commands,
        )

    @property
    def enabled(self) -> bool:
        return bool(self.access_token)

    @property
    def base_file_url(self) -> str:
        """The file API beside `base_url` (`…/bot` → `…/file/bot`)."""
        if self.base_url.endswith("/bot"):
            return self.base_url[: -len("/bot")] + "/file/bot"
        return self.base_url.rstrip("/") + "/file/bot"

    @property
    def state_path(self) -> Path:
        """The SQLite file of the de-duplication and payload stores."""
        return self.data_dir / "telegram.db"

    def problems(self) -> list[str]:
        """What is wrong with these settings (empty when all is well)."""
        found: list[str] = []
        if self.mode not in ("webhook", "polling"):
            found.append(f"mode must be 'webhook' or 'polling', not {self.mode!r}")
        if self.secret_token and (
            len(self.secret_token) > 256
            or not all(c.isascii() and (c.isalnum() or c in "_-") for c in self.secret_token)
        ):
            found.append("secret_token: 1-256 characters among A-Z, a-z, 0-9, _ and -")
        if self.mode == "webhook" and not self.secret_token:
            found.append("no secret_token: every webhook request will be refused")
        return found


# ---------------------------------------------------------------------------- stores


class PayloadStore:
    """Button payloads too long for `callback_data`, behind short durable tokens.

    A token is a hash of the payload, so the same payload always gets the same token and a
    row is written once (old buttons keep working after a restart); `created_at` is the last
    time it was shown (refreshed hourly), and bot/retention.py deletes rows not shown for
    EMILE_TELEGRAM_KEYBOARD_DAYS.
    """

    def __init__(self, path: str | Path) -> None:
        self._db = connect(path)
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS telegram_payloads ("
            " token TEXT PRIMARY KEY, payload TEXT NOT NULL, created_at REAL NOT NULL"
            ") WITHOUT ROWID"
        )
        self._lock = threading.Lock()
        # Token -> when this process last wrote it.
        self._known: dict[str, float] = {}

    @staticmethod
    def token_for(payload: str) -> str:
        digest = hashlib.sha256(payload.encode("utf-8")).digest()[:18]
        return TOKEN_PREFIX + base64.urlsafe_b64encode(digest).decode("ascii")

    def callback_data(self, payload: str) -> str:
        """What goes in `callback_data` for a payload: itself if it fits, else a token."""
        if len(payload.encode("utf-8")) <= MAX_CALLBACK_DATA and not payload.startswith(
            TOKEN_PREFIX
        ):
            return payload
        token = self.token_for(payload)
        now = time.time()
        if now - self._known.get(token, 0.0) > PAYLOAD_REFRESH_S:
            with self._lock:
                # Written again if the retention purge deleted it meanwhile.
                self._db.execute(
                    "INSERT INTO telegram_payloads (token, payload, created_at) "
                    "VALUES (?, ?, ?) ON CONFLICT (token) DO UPDATE SET "
                    "created_at = excluded.created_at",
                    (token, payload, now),
                )
                self._known[token] = now
        return token

    def resolve(self, data: str) -> str | None:
        """The payload for `callback_data`; None for a token this store does not know."""
        if not data.startswith(TOKEN_PREFIX):
            return data
        with self._lock:
            row = self._db.execute(
                "SELECT payload FROM telegram_payloads WHERE token = ?", (data,)
            ).fetchone()
        return str(row[0]) if row else None

    def close(self) -> None:
        with self._lock:
            self._db.close()


# ---------------------------------------------------------------------------- rendering


def utf16_len(text: str) -> int:
    """Length as Telegram counts it (UTF-16 code units: an emoji can count 2)."""
    return len(text.encode("utf-16-le")) // 2


def text_parts(text: str) -> list[str]:
    """The messages a text becomes: ≤ 4,096 units each, cut at sentence boundaries."""
    return split_text(text, MAX_TEXT, measure=utf16_len)


def keyboard(
    buttons: Sequence[Mapping[str, Any]], payloads: PayloadStore
) -> InlineKeyboardMarkup | None:
    """An inline keyboard for Rasa buttons: short titles share a row, long ones get their own."""
    made: list[tuple[str, InlineKeyboardButton]] = []
    for button in buttons:
        title = str(button.get("title") or "").strip()
        if not title:
            continue
        url = button.get("url")
        payload = button.get("payload")
        if isinstance(url, str) and url and not payload:
            made.append((title, InlineKeyboardButton(title, url=url)))
        elif isinstance(payload, str) and payload:
            made.append(
                (title, InlineKeyboardButton(title, callback_data=payloads.callback_data(payload)))
            )
        else:
            logger.warning("Telegram: button %r has neither payload nor url; left out", title)
    if not made:
        return None
    rows: list[list[InlineKeyboardButton]] = []
    row: list[InlineKeyboardButton] = []
    width = 0
    for title, item in made:
        size = len(title)
        short = size <= SHORT_TITLE
        if row and (not short or len(row) >= ROW_BUTTONS or width + size > ROW_CHARS):
            rows.append(row)
            row, width = [], 0
        row.append(item)
        width += size
        if not short:
            rows.append(row)
            row, width = [], 0
    if row:
        rows.append(row)
    return InlineKeyboardMarkup(rows)


def metadata_for(update: Update | Mapping[str, Any]) -> dict[str, Any]:
    """Metadata Rasa gets with the person's message: the channel and their app's language."""
    metadata: dict[str, Any] = {METADATA_CHANNEL: CHANNEL}
    code: Any = None
    if isinstance(update, Update):
        user = update.effective_user
        code = user.language_code if user else None
    else:
        for kind in ("message", "callback_query", "edited_message"):
            part = update.get(kind)
            if isinstance(part, Mapping) and isinstance(part.get("from"), Mapping):
                code = part["from"].get("language_code")
                break
    if isinstance(code, str) and code.strip():
        metadata[METADATA_LANGUAGE] = code.strip().lower()
    return metadata


def media_kind(message: Message) -> str | None:
    """What a message carries instead of text (`photo`, `voice`…), or None."""
    for name in MEDIA_FIELDS:
        if getattr(message, name, None):
            return name
    return None


def command_text(text: str, commands: Mapping[str, str]) -> str:
    """What Rasa gets for a typed text: `/start` → `/greet`; other slash text is plain text.

    Typed text never reaches Rasa as an intent payload (payloads come from buttons), so a
    person cannot set slots by typing `/inform{…}`.
    """
    stripped = text.strip()
    if not stripped.startswith("/"):
        return text
    command = stripped[1:].split(maxsplit=1)[0] if len(stripped) > 1 else ""
    command = command.split("@", 1)[0].lower()
    if command in commands:
        return commands[command]
    plain = stripped.lstrip("/").strip()
    return plain or stripped


def retry_after_seconds(error: RetryAfter) -> float:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        value: Any = error.retry_after
    if isinstance(value, timedelta):
        return value.total_seconds()
    return float(value)


# ---------------------------------------------------------------------------- Bot API client

# Loggers that write request URLs, which hold the bot token (`…/bot<token>/sendMessage`).
URL_LOGGERS: Final = ("httpx", "httpcore", "telegram.Bot", "telegram.request")


class RedactToken(logging.Filter):
    """Replaces the bot token by `<bot-token>` in log records (httpx logs every URL)."""

    def __init__(self, token: str) -> None:
        super().__init__()
        self.token = token

    def filter(self, record: logging.LogRecord) -> bool:
        if self.token:
            message = record.getMessage()
            if self.token in message:
                record.msg = message.replace(self.token, "<bot-token>")
                record.args = None
        return True


def redact_token_in_logs(token: str) -> None:
    """Keep the bot token out of the logs of the libraries that log request URLs."""
    for name in URL_LOGGERS:
        target = logging.getLogger(name)
        if not any(isinstance(f, RedactToken) and f.token == token for f in target.filters):
            target.addFilter(RedactToken(token))


class TelegramClient:
    """One `telegram.Bot`, initialised once in the running loop, with bounded retries."""

    def __init__(
        self,
        settings: TelegramSettings,
        *,
        sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep,
    ) -> None:
        self.settings = settings
        redact_token_in_logs(settings.access_token)
        self.bot = Bot(
            settings.access_token,
            base_url=settings.base_url,
            base_file_url=settings.base_file_url,
            request=HTTPXRequest(connection_pool_size=max(8, settings.max_concurrency * 2)),
            get_updates_request=HTTPXRequest(connection_pool_size=1),
        )
        self._sleep = sleep
        self._started = False
        self._start_lock: asyncio.Lock | None = None

    async def start(self) -> None:
        """`bot.initialize()` (checks the token with getMe); failures are logged, not raised."""
        if self._started:
            return
        if self._start_lock is None:
            self._start_lock = asyncio.Lock()
        async with self._start_lock:
            if self._started:
                return
            try:
                await self.bot.initialize()
                logger.info("Telegram: connected as @%s", self.bot.username)
            except InvalidToken:
                logger.error("Telegram: the bot token was rejected (check TELEGRAM_BOT_TOKEN)")
            except TelegramError as error:
                # The HTTP client is ready; getMe is only a check. Sending will retry.
                logger.warning("Telegram: getMe failed at start (%s); continuing", error)
            self._started = True

    async def call(self, method: str, /, **kwargs: Any) -> Any:
        """`bot.<method>(**kwargs)`, retried after a 429 (`retry_after`, bounded) or a
        connection failure (short back-off). Other errors are raised."""
        await self.start()
        attempt = 0
        while True:
            try:
                return await getattr(self.bot, method)(**kwargs)
            except RetryAfter as error:
                wait = retry_after_seconds(error)
                attempt += 1
                if attempt > self.settings.max_retries or wait > self.settings.max_retry_wait_s:
                    logger.error(
                        "Telegram %s: rate limited (retry after %.0f s), giving up after %d tries",
                        method,
                        wait,
                        attempt,
                    )
                    raise
                logger.warning("Telegram %s: 429, retrying in %.1f s", method, wait)
                await self._sleep(wait)
            except (BadRequest, TimedOut, Forbidden, InvalidToken, Conflict):
                # Not retried: a request error, or a timeout after which the request may
                # have gone through (a retry could send a message twice).
                raise
            except NetworkError as error:
                attempt += 1
                if attempt > self.settings.max_retries:
                    raise
                wait = min(0.5 * 2 ** (attempt - 1), 5.0)
                logger.warning("Telegram %s: %s; retrying in %.1f s", method, error, wait)
                await self._sleep(wait)

    async def close(self) -> None:
        with contextlib.suppress(Exception):
            await self.bot.shutdown()
        self._started = False


# ---------------------------------------------------------------------------- output


class TelegramOutput(OutputChannel):
    """Sends the bot's messages to one Telegram chat (the recipient id is the chat id)."""

    @classmethod
    def name(cls) -> str:
        return CHANNEL

    def __init__(
        self,
        client: TelegramClient,
        payloads: PayloadStore,
        *,
        before_send: asyncio.Future[Any] | None = None,
    ) -> None:
        self.client = client
        self.payloads = payloads
        self._before_send = before_send

    async def send_response(self, recipient_id: str, message: dict[str, Any]) -> None:
        """Send one message of the bot; never raises (a failure is logged)."""
        language = message.get(LANGUAGE_SLOT)
        logger.debug("Telegram: message for %s in %s", recipient_id, language or "?")
        try:
            await super().send_response(recipient_id, dict(message))
        except TelegramError as error:
            logger.error("Telegram: could not send to %s: %s", recipient_id, error)

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        await self._send_text(recipient_id, text, None)

    async def send_text_with_buttons(
        self,
        recipient_id: str,
        text: str,
        buttons: list[dict[str, Any]],
        **kwargs: Any,
    ) -> None:
        await self._send_text(recipient_id, text, keyboard(buttons, self.payloads))

    async def send_quick_replies(
        self,
        recipient_id: str,
        text: str,
        quick_replies: list[dict[str, Any]],
        **kwargs: Any,
    ) -> None:
        await self.send_text_with_buttons(recipient_id, text, quick_replies)

    async def send_image_url(self, recipient_id: str, image: str, **kwargs: Any) -> None:
        await self._wait_before_send()
        await self.client.call("send_photo", chat_id=recipient_id, photo=image)

    async def send_attachment(self, recipient_id: str, attachment: Any, **kwargs: Any) -> None:
        if isinstance(attachment, str) and attachment.startswith(("http://", "https://")):
            await self._send_text(recipient_id, attachment, None)
        else:
            logger.warning("Telegram: attachment %r not sent (not a URL)", attachment)

    async def send_custom_json(
        self, recipient_id: str, json_message: dict[str, Any], **kwargs: Any
    ) -> None:
        # JSON is for web widgets; a person on Telegram would read raw JSON.
        logger.debug("Telegram: custom JSON not sent to %s", recipient_id)

    async def send_echo(self, recipient_id: str, title: str) -> None:
        """Acknowledge a pressed button in the chat: "✓ <title>"."""
        await self._send_text(recipient_id, f"{ACK_MARK} {title}", None)

    async def _send_text(
        self, recipient_id: str, text: str | None, markup: InlineKeyboardMarkup | None
    ) -> None:
        parts = text_parts(text or "")
        if not parts:
            if markup is None:
                return
            parts = [EMPTY_TEXT]
        await self._wait_before_send()
        for index, part in enumerate(parts):
            last = index == len(parts) - 1
            try:
                await self.client.call(
                    "send_message",
                    chat_id=recipient_id,
                    text=part,
                    reply_markup=markup if last else None,
                )
            except Forbidden as error:
                logger.info("Telegram: chat %s cannot be reached (%s)", recipient_id, error)
                return

    async def _wait_before_send(self) -> None:
        # `before_send` bounds its own wait (see _before_first_answer).
        pending, self._before_send = self._before_send, None
        if pending is not None and not pending.done():
            with contextlib.suppress(Exception):
                await asyncio.shield(pending)


# ---------------------------------------------------------------------------- handling updates

OnNewMessage = Callable[[UserMessage], Awaitable[Any]]
MediaResponder = Callable[[str, str | None], Awaitable[dict[str, Any] | None]]


class TelegramHandler:
    """Turns updates into messages for Rasa, in order per chat, in background tasks.

    Why background tasks rather than processing inside the webhook request: Telegram waits
    for the webhook's answer and re-posts the update when it is slow, and a Rasa turn with
    actions and API calls can take seconds. So an update is taken in (secret checked,
    de-duplicated by `update_id`), answered 200 at once, then processed: one update at a
    time per chat (a per-chat lock keeps the person's messages in order) and at most
    `max_concurrency` at a time overall. Pending work is drained when the server stops.
    """

    def __init__(
        self,
        settings: TelegramSettings,
        client: TelegramClient,
        seen: SeenStore,
        payloads: PayloadStore,
        on_new_message: OnNewMessage,
        media_responder: MediaResponder | None = None,
    ) -> None:
        self.settings = settings
        self.client = client
        self.seen = seen
        self.payloads = payloads
        self.on_new_message = on_new_message
        self.media_responder = media_responder
        self._tasks: set[asyncio.Task[None]] = set()
        self.turns = Turns(settings.max_concurrency)

    # -- taking updates in

    def accept(self, update: Update) -> bool:
        """Take an update in (once per update_id) and process it in the background."""
        if not self.seen.first_time(CHANNEL, update.update_id):
            logger.info("Telegram: update %s already taken in; ignored", update.update_id)
            return False
        self._spawn(self.process(update))
        return True

    def _spawn(self, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.get_running_loop().create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    @property
    def pending(self) -> int:
        return len(self._tasks)

    async def drain(self, timeout: float | None = None) -> None:
        """Wait for the updates being processed (cancelled after `timeout` seconds)."""
        if not self._tasks:
            return
        _done, not_done = await asyncio.wait(
            set(self._tasks),
            timeout=timeout if timeout is not None else self.settings.drain_timeout_s,
        )
        for task in not_done:
            task.cancel()
        if not_done:
            logger.warning("Telegram: %d updates cancelled at shutdown", len(not_done))

    @contextlib.asynccontextmanager
    async def _turn(self, chat_id: str) -> AsyncIterator[None]:
        # Taken before the update's first await, so tasks take turns in the order updates
        # were accepted (bot/channels/turns.py).
        async with self.turns.take(chat_id).running():
            yield

    # -- processing

    async def process(self, update: Update) -> None:
        """Process one update; never raises."""
        try:
            if update.callback_query is not None:
                await self._callback(update)
            elif update.message is not None:
                await self._message(update, update.message)
            else:
                logger.debug("Telegram: update %s of another kind ignored", update.update_id)
        except asyncio.CancelledError:
            raise
        except Exception:
            logger.exception("Telegram: update %s could not be processed", update.update_id)

    def _private(self, message: Message | None) -> bool:
        if message is None or not self.settings.private_only:
            return True
        return message.chat.type == "private"

    async def _message(self, update: Update, message: Message) -> None:
        if not self._private(message):
            logger.info("Telegram: message from a %s chat ignored", message.chat.type)
            return
        chat_id = str(message.chat.id)
        metadata = metadata_for(update)
        async with self._turn(chat_id):
            if message.text:
                text = command_text(message.text, self.settings.commands)
                await self._to_rasa(update, chat_id, text, metadata)
            elif media_kind(message):
                await self._media(chat_id, metadata, media_kind(message))
            else:
                logger.debug("Telegram: service message in %s ignored", chat_id)

    async def _callback(self, update: Update) -> None:
        query = update.callback_query
        assert query is not None
        message = query.message if isinstance(query.message, Message) else None
        if not self._private(message):
            await self._answer(query.id)
            return
        chat_id = str(message.chat.id if message else query.from_user.id)
        metadata = metadata_for(update)
        data = query.data or ""
        title = _pressed_title(message, data)
        payload = self.payloads.resolve(data) if data else None
        if payload is None:
            # A token from a lost store: the title, as if typed, still means something.
            logger.warning("Telegram: unknown callback data %r; using the title", data)
            payload = title
        first = message is None or self.seen.first_time(
            "telegram-keyboard", f"{chat_id}:{message.message_id}"
        )
        # Answer at once (the person's app shows a spinner until then), and take the
        # keyboard away so that it cannot be pressed twice: started now, not behind the
        # chat's queue. The chat's turn is taken before anything is awaited, so that the
        # press keeps its place among the person's messages.
        answering: list[Awaitable[Any]] = [self._answer(query.id)]
        if first and message is not None and message.reply_markup is not None:
            answering.append(self._remove_keyboard(chat_id, message.message_id))
        acknowledged = asyncio.ensure_future(asyncio.gather(*answering))
        async with self._turn(chat_id):
            if not first or not payload:
                await acknowledged
                if not first:
                    logger.info("Telegram: a second press on one keyboard in %s", chat_id)
                return
            # The echo goes out while Rasa works on the payload (two Bot API round trips
            # fewer before the answer); the answer waits for it, so the chat reads in order.
            echo = None
            if title:
                echo = asyncio.ensure_future(
                    TelegramOutput(self.client, self.payloads).send_echo(chat_id, title)
                )
            await self._to_rasa(update, chat_id, payload, metadata, first=(acknowledged, echo))

    async def _answer(self, query_id: str) -> None:
        try:
            await self.client.call("answer_callback_query", callback_query_id=query_id)
        except TelegramError as error:
            logger.info("Telegram: answerCallbackQuery failed: %s", error)

    async def _remove_keyboard(self, chat_id: str, message_id: int) -> None:
        try:
            await self.client.call(
                "edit_message_reply_markup", chat_id=chat_id, message_id=message_id
            )
        except TelegramError as error:  # e.g. "message is not modified"
            logger.info("Telegram: keyboard not removed: %s", error)

    async def _to_rasa(
        self,
        update: Update,
        chat_id: str,
        text: str,
        metadata: dict[str, Any],
        first: Sequence[asyncio.Future[Any] | None] = (),
    ) -> None:
        """Give Rasa the person's message; `first`: sends that must precede the answer."""
        typing: asyncio.Task[Any] | None = None
        if self.settings.typing:
            typing = asyncio.get_running_loop().create_task(self._typing(chat_id))
        before = asyncio.ensure_future(_before_first_answer(first, typing))
        output = TelegramOutput(self.client, self.payloads, before_send=before)
        message = UserMessage(
            text,
            output,
            chat_id,
            input_channel=CHANNEL,
            message_id=f"telegram-{update.update_id}",
            metadata=metadata,
        )
        try:
            await self.on_new_message(message)
        except asyncio.CancelledError:
            raise
        except Exception:
            logger.exception("Telegram: Rasa failed on a message from %s", chat_id)
        finally:
            # Whatever Rasa said (maybe nothing), the echo and the acknowledgement finish.
            with contextlib.suppress(Exception):
                await before
            if typing is not None and not typing.done():
                typing.cancel()

    async def _typing(self, chat_id: str) -> None:
        try:
            await self.client.call("send_chat_action", chat_id=chat_id, action="typing")
        except TelegramError as error:
            logger.debug("Telegram: sendChatAction failed: %s", error)

    async def _media(self, chat_id: str, metadata: dict[str, Any], kind: str | None) -> None:
        logger.info("Telegram: %s from %s answered with %s", kind, chat_id, MEDIA_RESPONSE)
        if self.media_responder is None:
            logger.error("Telegram: no NLG to render %s", MEDIA_RESPONSE)
            return
        try:
            reply = await self.media_responder(chat_id, metadata.get(METADATA_LANGUAGE))
        except Exception:
            logger.exception("Telegram: %s could not be rendered", MEDIA_RESPONSE)
            return
        if reply:
            await TelegramOutput(self.client, self.payloads).send_response(chat_id, reply)


async def _before_first_answer(
    first: Sequence[asyncio.Future[Any] | None], typing: asyncio.Future[Any] | None
) -> None:
    """Wait for the sends that must come first, then (briefly) for "typing…"."""
    for pending in first:
        if pending is not None:
            with contextlib.suppress(Exception):
                await pending
    if typing is not None:
        with contextlib.suppress(Exception):
            await asyncio.wait_for(asyncio.shield(typing), TYPING_WAIT_S)


def _pressed_title(message: Message | None, data: str) -> str | None:
    """The title of the button whose callback_data is `data`, on the message pressed."""
    if message is None or message.reply_markup is None:
        return None
    for row in message.reply_markup.inline_keyboard:
        for button in row:
            if button.callback_data == data:
                return str(button.text)
    return None


def agent_media_responder(get_agent: Callable[[], Any]) -> MediaResponder:
    """Render `utter_media_not_supported` (else `utter_default`) with the server's NLG, in
    the conversation's language (or the Telegram language hint for a new person)."""

    async def respond(chat_id: str, language_hint: str | None) -> dict[str, Any] | None:
        agent = get_agent()
        if agent is None or getattr(agent, "nlg", None) is None:
            logger.error("Telegram: no agent loaded to render %s", MEDIA_RESPONSE)
            return None
        from rasa.shared.core.trackers import DialogueStateTracker

        tracker = await agent.tracker_store.retrieve(chat_id)
        if tracker is None:
            tracker = DialogueStateTracker(chat_id, agent.domain.slots if agent.domain else [])
        values: dict[str, Any] = {}
        if language_hint and not tracker.get_slot(LANGUAGE_SLOT):
            values[LANGUAGE_SLOT] = language_hint
        for name in (MEDIA_RESPONSE, FALLBACK_RESPONSE):
            message = await agent.nlg.generate(name, tracker, CHANNEL, **values)
            if message:
                if name != MEDIA_RESPONSE:
                    logger.warning("Telegram: the domain has no %s; sent %s", MEDIA_RESPONSE, name)
                return dict(message)
        return None

    return respond


# ---------------------------------------------------------------------------- long polling


class Poller:
    """getUpdates in a loop; each update goes to `deliver`. Errors back off, never stop it."""

    def __init__(
        self,
        client: TelegramClient,
        deliver: Callable[[Update], Awaitable[Any]],
        *,
        timeout_s: int = 30,
        allowed_updates: Iterable[str] = DEFAULT_ALLOWED_UPDATES,
    ) -> None:
        self.client = client
        self.deliver = deliver
        self.timeout_s = timeout_s
        self.allowed_updates = list(allowed_updates)
        self.offset: int | None = None
        self._stopped = False
        self._failures = 0

    def stop(self) -> None:
        self._stopped = True

    async def run(self) -> None:
        await self.client.start()
        logger.info("Telegram: long polling started")
        while not self._stopped:
            await self.poll_once()

    async def poll_once(self) -> int:
        """One getUpdates call and the delivery of what it brought; how many updates."""
        try:
            updates = await self.client.bot.get_updates(
                offset=self.offset, timeout=self.timeout_s, allowed_updates=self.allowed_updates
            )
        except RetryAfter as error:
            await asyncio.sleep(retry_after_seconds(error))
            return 0
        except Conflict as error:
            logger.error(
                "Telegram: getUpdates refused (%s). A webhook is set: remove it with "
                "`python -m bot.channels.telegram_admin delete-webhook`, or another poller runs",
                error,
            )
            await self._back_off(10.0)
            return 0
        except InvalidToken:
            logger.error("Telegram: the bot token was rejected; polling paused")
            await self._back_off(60.0)
            return 0
        except TelegramError as error:
            logger.warning("Telegram: getUpdates failed: %s", error)
            await self._back_off()
            return 0
        self._failures = 0
        for update in updates:
            self.offset = update.update_id + 1
            try:
                await self.deliver(update)
            except Exception:
                logger.exception("Telegram: update %s could not be delivered", update.update_id)
        return len(updates)

    async def _back_off(self, at_least: float = 0.0) -> None:
        self._failures += 1
        await asyncio.sleep(max(at_least, min(30.0, 0.5 * 2 ** min(self._failures, 6))))


# ---------------------------------------------------------------------------- input channel


class TelegramInput(InputChannel):
    """The Rasa input channel: webhook route, polling task, metadata, output channel."""

    @classmethod
    def name(cls) -> str:
        return CHANNEL

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> TelegramInput:
        return cls(TelegramSettings.from_mapping(credentials))

    def __init__(
        self,
        settings: TelegramSettings | None = None,
        *,
        media_responder: MediaResponder | None = None,
    ) -> None:
        self.settings = settings or TelegramSettings.from_mapping(None)
        self._media_responder = media_responder
        self._client: TelegramClient | None = None
        self._seen: SeenStore | None = None
        self._payloads: PayloadStore | None = None
        self._app: Any = None
        self.handler: TelegramHandler | None = None
        self.poller: Poller | None = None
        self._poll_task: asyncio.Task[None] | None = None
        if not self.settings.enabled:
            logger.warning("Telegram channel off: no access_token (TELEGRAM_BOT_TOKEN)")
        for problem in self.settings.problems() if self.settings.enabled else []:
            logger.error("Telegram channel: %s", problem)

    # -- parts, built when first needed

    @property
    def client(self) -> TelegramClient:
        if self._client is None:
            self._client = TelegramClient(self.settings)
        return self._client

    @property
    def seen(self) -> SeenStore:
        if self._seen is None:
            self._seen = SeenStore(self.settings.state_path)
        return self._seen

    @property
    def payloads(self) -> PayloadStore:
        if self._payloads is None:
            self._payloads = PayloadStore(self.settings.state_path)
        return self._payloads

    def handler_for(self, on_new_message: OnNewMessage) -> TelegramHandler:
        responder = self._media_responder or agent_media_responder(self._agent)
        self.handler = TelegramHandler(
            self.settings, self.client, self.seen, self.payloads, on_new_message, responder
        )
        return self.handler

    def _agent(self) -> Any:
        return getattr(getattr(self._app, "ctx", None), "agent", None)

    # -- Rasa's InputChannel interface

    def get_output_channel(self) -> TelegramOutput | None:
        """An output channel that needs no request (trigger_intent, reminders)."""
        if not self.settings.enabled:
            return None
        return TelegramOutput(self.client, self.payloads)

    def get_metadata(self, request: Request) -> dict[str, Any] | None:
        """`{"channel": "telegram", "language_hint": "<language_code>"}` for a webhook request."""
        try:
            data = json.loads(request.body or b"{}")
        except ValueError:
            return None
        return metadata_for(data) if isinstance(data, dict) else None

    def blueprint(self, on_new_message: OnNewMessage) -> Blueprint:
        bp = Blueprint("emile_telegram", __name__)

        async def start(app: Any, _loop: Any) -> None:
            # In Sanic's server loop: the Bot's HTTP client belongs to this loop.
            await self.start(app, on_new_message)

        async def start_polling(_app: Any, _loop: Any) -> None:
            self.start_polling()

        async def stop(_app: Any, _loop: Any) -> None:
            await self.stop()

        async def health(_: Request) -> HTTPResponse:
            state = "ok" if self.settings.enabled else "off"
            return response.json({"status": state, "mode": self.settings.mode})

        async def webhook(request: Request) -> HTTPResponse:
            if self.handler is None:
                self.handler_for(on_new_message)
            status, body = await self.receive(request.headers.get(SECRET_HEADER), request.body)
            return response.json(body, status=status)

        bp.listener(start, "before_server_start")
        bp.listener(start_polling, "after_server_start")
        bp.listener(stop, "before_server_stop")
        bp.add_route(health, "/", methods=["GET"])
        bp.add_route(webhook, "/webhook", methods=["POST"])
        return bp

    # -- life cycle (also used by tests without Sanic)

    async def start(self, app: Any, on_new_message: OnNewMessage) -> None:
        """In the server loop: build the Bot and initialise it."""
        self._app = app
        if not self.settings.enabled:
            return
        if self.handler is None:
            self.handler_for(on_new_message)
        await self.client.start()

    def start_polling(self) -> None:
        if not self.settings.enabled or self.settings.mode != "polling" or self.handler is None:
            return
        handler = self.handler

        async def deliver(update: Update) -> None:
            handler.accept(update)

        self.poller = Poller(
            self.client,
            deliver,
            timeout_s=self.settings.poll_timeout_s,
            allowed_updates=self.settings.allowed_updates,
        )
        self._poll_task = asyncio.get_running_loop().create_task(self.poller.run())

    async def stop(self) -> None:
        """Stop polling, finish the updates in progress, close the HTTP client."""
        if self.poller is not None:
            self.poller.stop()
        if self._poll_task is not None:
            self._poll_task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._poll_task
            self._poll_task = None
        if self.handler is not None:
            await self.handler.drain()
        if self._client is not None:
            await self._client.close()

    # -- the webhook

    async def receive(self, secret: str | None, body: bytes | None) -> tuple[int, dict[str, Any]]:
        """What the webhook answers to a POST, and the processing it starts."""
        if not self.settings.enabled or self.handler is None:
            return 503, {"ok": False, "error": "the Telegram channel is not configured"}
        if not self._secret_ok(secret):
            return 403, {"ok": False, "error": "forbidden"}
        try:
            data = json.loads(body or b"")
        except ValueError:
            return 400, {"ok": False, "error": "the body is not JSON"}
        if not isinstance(data, dict) or not isinstance(data.get("update_id"), int):
            return 400, {"ok": False, "error": "not a Telegram update"}
        try:
            update = Update.de_json(data, self.client.bot)
        except Exception:
            # Valid JSON from Telegram that this library cannot read: acknowledged, or
            # Telegram would re-post it again and again.
            logger.exception("Telegram: update %s could not be read", data["update_id"])
            return 200, {"ok": True}
        self.handler.accept(update)
        return 200, {"ok": True}

    def _secret_ok(self, given: str | None) -> bool:
        expected = self.settings.secret_token
        if not expected or given is None:
            return False
        return hmac.compare_digest(given.encode("utf-8"), expected.encode("utf-8"))
