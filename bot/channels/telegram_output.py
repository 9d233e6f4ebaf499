"""The bot's messages to one Telegram chat, with PTB's typed methods."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any, Final

from rasa.core.channels.channel import OutputChannel
from telegram import InlineKeyboardMarkup
from telegram.error import Forbidden, TelegramError

from bot.channels.telegram_bot import TelegramClient
from bot.channels.telegram_payloads import PayloadStore
from bot.channels.telegram_render import CHANNEL, keyboard, text_parts

logger = logging.getLogger(__name__)

ACK_MARK: Final = "✓"
# When a message with buttons has no text (Telegram refuses an empty text).
EMPTY_TEXT: Final = "…"


class TelegramOutput(OutputChannel):  # type: ignore[misc]
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
        try:
            await super().send_response(recipient_id, dict(message))
        except TelegramError as error:
            logger.error("Telegram: could not send to %s: %s", recipient_id, error)

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        await self._send_text(recipient_id, text, None)

    async def send_text_with_buttons(
        self, recipient_id: str, text: str, buttons: list[dict[str, Any]], **kwargs: Any
    ) -> None:
        await self._send_text(recipient_id, text, keyboard(buttons, self.payloads))

    async def send_quick_replies(
        self, recipient_id: str, text: str, quick_replies: list[dict[str, Any]], **kwargs: Any
    ) -> None:
        await self.send_text_with_buttons(recipient_id, text, quick_replies)

    async def send_image_url(self, recipient_id: str, image: str, **kwargs: Any) -> None:
        await self._wait_before_send()
        bot = await self.client.start()
        await bot.send_photo(chat_id=recipient_id, photo=image)

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
        bot = await self.client.start()
        for index, part in enumerate(parts):
            last = index == len(parts) - 1
            try:
                await bot.send_message(
                    chat_id=recipient_id, text=part, reply_markup=markup if last else None
                )
            except Forbidden as error:
                logger.info("Telegram: chat %s cannot be reached (%s)", recipient_id, error)
                return

    async def _wait_before_send(self) -> None:
        # `before_send` bounds its own wait (see telegram_updates.before_first_answer).
        pending, self._before_send = self._before_send, None
        if pending is not None and not pending.done():
            with contextlib.suppress(Exception):
                await asyncio.shield(pending)
