"""The bot's messages by SMS: packed into few segments, opt-outs honoured, choices numbered."""

from __future__ import annotations

import logging
from typing import Any, Final

from rasa.core.channels.channel import OutputChannel

from bot.channels.choices import ChoiceNumbering, ChoiceStore, render
from bot.channels.gsm import SmsStats, segments, to_sms_friendly
from bot.channels.inbox import Inbox
from bot.channels.optout import Keywords, OptOutStore
from bot.channels.sms_settings import SmsSettings
from bot.channels.splitting import split_text
from bot.channels.twilio_sender import SmsSendError, TwilioSender, mask_phone

logger = logging.getLogger(__name__)

CHANNEL: Final = "sms"
# Twilio error code: "Attempt to send to unsubscribed recipient" (the person sent STOP).
TWILIO_UNSUBSCRIBED: Final = 21610
PART_SEPARATOR: Final = "\n\n"


def plan_sms(texts: list[str], max_segments: int = 2) -> list[str]:
    """The SMS bodies for the bot messages of one turn, in order.

    Each message is made GSM-7-friendly, then split at paragraph, line, sentence, word
    boundaries into parts of at most `max_segments` segments; consecutive parts are joined
    (blank line between them) when that costs no extra segment and stays within the limit,
    so that "Thanks!" and the next question travel as one SMS.
    """
    parts: list[str] = []
    for text in texts:
        friendly = to_sms_friendly(text).strip()
        for piece in split_text(friendly, max_segments, measure=segments):
            if parts:
                joined = parts[-1] + PART_SEPARATOR + piece
                cost = segments(joined)
                if cost <= max_segments and cost <= segments(parts[-1]) + segments(piece):
                    parts[-1] = joined
                    continue
            parts.append(piece)
    return parts


class SmsGateway:
    """What the input and output channels share: settings, durable stores, the sender."""

    def __init__(self, settings: SmsSettings, sender: TwilioSender | None = None) -> None:
        self.settings = settings
        data_dir = settings.data_dir
        data_dir.mkdir(parents=True, exist_ok=True)
        self.inbox = Inbox(data_dir / "sms.db")
        self.opt_outs = OptOutStore(data_dir / "sms.db")
        self.choices = ChoiceStore(data_dir / "sms.db")
        self.keywords = Keywords.load(settings.keywords_file)
        self.sender = sender or TwilioSender(settings)

    async def deliver(self, to: str, texts: list[str]) -> list[str]:
        """Send the messages of one turn as few, short SMS; the SIDs Twilio gave them."""
        if not any(text.strip() for text in texts):
            return []
        parts = plan_sms(texts, self.settings.max_segments)
        if await self.opt_outs.ais_opted_out(to):
            logger.info(
                "sms_suppressed to=%s reason=opted_out parts=%d", mask_phone(to), len(parts)
            )
            return []
        sids: list[str] = []
        for index, part in enumerate(parts, start=1):
            stats = SmsStats.of(part)
            try:
                message = await self.sender.send(to, part)
            except SmsSendError as error:
                logger.error(
                    "sms_failed to=%s part=%d/%d segments=%d encoding=%s chars=%d status=%s "
                    "code=%s error=%s",
                    mask_phone(to),
                    index,
                    len(parts),
                    stats.segments,
                    stats.encoding,
                    stats.chars,
                    error.status,
                    error.code,
                    error,
                )
                if error.code == TWILIO_UNSUBSCRIBED:
                    # Twilio's own STOP list: honour it here too, and send nothing more.
                    await self.opt_outs.aopt_out(to, f"twilio:{TWILIO_UNSUBSCRIBED}")
                    break
                continue
            sid = str(getattr(message, "sid", "") or "")
            sids.append(sid)
            logger.info(
                "sms_sent to=%s part=%d/%d segments=%d encoding=%s chars=%d sid=%s status=%s",
                mask_phone(to),
                index,
                len(parts),
                stats.segments,
                stats.encoding,
                stats.chars,
                sid,
                getattr(message, "status", None),
            )
        return sids

    async def close(self) -> None:
        """Release the HTTP session and the databases."""
        await self.sender.close()
        self.inbox.close()
        self.opt_outs.close()
        self.choices.close()


class SmsOutput(OutputChannel):  # type: ignore[misc]
    """Sends the bot's messages by SMS.

    `buffered=True` (a reply to a webhook) keeps the messages of the turn and sends them on
    `flush()`, packed into as few SMS as cost no extra segment; `buffered=False` (the bot
    speaks first: reminders, `trigger_intent`) sends each message at once.
    """

    @classmethod
    def name(cls) -> str:
        return CHANNEL

    def __init__(
        self, gateway: SmsGateway, *, buffered: bool = False, keep_choices: bool = False
    ) -> None:
        self.gateway = gateway
        self.buffered = buffered
        # A channel notice (after a photo, after START) leaves the question's choices be.
        self.keep_choices = keep_choices
        self.numbering = ChoiceNumbering()
        self._pending: dict[str, list[str]] = {}

    async def send_response(self, recipient_id: str, message: dict[str, Any]) -> None:
        """Render one bot message (text, choices as numbered lines) and send or keep it."""
        choices = message.get("quick_replies") or message.get("buttons") or []
        lines = self.numbering.add(choices if isinstance(choices, list) else [])
        text = message.get("text") if isinstance(message.get("text"), str) else ""
        body = render(text or "", lines)
        # Every message replaces the remembered choices with this turn's (none: cleared).
        if not self.keep_choices:
            await self.gateway.choices.asave(recipient_id, self.numbering)
        for kind in ("image", "attachment", "custom", "elements"):
            if message.get(kind):
                logger.info("sms_skipped kind=%s (not sent by SMS)", kind)
        if not body:
            return
        if self.buffered:
            self._pending.setdefault(recipient_id, []).append(body)
        else:
            await self.gateway.deliver(recipient_id, [body])

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        await self.send_response(recipient_id, {"text": text})

    async def send_text_with_buttons(
        self, recipient_id: str, text: str, buttons: list[dict[str, Any]], **kwargs: Any
    ) -> None:
        await self.send_response(recipient_id, {"text": text, "buttons": buttons})

    async def send_quick_replies(
        self, recipient_id: str, text: str, quick_replies: list[dict[str, Any]], **kwargs: Any
    ) -> None:
        await self.send_response(recipient_id, {"text": text, "quick_replies": quick_replies})

    async def send_image_url(self, recipient_id: str, image: str, **kwargs: Any) -> None:
        logger.info("sms_skipped kind=image (not sent by SMS)")

    async def send_attachment(self, recipient_id: str, attachment: str, **kwargs: Any) -> None:
        logger.info("sms_skipped kind=attachment (not sent by SMS)")

    async def send_custom_json(
        self, recipient_id: str, json_message: dict[str, Any], **kwargs: Any
    ) -> None:
        logger.info("sms_skipped kind=custom (not sent by SMS)")

    async def flush(self) -> None:
        """Send what the turn said."""
        pending, self._pending = self._pending, {}
        for recipient_id, texts in pending.items():
            await self.gateway.deliver(recipient_id, texts)
