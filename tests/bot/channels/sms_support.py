"""Helpers for the SMS channel tests: settings, a scripted bot, a request without a server."""

from __future__ import annotations

import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from rasa.core.channels.channel import UserMessage

from bot.channels.sms import TwilioSmsInput
from bot.channels.sms_settings import SmsSettings
from tests.fakes.twilio_api import ACCOUNT_SID, AUTH_TOKEN, FROM_NUMBER, FakeTwilio, sign

PUBLIC_URL = "https://sms.emile.example.org/webhooks/sms/webhook"
PERSON = "+33612345678"

Reply = Callable[[UserMessage], list[dict[str, Any]]]


def settings(fake: FakeTwilio, data_dir: Path, **overrides: Any) -> SmsSettings:
    credentials: dict[str, Any] = {
        "account_sid": ACCOUNT_SID,
        "auth_token": AUTH_TOKEN,
        "from_number": FROM_NUMBER,
        "public_url": PUBLIC_URL,
        "api_base_url": fake.base_url,
        "data_dir": str(data_dir),
        "retry_backoff_s": 0.01,
        **overrides,
    }
    return SmsSettings.from_credentials(credentials)


@dataclass
class ScriptedBot:
    """Stands for Rasa: records what it receives and answers with `reply(message)`."""

    reply: Reply = lambda _message: []
    received: list[UserMessage] = field(default_factory=list)

    @property
    def texts(self) -> list[str]:
        return [m.text or "" for m in self.received]

    async def __call__(self, message: UserMessage) -> None:
        self.received.append(message)
        for answer in self.reply(message):
            await message.output_channel.send_response(message.sender_id, dict(answer))


async def stub_responder(
    sender: str, names: tuple[str, ...], language_hint: str | None = None
) -> dict[str, Any] | None:
    """Stands for the NLG: the first response's name as its text."""
    return {"text": f"<{names[0]}>"}


def fake_request(
    params: dict[str, str],
    *,
    signature: str | None = None,
    signed_url: str = PUBLIC_URL,
    auth_token: str = AUTH_TOKEN,
    query_string: str = "",
    host: str = "127.0.0.1:5005",
) -> Any:
    """What `TwilioSmsInput.handle` reads of a Sanic request, signed as Twilio signs."""
    headers = {"Host": host, "Content-Type": "application/x-www-form-urlencoded"}
    value = sign(signed_url, params, auth_token) if signature is None else signature
    if value:
        headers["X-Twilio-Signature"] = value
    return SimpleNamespace(
        body=urllib.parse.urlencode(params).encode("utf-8"),
        headers=headers,
        query_string=query_string,
        ctx=SimpleNamespace(),
    )


async def deliver(
    channel: TwilioSmsInput, bot: ScriptedBot, params: dict[str, str], **kw: Any
) -> Any:
    """Post one webhook to the channel, wait for its processing; the HTTP answer."""
    answer = await channel.handle(fake_request(params, **kw), bot)
    await channel.drain()
    return answer
