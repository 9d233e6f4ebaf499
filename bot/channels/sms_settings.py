"""The SMS channel's settings (credentials.yml, `${VAR}` expanded by Rasa)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

from bot.channels.credentials import environment, first
from bot.channels.inbox import InboxSettings
from bot.channels.optout import KEYWORDS_FILE
from bot.channels.pipeline import DEFAULT_DRAIN_TIMEOUT_S, DEFAULT_MAX_CONCURRENCY
from common.settings import DEFAULT_DATA_DIR, AssistantSettings

DEFAULT_API_BASE_URL: Final = "https://api.twilio.com"
# Twilio accepts bodies up to 1,600 characters: at most 10 GSM-7 segments.
MAX_SEGMENTS_LIMIT: Final = 10


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
    data_dir: Path = DEFAULT_DATA_DIR
    max_segments: int = 2
    timeout_s: float = 10.0
    max_attempts: int = 4
    retry_backoff_s: float = 1.0
    keywords_file: Path = KEYWORDS_FILE
    # Messages handled at once across everyone (each person's one at a time, in order).
    max_concurrency: int = DEFAULT_MAX_CONCURRENCY
    # At shutdown, how long the messages in progress may take before they are cancelled.
    drain_timeout_s: float = DEFAULT_DRAIN_TIMEOUT_S
    # Leases and takeover of the deliveries written down (EMILE_INBOX_*, EMILE_SERVER_NAME).
    inbox: InboxSettings = field(default_factory=InboxSettings)

    @classmethod
    def from_credentials(
        cls, credentials: Mapping[str, Any] | None, assistant: AssistantSettings | None = None
    ) -> SmsSettings:
        """Settings from the channel's section of credentials.yml, over the assistant's
        settings (`assistant`, default: read from the environment)."""
        env = assistant if assistant is not None else environment()
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
        try:
            settings = cls(
                account_sid=str(_setting(creds, "account_sid")),
                auth_token=str(_setting(creds, "auth_token")),
                public_url=public_url,
                from_number=from_number,
                messaging_service_sid=service,
                api_base_url=(
                    # TWILIO_API_BASE_URL: a stand-in Twilio (tests, a sandbox) for
                    # scripts/run.sh's credentials.
                    _setting(creds, "api_base_url")
                    or env.twilio_api_base_url.strip()
                    or DEFAULT_API_BASE_URL
                ).rstrip("/"),
                data_dir=Path(first(creds.get("data_dir"), env.data_dir)).expanduser(),
                max_segments=int(_setting(creds, "max_segments") or 2),
                timeout_s=float(_setting(creds, "timeout_s") or 10.0),
                max_attempts=int(_setting(creds, "max_attempts") or 4),
                retry_backoff_s=float(_setting(creds, "retry_backoff_s") or 1.0),
                keywords_file=Path(_setting(creds, "keywords_file") or KEYWORDS_FILE),
                max_concurrency=max(
                    1, int(_setting(creds, "max_concurrency") or DEFAULT_MAX_CONCURRENCY)
                ),
                drain_timeout_s=float(_setting(creds, "drain_timeout") or DEFAULT_DRAIN_TIMEOUT_S),
                inbox=InboxSettings.from_assistant(env),
            )
        except ValueError as error:
            raise SmsConfigError(f"SMS channel: {error}") from error
        if not 1 <= settings.max_segments <= MAX_SEGMENTS_LIMIT:
            raise SmsConfigError(f"SMS channel: max_segments must be 1 to {MAX_SEGMENTS_LIMIT}")
        if settings.max_attempts < 1:
            raise SmsConfigError("SMS channel: max_attempts must be at least 1")
        return settings
