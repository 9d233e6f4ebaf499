"""The one `telegram.ext.ExtBot` of a server: PTB's rate limiter, no token in logs."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import warnings
from collections.abc import Callable, Coroutine
from datetime import timedelta
from typing import Any, Final

from telegram.error import BadRequest, NetworkError, RetryAfter, TelegramError, TimedOut
from telegram.ext import AIORateLimiter, ExtBot
from telegram.request import HTTPXRequest
from telegram.warnings import PTBDeprecationWarning

from bot.channels.telegram_settings import TelegramSettings

logger = logging.getLogger(__name__)
# python-telegram-bot reads its own deprecated `RetryAfter.retry_after` when it builds the
# error (PTB 22.2+); we read the value type-agnostically (`retry_after_seconds`).
warnings.filterwarnings(
    "ignore", message=r".*`retry_after` will be of type", category=PTBDeprecationWarning
)

# Loggers that write request URLs, which hold the bot token (`…/bot<token>/sendMessage`).
URL_LOGGERS: Final = (
    "httpx",
    "httpcore",
    "telegram.Bot",
    "telegram.ext.ExtBot",
    "telegram.request",
)
CONNECT_BACKOFF_S: Final = 0.5
CONNECT_BACKOFF_MAX_S: Final = 5.0

Request = Callable[..., Coroutine[Any, Any, Any]]


class RetryTooLong(TelegramError):
    """Telegram asked to wait longer than `max_retry_wait`: the message is not sent."""


def retry_after_seconds(error: RetryAfter) -> float:
    """`retry_after` in seconds, whether PTB gives an int or a timedelta."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        value: Any = error.retry_after
    if isinstance(value, timedelta):
        return value.total_seconds()
    return float(value)


class BoundedRateLimiter(AIORateLimiter):
    """PTB's `AIORateLimiter` (Telegram's flood limits; a 429 retried after `retry_after`,
    `max_retries` times), with what it lacks for a person waiting for an answer: a 429 asking
    for more than `max_wait_s` is given up at once, and a connection that could not be made
    is tried again after a short back-off (nothing was sent: no message goes twice)."""

    def __init__(
        self,
        *,
        max_retries: int,
        max_wait_s: float,
        max_rate: float = 30,
        sleep: Callable[[float], Coroutine[Any, Any, Any]] = asyncio.sleep,
    ) -> None:
        # `max_rate`: requests per second to chats, all together (Telegram's advice: 30).
        super().__init__(overall_max_rate=max_rate, max_retries=max_retries)
        self.max_wait_s = max_wait_s
        self.connect_retries = max_retries
        self._sleep = sleep

    async def process_request(
        self,
        callback: Request,
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> Any:
        async def bounded(*call_args: Any, **call_kwargs: Any) -> Any:
            attempt = 0
            while True:
                try:
                    return await callback(*call_args, **call_kwargs)
                except RetryAfter as error:
                    wait = retry_after_seconds(error)
                    if wait > self.max_wait_s:
                        logger.error(
                            "Telegram %s: rate limited for %.0f s; not sent", endpoint, wait
                        )
                        raise RetryTooLong(f"retry after {wait:.0f} s") from error
                    raise
                except (BadRequest, TimedOut):
                    # A request error, or a timeout after which the request may have gone
                    # through (a retry could send a message twice).
                    raise
                except NetworkError as error:
                    attempt += 1
                    if attempt > self.connect_retries:
                        raise
                    wait = min(CONNECT_BACKOFF_S * 2 ** (attempt - 1), CONNECT_BACKOFF_MAX_S)
                    logger.warning("Telegram %s: %s; retrying in %.1f s", endpoint, error, wait)
                    await self._sleep(wait)

        return await super().process_request(bounded, args, kwargs, endpoint, data, rate_limit_args)


class RedactToken(logging.Filter):
    """Replaces the bot token by `<bot-token>` in log records (httpx logs every URL)."""

    def __init__(self, token: str) -> None:
        super().__init__()
        self.token = token

    def filter(self, record: logging.LogRecord) -> bool:
        if self.token:
            message = record.getMessage()
            if self.token in message:
                record.msg = message.replace(self.token, "<bot-token>")
                record.args = None
        return True


def redact_token_in_logs(token: str) -> None:
    """Keep the bot token out of the logs of the libraries that log request URLs."""
    for name in URL_LOGGERS:
        target = logging.getLogger(name)
        if not any(isinstance(f, RedactToken) and f.token == token for f in target.filters):
            target.addFilter(RedactToken(token))


class TelegramClient:
    """One `ExtBot`, initialised once in the running loop (lazily: the first call does it)."""

    def __init__(self, settings: TelegramSettings) -> None:
        self.settings = settings
        redact_token_in_logs(settings.access_token)
        self.bot: ExtBot[Any] = ExtBot(
            settings.access_token,
            base_url=settings.base_url,
            base_file_url=settings.base_file_url,
            request=HTTPXRequest(connection_pool_size=max(8, settings.max_concurrency * 2)),
            get_updates_request=HTTPXRequest(connection_pool_size=1),
            rate_limiter=BoundedRateLimiter(
                max_retries=settings.max_retries,
                max_wait_s=settings.max_retry_wait_s,
                max_rate=settings.max_rate,
            ),
        )
        self._started = False
        self._start_lock: asyncio.Lock | None = None

    async def start(self) -> ExtBot[Any]:
        """`bot.initialize()` (getMe checks the token) once; failures are logged, not raised."""
        if self._started:
            return self.bot
        if self._start_lock is None:
            self._start_lock = asyncio.Lock()
        async with self._start_lock:
            if self._started:
                return self.bot
            try:
                await self.bot.initialize()
                logger.info("Telegram: connected as @%s", self.bot.username)
            except TelegramError as error:
                # The HTTP client is ready; getMe is only a check. Sending will tell.
                logger.error(
                    "Telegram: getMe failed at start (%s); check TELEGRAM_BOT_TOKEN", error
                )
            self._started = True
        return self.bot

    async def close(self) -> None:
        with contextlib.suppress(Exception):
            await self.bot.shutdown()
        self._started = False
