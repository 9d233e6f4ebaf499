"""The Telegram channel's settings: credentials.yml keys, then the environment, then defaults."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

from bot.channels.credentials import as_bool, as_list, environment, first, text
from bot.channels.inbox import InboxSettings
from bot.channels.pipeline import DEFAULT_DRAIN_TIMEOUT_S, DEFAULT_MAX_CONCURRENCY
from common.settings import DEFAULT_DATA_DIR, AssistantSettings

DEFAULT_BASE_URL: Final = "https://api.telegram.org/bot"
DEFAULT_ALLOWED_UPDATES: Final = ("message", "callback_query")
# Telegram commands a person can type, and what Rasa receives for them.
DEFAULT_COMMANDS: Final = {
    "start": "/greet",
    "help": "/menu",
    "menu": "/menu",
    "language": "/choose_language",
}


@dataclass(frozen=True)
class TelegramSettings:
    """The channel's settings: a credentials.yml key, else the environment (read by
    `common.settings.AssistantSettings`), else the default.

    | credentials key | environment | default |
    |---|---|---|
    | `access_token` | `TELEGRAM_BOT_TOKEN` | none: the channel is off |
    | `secret_token` | `TELEGRAM_SECRET_TOKEN` | none: every webhook request refused |
    | `mode` | `TELEGRAM_MODE` | `webhook` (or `polling`) |
    | `base_url` | `TELEGRAM_BASE_URL` | `https://api.telegram.org/bot` |
    | `public_url` | `TELEGRAM_PUBLIC_URL` | none (full webhook URL, for set-webhook) |
    | `data_dir` | `TELEGRAM_DATA_DIR`, `EMILE_DATA_DIR` | `var` (the assistant's) |

    Others, credentials only: `allowed_updates`, `poll_timeout`, `max_retries`,
    `max_retry_wait`, `max_rate`, `max_concurrency`, `drain_timeout`, `typing`,
    `private_only`, `commands`.
    """

    access_token: str = ""
    secret_token: str = ""
    mode: str = "webhook"
    base_url: str = DEFAULT_BASE_URL
    public_url: str = ""
    data_dir: Path = DEFAULT_DATA_DIR
    allowed_updates: tuple[str, ...] = DEFAULT_ALLOWED_UPDATES
    poll_timeout_s: int = 30
    max_retries: int = 3
    max_retry_wait_s: float = 60.0
    # Requests per second to chats, all chats together (Telegram's broadcast advice: 30;
    # 0: no limit but Telegram's own 429s). PTB's AIORateLimiter keeps to it.
    max_rate: float = 30.0
    max_concurrency: int = DEFAULT_MAX_CONCURRENCY
    drain_timeout_s: float = DEFAULT_DRAIN_TIMEOUT_S
    # Leases and takeover of the deliveries written down (EMILE_INBOX_*, EMILE_SERVER_NAME).
    inbox: InboxSettings = field(default_factory=InboxSettings)
    typing: bool = True
    private_only: bool = True
    commands: Mapping[str, str] = field(default_factory=lambda: dict(DEFAULT_COMMANDS))

    @classmethod
    def from_mapping(
        cls, credentials: Mapping[str, Any] | None, environ: Mapping[str, str] | None = None
    ) -> TelegramSettings:
        """Settings from a credentials.yml section, the environment filling what is missing."""
        return cls.from_credentials(credentials, environment(environ))

    @classmethod
    def from_credentials(
        cls, credentials: Mapping[str, Any] | None, assistant: AssistantSettings
    ) -> TelegramSettings:
        """Settings from a credentials.yml section over the assistant's settings."""
        given = dict(credentials or {})
        commands = dict(DEFAULT_COMMANDS)
        commands.update(
            {str(k).lstrip("/").lower(): str(v) for k, v in (given.get("commands") or {}).items()}
        )
        return cls(
            access_token=text(
                given.get("access_token"), given.get("token"), assistant.telegram_bot_token
            ),
            secret_token=text(given.get("secret_token"), assistant.telegram_secret_token),
            mode=text(given.get("mode"), assistant.telegram_mode, default="webhook").lower(),
            base_url=text(
                given.get("base_url"), assistant.telegram_base_url, default=DEFAULT_BASE_URL
            ),
            public_url=text(
                given.get("public_url"), given.get("webhook_url"), assistant.telegram_public_url
            ),
            data_dir=Path(
                first(given.get("data_dir"), assistant.telegram_dir, assistant.data_dir)
            ).expanduser(),
            allowed_updates=as_list(first(given.get("allowed_updates")) or DEFAULT_ALLOWED_UPDATES),
            poll_timeout_s=int(first(given.get("poll_timeout"), 30)),
            max_retries=int(first(given.get("max_retries"), 3)),
            max_retry_wait_s=float(first(given.get("max_retry_wait"), 60.0)),
            max_rate=max(0.0, float(first(given.get("max_rate"), 30.0))),
            max_concurrency=max(
                1, int(first(given.get("max_concurrency"), DEFAULT_MAX_CONCURRENCY))
            ),
            drain_timeout_s=float(first(given.get("drain_timeout"), DEFAULT_DRAIN_TIMEOUT_S)),
            inbox=InboxSettings.from_assistant(assistant),
            typing=as_bool(first(given.get("typing"), True)),
            private_only=as_bool(first(given.get("private_only"), True)),
            commands=commands,
        )

    @property
    def enabled(self) -> bool:
        return bool(self.access_token)

    @property
    def base_file_url(self) -> str:
        """The file API beside `base_url` (`…/bot` → `…/file/bot`)."""
        if self.base_url.endswith("/bot"):
            return self.base_url[: -len("/bot")] + "/file/bot"
        return self.base_url.rstrip("/") + "/file/bot"

    @property
    def state_path(self) -> Path:
        """The SQLite file of the de-duplication and payload stores."""
        return self.data_dir / "telegram.db"

    def problems(self) -> list[str]:
        """What is wrong with these settings (empty when all is well)."""
        found: list[str] = []
        if self.mode not in ("webhook", "polling"):
            found.append(f"mode must be 'webhook' or 'polling', not {self.mode!r}")
        if self.secret_token and (
            len(self.secret_token) > 256
            or not all(c.isascii() and (c.isalnum() or c in "_-") for c in self.secret_token)
        ):
            found.append("secret_token: 1-256 characters among A-Z, a-z, 0-9, _ and -")
        if self.mode == "webhook" and not self.secret_token:
            found.append("no secret_token: every webhook request will be refused")
        return found
