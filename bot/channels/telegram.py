# mypy: disallow-subclassing-any=False
"""Telegram channel for the Rasa server, on python-telegram-bot 22: the adapter's input side.

Registered in credentials.yml by module path (`bot.channels.telegram.TelegramInput`). What
it does better than Rasa's built-in connector (aiogram, no secret token):

- **Webhook** `POST /webhooks/telegram/webhook`: a request without the right
  `X-Telegram-Bot-Api-Secret-Token` is refused (403, constant-time compare) before its body
  is even parsed; malformed JSON gets 400; anything else goes through the channel pipeline
  (`bot.channels.pipeline`): the chat's turn, then the durable inbox (also the duplicate
  check on `update_id`); 200 once the update is written down (503 when it could not be, so
  that Telegram delivers it again), then processed with bounded concurrency, taken over by
  another server if this one dies, drained with a timeout at shutdown.
- **Long polling** (`mode: polling`) for a laptop with a bot token and no public address:
  PTB's `Updater` polls and feeds the same pipeline and inbox (`bot.channels.telegram_polling`).
- One `telegram.ext.ExtBot` per server with PTB's `AIORateLimiter` (`telegram_bot`).
- Choices are inline keyboards (`telegram_render`, long payloads in `telegram_payloads`); a
  press is answered, its keyboard removed, "✓ <title>" echoed, and the payload goes to
  Rasa (`telegram_updates`). Media get `utter_media_not_supported` (`bot.channels.notices`).
- `get_metadata` gives `{"channel": "telegram", "language_hint": "<from.language_code>"}`.
- `get_output_channel()` builds an output channel without a request, so the bot can speak
  first (`POST /conversations/{chat id}/trigger_intent?output_channel=telegram`, reminders).

Settings: `bot.channels.telegram_settings.TelegramSettings`. Without a token the channel is
off and says so in the log.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
from typing import Any, Final

from rasa.core.channels.channel import InputChannel
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from telegram import Update

from bot.channels.dedup import SeenStore
from bot.channels.inbox import Inbox
from bot.channels.lifecycle import attach
from bot.channels.notices import Notices, agent_notices
from bot.channels.pipeline import InboxUnavailable
from bot.channels.telegram_bot import TelegramClient
from bot.channels.telegram_output import TelegramOutput
from bot.channels.telegram_payloads import PayloadStore
from bot.channels.telegram_polling import Polling
from bot.channels.telegram_render import CHANNEL, metadata_for
from bot.channels.telegram_settings import TelegramSettings
from bot.channels.telegram_updates import OnNewMessage, TelegramUpdates

logger = logging.getLogger(__name__)

SECRET_HEADER: Final = "X-Telegram-Bot-Api-Secret-Token"
# Polling: the Updater has confirmed what it fetched, so an update that cannot be written
# down is tried again (at most this long apart) rather than dropped.
POLL_RETRY_CAP_S: Final = 10.0


class TelegramInput(InputChannel):
    """The Rasa input channel: webhook route, polling, metadata, output channel."""

    @classmethod
    def name(cls) -> str:
        return CHANNEL

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> TelegramInput:
        return cls(TelegramSettings.from_mapping(credentials))

    def __init__(
        self, settings: TelegramSettings | None = None, *, notices: Notices | None = None
    ) -> None:
        self.settings = settings or TelegramSettings.from_mapping(None)
        self._notices = notices
        self._client: TelegramClient | None = None
        self._seen: SeenStore | None = None
        self._inbox: Inbox | None = None
        self._payloads: PayloadStore | None = None
        self._app: Any = None
        self.handler: TelegramUpdates | None = None
        self.polling: Polling | None = None
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
    def inbox(self) -> Inbox:
        if self._inbox is None:
            self._inbox = Inbox(self.settings.state_path)
        return self._inbox

    @property
    def payloads(self) -> PayloadStore:
        if self._payloads is None:
            self._payloads = PayloadStore(self.settings.state_path)
        return self._payloads

    def handler_for(self, on_new_message: OnNewMessage) -> TelegramUpdates:
        notices = self._notices or agent_notices(self._agent, CHANNEL)
        self.handler = TelegramUpdates(
            self.settings,
            self.client,
            lambda: self.payloads,
            lambda: self.seen,
            on_new_message,
            notices,
            inbox=lambda: self.inbox,
            agent=self._agent,
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
            await self.start(app, on_new_message)

        async def serving(_app: Any, _loop: Any) -> None:
            # The model is loaded: updates of a server that died can be taken over, and
            # polling can feed Rasa.
            if self.handler is not None and self.settings.enabled:
                self.handler.pipeline.start()
            await self.start_polling()

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

        attach(bp, start=start, stop=stop, serving=serving)
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

    async def start_polling(self) -> None:
        """In `mode: polling`, PTB's Updater feeds the pipeline."""
        if not self.settings.enabled or self.settings.mode != "polling" or self.handler is None:
            return
        handler = self.handler

        async def deliver(update: Update) -> None:
            pause = 0.5
            while True:
                try:
                    await handler.accept(update)
                    return
                except InboxUnavailable:
                    # Logged by the pipeline; the next updates wait behind this one (order).
                    await asyncio.sleep(pause)
                    pause = min(pause * 2, POLL_RETRY_CAP_S)

        self.polling = Polling(
            await self.client.start(),
            deliver,
            timeout_s=self.settings.poll_timeout_s,
            allowed_updates=self.settings.allowed_updates,
        )
        await self.polling.start()

    async def stop(self) -> None:
        """Stop polling, finish the updates in progress (with a timeout), close the client."""
        if self.polling is not None:
            await self.polling.stop()
        if self.handler is not None:
            await self.handler.drain()
        if self._client is not None:
            await self._client.close()

    # -- the webhook

    async def receive(self, secret: str | None, body: bytes | None) -> tuple[int, dict[str, Any]]:
        """What the webhook answers to a POST, and the processing it starts (nothing is awaited
        before the update is handed over: its place in the chat's queue is taken now)."""
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
        try:
            await self.handler.accept(update)
        except InboxUnavailable:
            # Not written down: Telegram delivers it again after a non-2xx answer.
            return 503, {"ok": False, "error": "try again later"}
        return 200, {"ok": True}

    def _secret_ok(self, given: str | None) -> bool:
        expected = self.settings.secret_token
        if not expected or given is None:
            return False
        return hmac.compare_digest(given.encode("utf-8"), expected.encode("utf-8"))
