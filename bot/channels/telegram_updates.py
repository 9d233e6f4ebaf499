"""Telegram updates as deliveries for the channel pipeline: messages, button presses, media."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any, Final

from rasa.core.channels.channel import UserMessage
from telegram import CallbackQuery, Message, Update
from telegram.error import TelegramError

from bot.channels.dedup import SeenStore
from bot.channels.inbox import Inbox
from bot.channels.notices import Notices
from bot.channels.pipeline import Delivery, Pipeline
from bot.channels.processed import in_conversation
from bot.channels.telegram_bot import TelegramClient
from bot.channels.telegram_output import TelegramOutput
from bot.channels.telegram_payloads import PayloadStore
from bot.channels.telegram_render import (
    CHANNEL,
    METADATA_LANGUAGE,
    command_text,
    media_kind,
    metadata_for,
    pressed_title,
)
from bot.channels.telegram_settings import TelegramSettings

logger = logging.getLogger(__name__)

# Responses the channel renders itself (through the server's NLG, in the catalogues).
MEDIA_RESPONSES: Final = ("utter_media_not_supported", "utter_default")
# The seen-store channel of keyboards already pressed (a keyboard answers once).
KEYBOARD_SEEN: Final = "telegram-keyboard"
TYPING_WAIT_S: Final = 1.0

OnNewMessage = Callable[[UserMessage], Awaitable[Any]]


class TelegramUpdates:
    """What the Telegram adapter does with an update once the webhook or polling has it."""

    def __init__(
        self,
        settings: TelegramSettings,
        client: TelegramClient,
        payloads: Callable[[], PayloadStore],
        seen: Callable[[], SeenStore],
        on_new_message: OnNewMessage,
        notices: Notices,
        *,
        inbox: Callable[[], Inbox],
        agent: Callable[[], Any] = lambda: None,
    ) -> None:
        self.settings = settings
        self.client = client
        self._payloads = payloads
        # Keyboards already pressed (a keyboard answers once); deliveries are in the inbox.
        self._seen = seen
        self.on_new_message = on_new_message
        self.notices = notices
        self._agent = agent
        self.pipeline = Pipeline(
            CHANNEL,
            inbox,
            self.rebuild,
            inbox_settings=settings.inbox,
            processed=self._processed,
            max_concurrency=settings.max_concurrency,
            drain_timeout_s=settings.drain_timeout_s,
        )
        self.last_keyboard_check: asyncio.Future[bool] | None = None

    async def accept(self, update: Update) -> bool:
        """Write the update down and start it (its person's turn is taken before anything is
        awaited); False for another kind of update or a duplicate; InboxUnavailable when it
        could not be written down."""
        delivery = self._delivery(update)
        if delivery is None:
            logger.debug("Telegram: update %s of another kind ignored", update.update_id)
            return False
        return await self.pipeline.receive(delivery)

    def rebuild(self, record: Mapping[str, Any]) -> Delivery | None:
        """An update written down by any server, as a delivery (a takeover)."""
        delivery = self._delivery(Update.de_json(dict(record["update"]), self.client.bot))
        if isinstance(delivery, PressDelivery):
            # The dead server made this press's keyboard check (in `seen`), and its answer
            # died with it: the press counts. (A second press on the same keyboard, taken
            # over with it unfinished, would count too: rare enough.)
            delivery.checked = True
        return delivery

    async def _processed(self, delivery: Delivery) -> bool:
        if not isinstance(delivery, MessageDelivery | PressDelivery):
            return False
        message_id = f"telegram-{delivery.update.update_id}"
        return await in_conversation(self._agent(), delivery.person, message_id)

    async def drain(self, timeout: float | None = None) -> int:
        """Finish the updates in progress (cancelled after `timeout`, default the setting)."""
        return await self.pipeline.drain(timeout)

    def _delivery(self, update: Update) -> Delivery | None:
        if update.callback_query is not None:
            return PressDelivery(self, update, update.callback_query)
        if update.message is not None:
            return MessageDelivery(self, update, update.message)
        return None

    def private(self, message: Message | None) -> bool:
        """Whether the bot answers in this chat (private chats only, unless configured)."""
        if message is None or not self.settings.private_only:
            return True
        return message.chat.type == "private"

    def output(self, before_send: asyncio.Future[Any] | None = None) -> TelegramOutput:
        return TelegramOutput(self.client, self._payloads(), before_send=before_send)

    async def to_rasa(
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
        before = asyncio.ensure_future(before_first_answer(first, typing))
        message = UserMessage(
            text,
            self.output(before),
            chat_id,
            input_channel=CHANNEL,
            message_id=f"telegram-{update.update_id}",  # as `_processed` looks for it
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

    async def notice(self, chat_id: str, language_hint: str | None, kind: str | None) -> None:
        """The polite answer to a photo, a voice note…: a notice in the person's language."""
        logger.info("Telegram: %s from %s answered with %s", kind, chat_id, MEDIA_RESPONSES[0])
        try:
            reply = await self.notices(chat_id, MEDIA_RESPONSES, language_hint)
        except Exception:
            logger.exception("Telegram: %s could not be rendered", MEDIA_RESPONSES[0])
            return
        if reply:
            await self.output().send_response(chat_id, reply)

    async def answer(self, query_id: str) -> None:
        try:
            bot = await self.client.start()
            await bot.answer_callback_query(callback_query_id=query_id)
        except TelegramError as error:
            logger.info("Telegram: answerCallbackQuery failed: %s", error)

    async def remove_keyboard(self, chat_id: str, message_id: int) -> None:
        try:
            bot = await self.client.start()
            await bot.edit_message_reply_markup(chat_id=chat_id, message_id=message_id)
        except TelegramError as error:  # e.g. "message is not modified"
            logger.info("Telegram: keyboard not removed: %s", error)

    async def _typing(self, chat_id: str) -> None:
        try:
            bot = await self.client.start()
            await bot.send_chat_action(chat_id=chat_id, action="typing")
        except TelegramError as error:
            logger.debug("Telegram: sendChatAction failed: %s", error)


class MessageDelivery:
    """A typed message, a command, or media."""

    def __init__(self, updates: TelegramUpdates, update: Update, message: Message) -> None:
        self.updates = updates
        self.update = update
        self.message = message
        self.person = str(message.chat.id)
        self.key: str | None = str(update.update_id)

    def record(self) -> dict[str, Any]:
        """The update, to rebuild it on another server."""
        return {"update": self.update.to_dict()}

    def at_once(self) -> None:
        """Nothing to do before the person's turn."""

    async def in_turn(self) -> None:
        updates, message = self.updates, self.message
        if not updates.private(message):
            logger.info("Telegram: message from a %s chat ignored", message.chat.type)
            return
        metadata = metadata_for(self.update)
        if message.text:
            text = command_text(message.text, updates.settings.commands)
            await updates.to_rasa(self.update, self.person, text, metadata)
        elif kind := media_kind(message):
            await updates.notice(self.person, metadata.get(METADATA_LANGUAGE), kind)
        else:
            logger.debug("Telegram: service message in %s ignored", self.person)


class PressDelivery:
    """A press on an inline keyboard: answered and the keyboard taken away at once, the
    payload given to Rasa in the person's turn (a keyboard answers once)."""

    def __init__(self, updates: TelegramUpdates, update: Update, query: CallbackQuery) -> None:
        self.updates = updates
        self.update = update
        self.query = query
        self.message = query.message if isinstance(query.message, Message) else None
        chat = self.message.chat.id if self.message else query.from_user.id
        self.person = str(chat)
        self.key: str | None = str(update.update_id)
        self._first: asyncio.Future[bool] | None = None
        self._acknowledged: asyncio.Future[Any] | None = None
        # Taken over from a server that died: its keyboard check was made there.
        self.checked = False

    def record(self) -> dict[str, Any]:
        """The update, to rebuild it on another server."""
        return {"update": self.update.to_dict()}

    def at_once(self) -> None:
        # The person's app shows a spinner until the press is answered, and the keyboard
        # could be pressed twice while it stays: both start now, not behind the queue.
        # Keyboard checks run one after the other, in delivery order: of two taps on one
        # keyboard, the first delivered is the one that counts.
        before = self.updates.last_keyboard_check
        spawn = self.updates.pipeline.spawn
        self._first = spawn(self._first_press(before))
        self.updates.last_keyboard_check = self._first
        self._acknowledged = spawn(self._acknowledge(self._first))

    async def _first_press(self, before: asyncio.Future[bool] | None) -> bool:
        if before is not None:
            with contextlib.suppress(Exception):
                await asyncio.shield(before)
        if self.checked or self.message is None or not self.updates.private(self.message):
            return True
        return await self.updates._seen().afirst_time(
            KEYBOARD_SEEN, f"{self.person}:{self.message.message_id}"
        )

    async def _acknowledge(self, first: asyncio.Future[bool]) -> None:
        answering = [self.updates.answer(self.query.id)]
        message = self.message
        if (
            await first
            and message is not None
            and message.reply_markup is not None
            and self.updates.private(message)
        ):
            answering.append(self.updates.remove_keyboard(self.person, message.message_id))
        await asyncio.gather(*answering)

    async def in_turn(self) -> None:
        assert self._first is not None and self._acknowledged is not None
        updates, message = self.updates, self.message
        if not updates.private(message):
            await self._acknowledged
            return
        data = self.query.data or ""
        title = pressed_title(message, data)
        payload = updates._payloads().resolve(data) if data else None
        if payload is None:
            # A token from a lost store: the title, as if typed, still means something.
            logger.warning("Telegram: unknown callback data %r; using the title", data)
            payload = title
        first = await self._first
        if not first or not payload:
            await self._acknowledged
            if not first:
                logger.info("Telegram: a second press on one keyboard in %s", self.person)
            return
        # The echo goes out while Rasa works on the payload (two Bot API round trips fewer
        # before the answer); the answer waits for it, so the chat reads in order.
        echo = (
            asyncio.ensure_future(updates.output().send_echo(self.person, title)) if title else None
        )
        await updates.to_rasa(
            self.update, self.person, payload, metadata_for(self.update), (self._acknowledged, echo)
        )


async def before_first_answer(
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
