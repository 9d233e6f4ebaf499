"""The REST channel, only for those who hold its secret: a Rasa input channel.

Registered in credentials.yml by module path (the URL stays `/webhooks/rest/webhook`):

    bot.channels.rest.AuthenticatedRestInput:
      secret: ${EMILE_REST_SECRET}       # optional: falls back to EMILE_REST_SECRET

A conversation's sender id is whatever the caller says, and an SMS conversation's is the
person's phone number: Rasa's `rest` channel would let anyone who knows a number speak as
that person, hear where their application stands, or erase it. This one answers 401 unless
the request carries `Authorization: Bearer <secret>` (scripts/chat.py sends it, read from
var/rest.secret; scripts/run.sh makes that file). A secret rather than "loopback only":
behind a reverse proxy on the same machine every request comes from loopback.

The input channel is always `rest`: a caller cannot pass its messages off as SMS or
Telegram ones (Rasa's channel takes `input_channel` from the body).
"""

from __future__ import annotations

import os
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, cast

from rasa.core.channels.channel import UserMessage
from rasa.core.channels.rest import RestInput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from actions.shared_secret import MIN_SECRET_LENGTH, bearer_matches

SECRET_VARIABLE = "EMILE_REST_SECRET"


class RestConfigError(ValueError):
    """The REST channel has no usable secret."""


class AuthenticatedRestInput(RestInput):  # type: ignore[misc]
    """Rasa's REST channel behind a shared secret."""

    @classmethod
    def name(cls) -> str:
        return "rest"

    def __init__(self, secret: str) -> None:
        if len(secret) < MIN_SECRET_LENGTH:
            raise RestConfigError(
                f"REST channel: the secret must have at least {MIN_SECRET_LENGTH} characters "
                f"(credentials.yml `secret` or {SECRET_VARIABLE}; scripts/run.sh makes one "
                "in var/rest.secret)"
            )
        self._secret = secret

    @classmethod
    def from_credentials(cls, credentials: Mapping[str, Any] | None) -> AuthenticatedRestInput:
        """The channel from its credentials.yml section, the environment filling the secret."""
        secret = str((credentials or {}).get("secret") or "").strip()
        return cls(secret or os.environ.get(SECRET_VARIABLE, "").strip())

    def _extract_input_channel(self, req: Request) -> str:
        return self.name()

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        """Rasa's REST routes, each refusing a request without the secret."""
        blueprint = super().blueprint(on_new_message)

        # Blueprint middleware applies to this blueprint's routes only (Sanic >= 21).
        @blueprint.middleware("request")  # type: ignore[untyped-decorator]
        async def check(request: Request) -> HTTPResponse | None:
            if bearer_matches(request.headers.get("authorization"), self._secret):
                return None
            return response.json({"error": "missing or wrong REST channel secret"}, status=401)

        return cast(Blueprint, blueprint)
