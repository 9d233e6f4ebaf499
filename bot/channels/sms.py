"""SMS through Twilio: a Rasa input channel (signed webhook) and output channel (REST API).

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
- Twilio gets an empty TwiML answer at once; the message is processed in a background
  task and the replies go out through the REST API with twilio's asyncio client
  (`AsyncTwilioHttpClient` + `create_async`): nothing blocks the event loop.
- A repeated `MessageSid` is processed once (`bot.channels.dedup.SeenStore`).
- Buttons become numbered lines; a reply "2" is mapped to the second choice's payload
  (`bot.channels.choices`). Payloads are never shown; a user's text starting with "/"
  cannot inject an intent.
- STOP/ARRET/СТОП… stop every outgoing message to the number until START
  (`bot.channels.optout`); media-only messages get a polite reply; nothing crashes on
  an empty body.
- The replies of one turn are converted to GSM-7-friendly characters, packed and split at
  sentence boundaries into SMS of at most `max_segments` segments (2 by default), and the
  encoding and segments of every SMS are logged.

The notices the channel itself sends (after START, after a photo) are domain responses
(`utter_sms_opt_in`, `utter_media_not_supported`, the same as Telegram's) rendered by the
server's NLG in the conversation's language; they are not a turn of the conversation, so
an open question and its numbered choices stay as they were.
"""

from __future__ import annotations

import asyncio
import logging
import os
import re
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import aiohttp
from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from rasa.shared.core.trackers import DialogueStateTracker
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from twilio.base.exceptions import TwilioRestException
from twilio.http.async_http_client import AsyncTwilioHttpClient
from twilio.request_validator import RequestValidator
from twilio.rest import Client

from bot.channels.choices import ChoiceNumbering, ChoiceStore, render
from bot.channels.dedup import SeenStore
from bot.channels.gsm import SmsStats, segments, to_sms_friendly
from bot.channels.optout import KEYWORDS_FILE, OPT_IN, OPT_OUT, Keywords, OptOutStore
from bot.channels.splitting import split_text
from bot.channels.turns import Turn, Turns

logger = logging.getLogger(__name__)

CHANNEL = "sms"
DEFAULT_API_BASE_URL = "https://api.twilio.com"
EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'
# Responses the channel itself sends (rendered by the server's NLG in the conversation's
# language, without a turn of the conversation), each with a fallback.
MEDIA_RESPONSES = ("utter_media_not_supported", "utter_default")
OPT_IN_RESPONSES = ("utter_sms_opt_in", "utter_greet_back")
# Metadata passed with every message (reaches the `session_started_metadata` slot).
METADATA_CHANNEL = "channel"
METADATA_PHONE = "phone"
# Twilio error code: "Attempt to send to unsubscribed recipient" (the person sent STOP).
TWILIO_UNSUBSCRIBED = 21610
# Answers after which Twilio did not take the message: safe to send it again.
RETRY_STATUSES = frozenset({429, 503})
# Twilio accepts bodies up to 1,600 characters: at most 10 GSM-7 segments.
MAX_SEGMENTS_LIMIT = 10
PART_SEPARATOR = "\n\n"


class SmsConfigError(ValueError):
    """The SMS channel's settings are missing or wrong."""


def _setting(credentials: Mapping[str, Any], key: str) -> str | None:
    value = credentials.get(key)
    if value is None:
        return None
    text = str(value).strip()
    return text or None


@dataclass(frozen=True)
class SmsSettings:
    """Settings of the SMS channel (credentials.yml, `${VAR}` expanded by Rasa)."""

    account_sid: str
    auth_token: str
    public_url: str
    from_number: str | None = None
    messaging_service_sid: str | None = None
    api_base_url: str = DEFAULT_API_BASE_URL
    data_dir: Path = Path("var")
    max_segments: int = 2
    timeout_s: float = 10.0
    max_attempts: int = 4
    retry_backoff_s: float = 1.0
    keywords_file: Path = KEYWORDS_FILE
    # Messages handled at once across everyone (each person's one at a time, in order).
    max_concurrency: int = 32

    @classmethod
    def from_credentials(cls, credentials: Mapping[str, Any] | None) -> SmsSettings:
        """Settings from the channel's section of credentials.yml."""
        creds = dict(credentials or {})
        missing = [k for k in ("account_sid", "auth_token", "public_url") if not _setting(creds, k)]
        if missing:
            raise SmsConfigError(f"SMS channel: missing {', '.join(missing)} in credentials")
        if isinstance(creds.get("from_number"), int):
            # YAML reads an unquoted +33757000000 as the integer 33757000000.
            creds["from_number"] = f"+{creds['from_number']}"
        from_number = _setting(creds, "from_number")
        service = _setting(creds, "messaging_service_sid")
        if bool(from_number) == bool(service):
            raise SmsConfigError(
                "SMS channel: set exactly one of from_number and messaging_service_sid"
            )
        public_url = str(_setting(creds, "public_url"))
        if not re.match(r"https?://[^/]+", public_url):
            raise SmsConfigError("SMS channel: public_url must be an absolute http(s) URL")
        data_dir = _setting(creds, "data_dir") or os.environ.get("EMILE_DATA_DIR") or "var"
        try:
            settings = cls(
                account_sid=str(_setting(creds, "account_sid")),
                auth_token=str(_setting(creds, "auth_token")),
                public_url=public_url,
                from_number=from_number,
                messaging_service_sid=service,
                api_base_url=(
                    _setting(creds, "api_base_url")
                    # A stand-in Twilio (tests, a sandbox) for scripts/run.sh's credentials.
                    or os.environ.get("TWILIO_API_BASE_URL", "").strip()
                    or DEFAULT_API_BASE_URL
                ).rstrip("/"),
                data_dir=Path(data_dir),
                max_segments=int(_setting(creds, "max_segments") or 2),
                timeout_s=float(_setting(creds, "timeout_s") or 10.0),
                max_attempts=int(_setting(creds, "max_attempts") or 4),
                retry_backoff_s=float(_setting(creds, "retry_backoff_s") or 1.0),
                keywords_file=Path(_setting(creds, "keywords_file") or KEYWORDS_FILE),
                max_concurrency=max(1, int(_setting(creds, "max_concurrency") or 32)),
            )
        except ValueError as error:
            raise SmsConfigError(f"SMS channel: {error}") from error
        if not 1 <= settings.max_segments <= MAX_SEGMENTS_LIMIT:
            raise SmsConfigError(f"SMS channel: max_segments must be 1 to {MAX_SEGMENTS_LIMIT}")
        if settings.max_attempts < 1:
            raise SmsConfigError("SMS channel: max_attempts must be at least 1")
        return settings


def mask_phone(phone: str) -> str:
    """A phone number fit for logs: `+33*******78`."""
    if len(phone) <= 5:
        return "*" * len(phone)
    return phone[:3] + "*" * (len(phone) - 5) + phone[-2:]


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


class SmsSendError(Exception):
    """Twilio did not take a message."""

    def __init__(self, message: str, status: int | None = None, code: int | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code


class TwilioSender:
    """Sends SMS with twilio's asyncio client (Messages resource, form-encoded POST).

    `api_base_url` replaces `https://api.twilio.com` (a local fake in tests): twilio 8.2
    builds every Messages URL from the `base_url` attribute of the `api` domain
    (`twilio.base.domain.Domain.absolute_url`), so setting `client.api.base_url` points the
    real client, with its real request encoding and response parsing, at another host.
    Edge/region host rewriting (TWILIO_EDGE, TWILIO_REGION) is turned off for such a host.
    """

    def __init__(
        self, settings: SmsSettings, *, sleep: Callable[[float], Awaitable[None]] | None = None
    ) -> None:
        self.settings = settings
        self._sleep = sleep or asyncio.sleep
        self._client: Any = None
        self._http: Any = None
        self._loop: asyncio.AbstractEventLoop | None = None

    def _ensure_client(self) -> Any:
        loop = asyncio.get_running_loop()
        if self._client is not None and self._loop is loop:
            return self._client
        # Built here, not in __init__: aiohttp's session belongs to the running loop.
        self._http = AsyncTwilioHttpClient(timeout=self.settings.timeout_s)
        client = Client(self.settings.account_sid, self.settings.auth_token, http_client=self._http)
        if self.settings.api_base_url != DEFAULT_API_BASE_URL:
            client.api.base_url = self.settings.api_base_url
            client.edge = None
            client.region = None
        self._client, self._loop = client, loop
        return client

    async def send(self, to: str, body: str) -> Any:
        """Create one message; its MessageInstance (`sid`, `status`). SmsSendError if refused."""
        client = self._ensure_client()
        kwargs: dict[str, Any] = {"to": to, "body": body}
        if self.settings.messaging_service_sid:
            kwargs["messaging_service_sid"] = self.settings.messaging_service_sid
        else:
            kwargs["from_"] = self.settings.from_number
        attempt = 0
        while True:
            attempt += 1
            try:
                return await client.api.account.messages.create_async(**kwargs)
            except TwilioRestException as error:
                retry = error.status in RETRY_STATUSES
                failure = SmsSendError(str(error.msg), status=error.status, code=_int(error.code))
            except aiohttp.ClientConnectorError as error:
                # No connection was made: the message was not taken, sending again is safe.
                retry = True
                failure = SmsSendError(f"cannot connect to Twilio: {error}")
            except (aiohttp.ClientError, asyncio.TimeoutError) as error:
                # The request may have reached Twilio: sending again could send it twice.
                raise SmsSendError(f"no answer from Twilio: {error!r}") from error
            if not retry or attempt >= self.settings.max_attempts:
                raise failure
            delay = self.settings.retry_backoff_s * 2 ** (attempt - 1)
            logger.warning(
                "sms_retry to=%s status=%s attempt=%d delay_s=%.2f",
                mask_phone(to),
                failure.status,
                attempt,
                delay,
            )
            await self._sleep(delay)

    async def close(self) -> None:
        """Close the HTTP session."""
        http, self._http, self._client = self._http, None, None
        if http is not None:
            await http.close()


def _int(value: object) -> int | None:
    try:
        return int(str(value))
    except (TypeError, ValueError):
        return None


class SmsGateway:
    """What the input and output channels share: settings, durable stores, the sender."""

    def __init__(self, settings: SmsSettings, sender: TwilioSender | None = None) -> None:
        self.settings = settings
        data_dir = settings.data_dir
        data_dir.mkdir(parents=True, exist_ok=True)
        self.seen = SeenStore(data_dir / "sms.db")
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
        self.seen.close()
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


Responder = Callable[[str, tuple[str, ...]], Awaitable[dict[str, Any] | None]]


def agent_responder(get_agent: Callable[[], Any]) -> Responder:
    """Render the first response of `names` that the domain has, with the Rasa server's NLG,
    for the conversation's tracker (so in its language; French for a new person)."""

    async def respond(sender: str, names: tuple[str, ...]) -> dict[str, Any] | None:
        agent = get_agent()
        if agent is None or getattr(agent, "nlg", None) is None:
            logger.error("sms: no agent loaded to render %s", names[0])
            return None
        tracker = await agent.tracker_store.retrieve(sender)
        if tracker is None:
            slots = agent.domain.slots if getattr(agent, "domain", None) else []
            tracker = DialogueStateTracker(sender, slots)
        for name in names:
            message = await agent.nlg.generate(name, tracker, CHANNEL)
            if message:
                if name != names[0]:
                    logger.warning("sms: the domain has no %s; sent %s", names[0], name)
                return dict(message)
        return None

    return respond


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
        responder: Responder | None = None,
    ) -> None:
        self.settings = settings
        self.validator = RequestValidator(settings.auth_token)
        self._gateway = gateway
        self._app: Any = None
        self.responder = responder or agent_responder(self._agent)
        self._tasks: set[asyncio.Task[None]] = set()
        self.turns = Turns(settings.max_concurrency)

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

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        sms_webhook = Blueprint(f"{CHANNEL}_webhook", __name__)

        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        async def webhook(request: Request) -> HTTPResponse:
            return await self.handle(request, on_new_message)

        async def close(*_: Any) -> None:
            await self.aclose()

        sms_webhook.add_route(health, "/", methods=["GET"])
        sms_webhook.add_route(webhook, "/webhook", methods=["POST"])
        sms_webhook.listener("after_server_stop")(close)
        return sms_webhook

    # -- the webhook

    async def handle(
        self, request: Request, on_new_message: Callable[[UserMessage], Awaitable[Any]]
    ) -> HTTPResponse:
        """Check the signature, take the message in once, answer Twilio at once."""
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
            num_media=_int(_first(form, "NumMedia")) or 0,
        )
        if not inbound.sender:
            logger.warning("sms_ignored reason=no_sender sid=%s", inbound.sid)
            return _twiml()
        self._app = getattr(request, "app", None) or self._app
        metadata = self.get_metadata(request)
        # The person's turn is taken here, before anything is awaited: their messages are
        # handled in the order they reached this server (the duplicate check, which
        # runs in a thread, comes after).
        turn = self.turns.take(inbound.sender)
        task = asyncio.create_task(self.process(inbound, metadata, on_new_message, turn))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
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

    async def process(
        self,
        inbound: Inbound,
        metadata: dict[str, Any],
        on_new_message: Callable[[UserMessage], Awaitable[Any]],
        turn: Turn | None = None,
    ) -> None:
        """In the person's turn: duplicates, opt-out keywords, choices and media first, then
        the conversation; send the replies."""
        async with (turn or self.turns.take(inbound.sender)).running():
            await self._process(inbound, metadata, on_new_message)

    async def _process(
        self,
        inbound: Inbound,
        metadata: dict[str, Any],
        on_new_message: Callable[[UserMessage], Awaitable[Any]],
    ) -> None:
        phone = inbound.sender
        masked = mask_phone(phone)
        gateway = self.gateway
        try:
            if inbound.sid and not await gateway.seen.afirst_time(CHANNEL, inbound.sid):
                logger.info("sms_duplicate sid=%s from=%s", inbound.sid, masked)
                return
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
                await self.notify(phone, OPT_IN_RESPONSES)
                return
            if not body:
                if inbound.num_media <= 0:
                    logger.info("sms_ignored from=%s reason=empty", masked)
                    return
                await self.notify(phone, MEDIA_RESPONSES)
                return
            payload = await gateway.choices.aresolve(phone, body)
            # Only our own choices may carry an intent payload; typed text may not.
            text = payload if payload is not None else body.lstrip("/").strip()
            if not text:
                logger.info("sms_ignored from=%s reason=empty", masked)
                return
            output = SmsOutput(gateway, buffered=True)
            try:
                await on_new_message(
                    UserMessage(
                        text,
                        output,
                        phone,
                        input_channel=CHANNEL,
                        message_id=inbound.sid or None,
                        metadata=metadata,
                    )
                )
            finally:
                await output.flush()
        except Exception:
            logger.exception("sms_processing_failed from=%s sid=%s", masked, inbound.sid)

    async def notify(self, phone: str, names: tuple[str, ...]) -> None:
        """Send a channel notice: the first of `names` the domain has, in the person's language.

        Not a turn of the conversation: an open question (and its numbered choices) stays.
        """
        message = await self.responder(phone, names)
        if not message:
            logger.error("sms_notice_missing responses=%s", ",".join(names))
            return
        output = SmsOutput(self.gateway, buffered=True, keep_choices=True)
        await output.send_response(phone, dict(message))
        await output.flush()

    async def drain(self) -> None:
        """Wait for the messages being processed (tests, shutdown)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

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
