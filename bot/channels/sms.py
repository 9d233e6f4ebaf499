"""SMS through Twilio: the adapter's input side (signed webhook) on the channel pipeline.

Registered in credentials.yml by module path:

    bot.channels.sms.TwilioSmsInput:
      account_sid: ${TWILIO_ACCOUNT_SID}
      auth_token: ${TWILIO_AUTH_TOKEN}
      from_number: ${TWILIO_FROM_NUMBER}        # or messaging_service_sid: ${…}
      public_url: ${TWILIO_PUBLIC_URL}          # https://host/webhooks/sms/webhook

What it does better than Rasa's built-in `twilio` connector:
- `X-Twilio-Signature` is checked with twilio's `RequestValidator` against `public_url`
  from the settings, never against Host or X-Forwarded-* headers; a wrong or missing
  signature gets 403 and nothing is processed. The form is parsed with blank values kept
  (Sanic's `request.form` drops them, and Twilio signs `Body=` of a media-only message).
- The message goes through the channel pipeline (`bot.channels.pipeline`): the person's
  turn, then the durable inbox (`bot.channels.inbox`, also the duplicate check on
  `MessageSid`); Twilio gets an empty TwiML answer once the message is written down (a 503
  when it could not be, so that Twilio delivers again), and the message is processed with
  bounded concurrency, taken over by another server if this one dies, drained with a
  timeout at shutdown; the replies go out through twilio's asyncio client
  (`bot.channels.twilio_sender`).
- Buttons become numbered lines; a reply "2" is mapped to the second choice's payload
  (`bot.channels.choices`). Payloads are never shown; a user's text starting with "/"
  cannot inject an intent.
- STOP/ARRET/СТОП… stop every outgoing message to the number until START
  (`bot.channels.optout`); media-only messages get a polite reply; nothing crashes on
  an empty body.
- The replies of one turn are packed into few SMS (`bot.channels.sms_output.plan_sms`).

The notices the channel itself sends (after START, after a photo) are domain responses
(`utter_sms_opt_in`, `utter_media_not_supported`, the same as Telegram's) rendered by the
server's NLG (`bot.channels.notices`); they are not a turn of the conversation, so an open
question and its numbered choices stay as they were.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any, Final
from urllib.parse import parse_qs

from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from twilio.request_validator import RequestValidator

from bot.channels.lifecycle import attach
from bot.channels.notices import Notices, agent_notices
from bot.channels.optout import OPT_IN, OPT_OUT
from bot.channels.pipeline import Delivery, InboxUnavailable, Pipeline
from bot.channels.processed import in_conversation
from bot.channels.sms_output import CHANNEL, SmsGateway, SmsOutput
from bot.channels.sms_settings import SmsSettings
from bot.channels.twilio_sender import as_int, mask_phone

logger = logging.getLogger(__name__)

EMPTY_TWIML: Final = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'
# Notices the channel itself sends, each with a fallback.
MEDIA_RESPONSES: Final = ("utter_media_not_supported", "utter_default")
OPT_IN_RESPONSES: Final = ("utter_sms_opt_in", "utter_greet_back")
# Metadata passed with every message (reaches the `session_started_metadata` slot).
METADATA_CHANNEL: Final = "channel"
METADATA_PHONE: Final = "phone"

OnNewMessage = Callable[[UserMessage], Awaitable[Any]]


@dataclass(frozen=True)
class Inbound:
    """One SMS received from Twilio."""

    sid: str
    sender: str
    body: str
    num_media: int


def parse_form(body: bytes) -> dict[str, list[str]]:
    """A form-encoded body with blank values kept (Twilio signs `Body=` too)."""
    return parse_qs(body.decode("utf-8"), keep_blank_values=True, strict_parsing=False)


def _first(form: Mapping[str, list[str]], key: str) -> str:
    values = form.get(key) or [""]
    return values[0]


class _FormParams(dict):  # type: ignore[type-arg]
    """The form as RequestValidator reads it: every value of a repeated parameter."""

    def getlist(self, key: str) -> list[str]:
        return list(self[key])


class SmsDelivery:
    """One inbound SMS for the pipeline: opt-out keywords, choices and media, then Rasa."""

    def __init__(
        self,
        channel: TwilioSmsInput,
        inbound: Inbound,
        metadata: dict[str, Any],
        on_new_message: OnNewMessage,
    ) -> None:
        self.channel = channel
        self.inbound = inbound
        self.metadata = metadata
        self.on_new_message = on_new_message
        self.person = inbound.sender
        self.key = inbound.sid or None

    def record(self) -> dict[str, Any]:
        """The message and its metadata, to rebuild it on another server."""
        inbound = self.inbound
        return {
            "sid": inbound.sid,
            "from": inbound.sender,
            "body": inbound.body,
            "num_media": inbound.num_media,
            "metadata": self.metadata,
        }

    def at_once(self) -> None:
        """Nothing to do before the person's turn."""

    async def in_turn(self) -> None:
        inbound, phone = self.inbound, self.inbound.sender
        masked = mask_phone(phone)
        gateway = self.channel.gateway
        try:
            body = inbound.body.strip()
            keyword = gateway.keywords.match(body) if body else None
            logger.info(
                "sms_received from=%s sid=%s chars=%d media=%d",
                masked,
                inbound.sid,
                len(body),
                inbound.num_media,
            )
            if keyword == OPT_OUT:
                await gateway.opt_outs.aopt_out(phone, body)
                logger.info("sms_opt_out from=%s", masked)
                return
            if await gateway.opt_outs.ais_opted_out(phone):
                if keyword != OPT_IN:
                    logger.info("sms_dropped from=%s reason=opted_out", masked)
                    return
                await gateway.opt_outs.aopt_in(phone, body)
                logger.info("sms_opt_in from=%s", masked)
                await self.channel.notify(phone, OPT_IN_RESPONSES)
                return
            if not body:
                if inbound.num_media <= 0:
                    logger.info("sms_ignored from=%s reason=empty", masked)
                    return
                await self.channel.notify(phone, MEDIA_RESPONSES)
                return
            payload = await gateway.choices.aresolve(phone, body)
            # Only our own choices may carry an intent payload; typed text may not.
            text = payload if payload is not None else body.lstrip("/").strip()
            if not text:
                logger.info("sms_ignored from=%s reason=empty", masked)
                return
            output = SmsOutput(gateway, buffered=True)
            try:
                await self.on_new_message(
                    UserMessage(
                        text,
                        output,
                        phone,
                        input_channel=CHANNEL,
                        message_id=inbound.sid or None,
                        metadata=self.metadata,
                    )
                )
            finally:
                await output.flush()
        except Exception:
            logger.exception("sms_processing_failed from=%s sid=%s", masked, inbound.sid)


class TwilioSmsInput(InputChannel):  # type: ignore[misc]
    """Twilio SMS webhook: POST {prefix}/webhook (Rasa mounts it at /webhooks/sms/webhook)."""

    @classmethod
    def name(cls) -> str:
        return CHANNEL

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> InputChannel:
        if not credentials:
            cls.raise_missing_credentials_exception()
        return cls(SmsSettings.from_credentials(credentials))

    def __init__(
        self,
        settings: SmsSettings,
        gateway: SmsGateway | None = None,
        notices: Notices | None = None,
    ) -> None:
        self.settings = settings
        self.validator = RequestValidator(settings.auth_token)
        self._gateway = gateway
        self._app: Any = None
        self._on_new_message: OnNewMessage | None = None
        self.notices = notices or agent_notices(self._agent, CHANNEL)
        self.pipeline = Pipeline(
            CHANNEL,
            lambda: self.gateway.inbox,
            self.rebuild,
            inbox_settings=settings.inbox,
            processed=self._processed,
            max_concurrency=settings.max_concurrency,
            drain_timeout_s=settings.drain_timeout_s,
        )

    def rebuild(self, record: Mapping[str, Any]) -> SmsDelivery | None:
        """A message written down by any server, as a delivery (a takeover)."""
        if self._on_new_message is None:
            return None
        inbound = Inbound(
            sid=str(record["sid"]),
            sender=str(record["from"]),
            body=str(record["body"]),
            num_media=int(record["num_media"]),
        )
        return SmsDelivery(self, inbound, dict(record["metadata"]), self._on_new_message)

    async def _processed(self, delivery: Delivery) -> bool:
        if not isinstance(delivery, SmsDelivery):
            return False
        return await in_conversation(self._agent(), delivery.person, delivery.inbound.sid)

    def _agent(self) -> Any:
        return getattr(getattr(self._app, "ctx", None), "agent", None)

    @property
    def gateway(self) -> SmsGateway:
        """Stores and sender, opened on first use (so that building the channel is cheap)."""
        if self._gateway is None:
            self._gateway = SmsGateway(self.settings)
        return self._gateway

    # -- Rasa's InputChannel interface

    def get_output_channel(self) -> OutputChannel:
        """An output channel that needs no request (the bot speaks first)."""
        return SmsOutput(self.gateway, buffered=False)

    def get_metadata(self, request: Request) -> dict[str, Any]:
        """`{"channel": "sms", "phone": <sender, E.164>}` for the conversation."""
        form = self._form(request)
        return {METADATA_CHANNEL: CHANNEL, METADATA_PHONE: _first(form, "From")}

    def blueprint(self, on_new_message: OnNewMessage) -> Blueprint:
        sms_webhook = Blueprint(f"{CHANNEL}_webhook", __name__)

        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        async def webhook(request: Request) -> HTTPResponse:
            return await self.handle(request, on_new_message)

        async def start(app: Any, _loop: Any) -> None:
            self._app = app
            self._on_new_message = on_new_message

        async def serving(_app: Any, _loop: Any) -> None:
            # The model is loaded: messages of a server that died can be taken over.
            self.pipeline.start()

        async def close(_app: Any, _loop: Any) -> None:
            await self.aclose()

        sms_webhook.add_route(health, "/", methods=["GET"])
        sms_webhook.add_route(webhook, "/webhook", methods=["POST"])
        attach(sms_webhook, start=start, stop=close, serving=serving)
        return sms_webhook

    # -- the webhook

    async def handle(self, request: Request, on_new_message: OnNewMessage) -> HTTPResponse:
        """Check the signature, write the message down, answer Twilio; process it after."""
        try:
            form = self._form(request)
        except (UnicodeDecodeError, ValueError):
            return response.text("bad request", status=400)
        if not self.signature_ok(request, form):
            logger.warning("sms_refused reason=signature")
            return response.text("invalid signature", status=403)
        inbound = Inbound(
            sid=_first(form, "MessageSid") or _first(form, "SmsSid"),
            sender=_first(form, "From").strip(),
            body=_first(form, "Body"),
            num_media=as_int(_first(form, "NumMedia")) or 0,
        )
        if not inbound.sender:
            logger.warning("sms_ignored reason=no_sender sid=%s", inbound.sid)
            return _twiml()
        self._app = getattr(request, "app", None) or self._app
        self._on_new_message = self._on_new_message or on_new_message
        delivery = SmsDelivery(self, inbound, self.get_metadata(request), on_new_message)
        try:
            # Nothing is awaited before this: the person's turn is taken in delivery order.
            await self.pipeline.receive(delivery)
        except InboxUnavailable:
            # Not written down: Twilio must deliver it again (webhook retry or fallback URL).
            return response.text("try again", status=503)
        return _twiml()

    def signed_url(self, request: Request) -> str:
        """The URL Twilio signed: the configured public URL (plus the query it called)."""
        url = self.settings.public_url
        if request.query_string and "?" not in url:
            url = f"{url}?{request.query_string}"
        return url

    def signature_ok(self, request: Request, form: dict[str, list[str]]) -> bool:
        signature = request.headers.get("X-Twilio-Signature")
        if not signature:
            return False
        return bool(self.validator.validate(self.signed_url(request), _FormParams(form), signature))

    async def notify(self, phone: str, names: tuple[str, ...]) -> None:
        """Send a channel notice: the first of `names` the domain has, in the person's language.

        Not a turn of the conversation: an open question (and its numbered choices) stays.
        """
        message = await self.notices(phone, names, None)
        if not message:
            logger.error("sms_notice_missing responses=%s", ",".join(names))
            return
        output = SmsOutput(self.gateway, buffered=True, keep_choices=True)
        await output.send_response(phone, dict(message))
        await output.flush()

    async def drain(self, timeout: float | None = None) -> int:
        """Finish the messages in progress (cancelled after `timeout`, default the setting)."""
        return await self.pipeline.drain(timeout)

    async def aclose(self) -> None:
        """Finish the messages in progress, then close the gateway."""
        await self.drain()
        if self._gateway is not None:
            await self._gateway.close()
            self._gateway = None

    def _form(self, request: Request) -> dict[str, list[str]]:
        cached = getattr(request.ctx, "twilio_form", None)
        if cached is None:
            cached = parse_form(request.body or b"")
            request.ctx.twilio_form = cached
        return dict(cached)


def _twiml() -> HTTPResponse:
    return response.text(EMPTY_TWIML, content_type="text/xml")
