"""Manage the Telegram side of the channel from the command line.

    python -m bot.channels.telegram_admin info
    python -m bot.channels.telegram_admin set-webhook [--url URL] [--drop-pending-updates]
    python -m bot.channels.telegram_admin delete-webhook [--drop-pending-updates]
    python -m bot.channels.telegram_admin poll [--rasa-url http://127.0.0.1:5005]

Settings come from the `bot.channels.telegram.TelegramInput` section of credentials.yml
(`--credentials`), then from the environment (TELEGRAM_BOT_TOKEN, TELEGRAM_SECRET_TOKEN,
TELEGRAM_PUBLIC_URL, TELEGRAM_BASE_URL), as for the Rasa server.

`set-webhook` registers `public_url` (the full public URL of
`/webhooks/telegram/webhook`) with the secret token and the update kinds the channel reads.
`poll` is for a Rasa server that runs in webhook mode on a machine Telegram cannot reach: it
long-polls Telegram and posts each update to that server's webhook, with the secret token,
exactly as Telegram would. (A Rasa server with `mode: polling` polls by itself and needs
none of this.)
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import json
import logging
import os
import re
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import httpx
import yaml
from telegram import Update

from bot.channels.telegram import SECRET_HEADER
from bot.channels.telegram_bot import TelegramClient
from bot.channels.telegram_polling import Polling
from bot.channels.telegram_settings import TelegramSettings

logger = logging.getLogger("bot.channels.telegram_admin")

SECTION = "bot.channels.telegram.TelegramInput"
WEBHOOK_PATH = "/webhooks/telegram/webhook"
_VARIABLE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)")


def _expand(value: Any) -> Any:
    """`${VAR}` replaced by the environment's value, or by nothing when it is not set."""
    if isinstance(value, str):
        return _VARIABLE.sub(lambda m: os.environ.get(m.group(1) or m.group(2), ""), value)
    if isinstance(value, dict):
        return {key: _expand(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_expand(item) for item in value]
    return value


def load_settings(credentials: Path | None) -> TelegramSettings:
    """The channel's settings as the Rasa server would read them."""
    section: dict[str, Any] = {}
    if credentials is not None and credentials.exists():
        data = yaml.safe_load(credentials.read_text(encoding="utf-8")) or {}
        section = _expand(data.get(SECTION) or {})
    return TelegramSettings.from_mapping(section)


async def info(client: TelegramClient) -> dict[str, Any]:
    bot = await client.start()
    me = await bot.get_me()
    webhook = await bot.get_webhook_info()
    return {"bot": me.to_dict(), "webhook": webhook.to_dict()}


async def set_webhook(
    client: TelegramClient,
    settings: TelegramSettings,
    url: str,
    *,
    drop_pending_updates: bool = False,
    max_connections: int | None = None,
) -> bool:
    if not settings.secret_token:
        raise SystemExit("no secret token: set TELEGRAM_SECRET_TOKEN (or secret_token)")
    problems = [p for p in settings.problems() if "secret_token" in p]
    if problems:
        raise SystemExit("; ".join(problems))
    if not url:
        raise SystemExit("no URL: pass --url or set TELEGRAM_PUBLIC_URL (or public_url)")
    if not url.startswith("https://"):
        logger.warning("Telegram only delivers to https:// webhooks; %s is for tests", url)
    bot = await client.start()
    result = await bot.set_webhook(
        url=url,
        secret_token=settings.secret_token,
        allowed_updates=list(settings.allowed_updates),
        drop_pending_updates=drop_pending_updates,
        max_connections=max_connections,
    )
    return bool(result)


async def delete_webhook(client: TelegramClient, *, drop_pending_updates: bool = False) -> bool:
    bot = await client.start()
    return bool(await bot.delete_webhook(drop_pending_updates=drop_pending_updates))


class Relay:
    """Posts updates to a Rasa server's Telegram webhook, as Telegram does; retries until
    the server takes each one (2xx), so an update is never skipped."""

    def __init__(
        self,
        webhook_url: str,
        secret_token: str,
        http: httpx.AsyncClient,
        *,
        max_wait_s: float = 30.0,
    ) -> None:
        self.webhook_url = webhook_url
        self.secret_token = secret_token
        self.http = http
        self.max_wait_s = max_wait_s

    async def __call__(self, update: Update) -> None:
        body = json.dumps(update.to_dict()).encode("utf-8")
        headers = {"Content-Type": "application/json", SECRET_HEADER: self.secret_token}
        wait = 0.5
        while True:
            try:
                answer = await self.http.post(self.webhook_url, content=body, headers=headers)
            except httpx.HTTPError as error:
                logger.warning("Rasa server unreachable (%s); retrying in %.1f s", error, wait)
            else:
                if answer.is_success:
                    return
                if answer.status_code in (400, 403):
                    # Retrying cannot help: a wrong secret, or an update the server refuses.
                    logger.error(
                        "Rasa server refused update %s: %s %s",
                        update.update_id,
                        answer.status_code,
                        answer.text[:200],
                    )
                    return
                logger.warning("Rasa server answered %s; retrying", answer.status_code)
            await asyncio.sleep(wait)
            wait = min(wait * 2, self.max_wait_s)


async def poll(settings: TelegramSettings, rasa_url: str, *, once: bool = False) -> None:
    if not settings.secret_token:
        raise SystemExit("no secret token: set TELEGRAM_SECRET_TOKEN (or secret_token)")
    client = TelegramClient(settings)
    async with httpx.AsyncClient(timeout=60.0) as http:
        relay = Relay(rasa_url.rstrip("/") + WEBHOOK_PATH, settings.secret_token, http)
        try:
            bot = await client.start()
            if once:
                # One short getUpdates, then the confirmation the next call of a poll makes.
                updates = await bot.get_updates(
                    timeout=0, allowed_updates=list(settings.allowed_updates)
                )
                for update in updates:
                    await relay(update)
                if updates:
                    await bot.get_updates(offset=updates[-1].update_id + 1, timeout=0)
                return
            polling = Polling(
                bot,
                relay,
                timeout_s=settings.poll_timeout_s,
                allowed_updates=settings.allowed_updates,
            )
            logger.info("Relaying Telegram updates to %s", relay.webhook_url)
            await polling.start()
            try:
                await asyncio.Event().wait()
            finally:
                await polling.stop()
        finally:
            await client.close()


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bot.channels.telegram_admin", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument(
        "--credentials", type=Path, default=Path("credentials.yml"), help="credentials.yml"
    )
    parser.add_argument("--base-url", help="Bot API base URL (default from the settings)")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("info", help="the bot and its webhook, as Telegram knows them")
    setter = commands.add_parser("set-webhook", help="register the webhook with the secret token")
    setter.add_argument("--url", help="the public webhook URL (default: public_url)")
    setter.add_argument("--drop-pending-updates", action="store_true")
    setter.add_argument("--max-connections", type=int)
    deleter = commands.add_parser("delete-webhook", help="remove the webhook (to poll)")
    deleter.add_argument("--drop-pending-updates", action="store_true")
    poller = commands.add_parser("poll", help="long-poll and post updates to a Rasa server")
    poller.add_argument(
        "--rasa-url", default=os.environ.get("EMILE_RASA_URL", "http://127.0.0.1:5005")
    )
    poller.add_argument("--once", action="store_true", help="one short poll, then exit")
    return parser


async def _run(args: argparse.Namespace) -> int:
    settings = load_settings(args.credentials)
    if args.base_url:
        settings = dataclasses.replace(settings, base_url=args.base_url)
    if not settings.enabled:
        print("no bot token: set TELEGRAM_BOT_TOKEN (or access_token)", file=sys.stderr)
        return 2
    if args.command == "poll":
        with contextlib.suppress(asyncio.CancelledError):
            await poll(settings, args.rasa_url, once=args.once)
        return 0
    client = TelegramClient(settings)
    try:
        if args.command == "info":
            print(json.dumps(await info(client), indent=2, ensure_ascii=False))
        elif args.command == "set-webhook":
            url = args.url or settings.public_url
            await set_webhook(
                client,
                settings,
                url,
                drop_pending_updates=args.drop_pending_updates,
                max_connections=args.max_connections,
            )
            print(f"webhook set: {url}")
        elif args.command == "delete-webhook":
            await delete_webhook(client, drop_pending_updates=args.drop_pending_updates)
            print("webhook deleted")
    finally:
        await client.close()
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)
    args = _parser().parse_args(argv)
    try:
        return asyncio.run(_run(args))
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
