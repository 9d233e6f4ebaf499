"""Long polling with python-telegram-bot's own `Updater` (a laptop without a public address).

`Updater.start_polling` deletes a webhook that is set (PTB's bootstrap), calls getUpdates in a
loop with its own back-off, confirms what it fetched, and queues the updates; this module
only hands each queued update, in order, to `deliver`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

from telegram import Update
from telegram.error import Conflict, TelegramError
from telegram.ext import ExtBot, Updater

logger = logging.getLogger(__name__)
# At shutdown, how long the updates already fetched may take to be handed over.
FEED_DRAIN_S = 5.0


class Polling:
    """PTB's Updater feeding `deliver`, one update at a time."""

    def __init__(
        self,
        bot: ExtBot[Any],
        deliver: Callable[[Update], Awaitable[None]],
        *,
        timeout_s: int,
        allowed_updates: Iterable[str],
    ) -> None:
        self.deliver = deliver
        self.timeout_s = timeout_s
        self.allowed_updates = list(allowed_updates)
        self.queue: asyncio.Queue[object] = asyncio.Queue()
        self.updater = Updater(bot, self.queue)
        self._feeder: asyncio.Task[None] | None = None
        self.last_update_id: int | None = None

    async def start(self) -> None:
        """Start polling; a failure to start (token refused, no network) is logged."""
        try:
            await self.updater.initialize()
            await self.updater.start_polling(
                timeout=self.timeout_s,
                allowed_updates=self.allowed_updates,
                error_callback=self._error,
            )
        except TelegramError as error:
            logger.error("Telegram: long polling could not start: %s", error)
            return
        self._feeder = asyncio.get_running_loop().create_task(self._feed())
        logger.info("Telegram: long polling started")

    @staticmethod
    def _error(error: TelegramError) -> None:
        # Called by the Updater for a failed getUpdates; it backs off and tries again.
        if isinstance(error, Conflict):
            logger.error("Telegram: getUpdates refused (%s): another process polls this bot", error)
        else:
            logger.warning("Telegram: getUpdates failed: %s", error)

    async def _feed(self) -> None:
        while True:
            update = await self.queue.get()
            try:
                if isinstance(update, Update):
                    self.last_update_id = update.update_id
                    await self.deliver(update)
            except Exception:
                logger.exception("Telegram: an update could not be delivered")
            finally:
                self.queue.task_done()

    async def stop(self) -> None:
        """Stop polling (PTB confirms what was fetched), deliver what is queued, stop feeding.

        The Updater is not shut down: that would shut the bot, which the replies still use."""
        if self.updater.running:
            with contextlib.suppress(Exception):
                await self.updater.stop()
        if self._feeder is not None:
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self.queue.join(), FEED_DRAIN_S)
            self._feeder.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._feeder
            self._feeder = None
