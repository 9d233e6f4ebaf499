"""Telegram's side of a message: lengths, keyboards, metadata, commands, media kinds."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any, Final

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update

from bot.channels.splitting import split_text
from bot.channels.telegram_payloads import PayloadStore

logger = logging.getLogger(__name__)

CHANNEL: Final = "telegram"
# Limit of the Bot API on a message's text (UTF-16 code units).
MAX_TEXT: Final = 4096
# Keys of the metadata given to Rasa with every message (and at session start).
METADATA_CHANNEL: Final = "channel"
METADATA_LANGUAGE: Final = "language_hint"
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
# Inline keyboard layout: short titles share a row.
SHORT_TITLE: Final = 12
ROW_CHARS: Final = 24
ROW_BUTTONS: Final = 3


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


def pressed_title(message: Message | None, data: str) -> str | None:
    """The title of the button whose callback_data is `data`, on the message pressed."""
    if message is None or message.reply_markup is None:
        return None
    for row in message.reply_markup.inline_keyboard:
        for button in row:
            if button.callback_data == data:
                return str(button.text)
    return None
