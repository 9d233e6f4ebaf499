"""Sending SMS through Twilio's Messages resource with twilio's asyncio client."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any, Final

import aiohttp
from twilio.base.exceptions import TwilioRestException
from twilio.http.async_http_client import AsyncTwilioHttpClient
from twilio.rest import Client

from bot.channels.sms_settings import DEFAULT_API_BASE_URL, SmsSettings

logger = logging.getLogger(__name__)

# Answers after which Twilio did not take the message: safe to send it again.
RETRY_STATUSES: Final = frozenset({429, 503})


def mask_phone(phone: str) -> str:
    """A phone number fit for logs: `+33*******78`."""
    if len(phone) <= 5:
        return "*" * len(phone)
    return phone[:3] + "*" * (len(phone) - 5) + phone[-2:]


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
                failure = SmsSendError(str(error.msg), status=error.status, code=as_int(error.code))
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


def as_int(value: object) -> int | None:
    try:
        return int(str(value))
    except (TypeError, ValueError):
        return None
