"""Limits on what one caller can ask of the API: body size and request rate (OWASP API4)."""

import json
import math
import time
from dataclasses import dataclass

from limits import RateLimitItem, parse
from limits.storage import MemoryStorage
from limits.strategies import SlidingWindowCounterRateLimiter
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.errors import ApiError


@dataclass
class RequestRateLimiter:
    """A sliding-window limit per API key, kept in this process's memory."""

    item: RateLimitItem | None
    limiter: SlidingWindowCounterRateLimiter

    @classmethod
    def from_setting(cls, setting: str) -> "RequestRateLimiter":
        """`"600/minute"`, or `"off"` for no limit."""
        item = None if setting.strip().lower() in ("", "off", "0") else parse(setting)
        return cls(item, SlidingWindowCounterRateLimiter(MemoryStorage()))

    def check(self, key_id: int | None) -> None:
        """Count one request for this key; 429 with Retry-After when over the limit."""
        if self.item is None or self.limiter.hit(self.item, str(key_id)):
            return
        reset_at = self.limiter.get_window_stats(self.item, str(key_id)).reset_time
        retry_after = max(1, math.ceil(reset_at - time.time()))
        raise ApiError(
            429,
            "rate_limited",
            f"too many requests for this API key (limit {self.item}); try again in {retry_after} s",
            headers={"Retry-After": str(retry_after)},
        )


class BodySizeLimit:
    """413 before a body over `max_bytes` is read whole, whether declared or streamed."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers", [])).get(b"content-length", b"")
        if declared.isdigit() and int(declared) > self.max_bytes:
            await _refuse(send, self.max_bytes)
            return
        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    # An HTTPException goes through the app's handlers (FastAPI re-raises it
                    # from body parsing), so the client gets the usual JSON error.
                    raise HTTPException(413, _too_large(self.max_bytes))
            return message

        await self.app(scope, limited_receive, send)


def _too_large(max_bytes: int) -> str:
    return f"the request body is larger than {max_bytes} bytes"


async def _refuse(send: Send, max_bytes: int) -> None:
    body = json.dumps({"detail": _too_large(max_bytes), "code": "body_too_large"}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
