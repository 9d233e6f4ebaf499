"""The assistant side's settings (Rasa server, action server, their commands): one model.

Read from the environment only when `load_assistant_settings()` is called, never at import.
Every variable and its default is in the README's "Settings" table.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Final

from pydantic import BaseSettings, Field, ValidationError, root_validator, validator
from pydantic.env_settings import SettingsSourceCallable
from pydantic.fields import ModelField

from common.paths import PROJECT_ROOT

# The one default data directory of the assistant side, as of the API and scripts/run.sh.
DEFAULT_DATA_DIR: Final = PROJECT_ROOT / "var"
DAY_S: Final = 24 * 3600.0
# The operator API's retention of applications (api/settings.py, EMILE_RETENTION_DAYS): no
# conversation is kept longer than the application it led to.
API_RETENTION_DAYS: Final = 730.0

# Fields that are a number more than 0, and the unit an error message names.
_SECONDS: Final = (
    "api_timeout_s",
    "outbox_backoff_base_s",
    "outbox_backoff_cap_s",
    "outbox_poll_interval_s",
    "purge_every_s",
    "inbox_lease_s",
    "inbox_sweep_s",
)
_DAYS: Final = (
    "outbox_delivered_days",
    "outbox_failing_days",
    "retention_days",
    "conversation_days",
    "applicant_conversation_days",
    "opt_out_days",
    "keyboard_days",
)
_PATHS: Final = ("data_dir", "api_key_file", "outbox_path", "telegram_dir")
# Files placed under data_dir unless their variable says otherwise.
_DATA_FILES: Final = {"api_key_file": "assistant.key", "outbox_path": "outbox.db"}


class SettingsError(ValueError):
    """A setting in the environment cannot be used (the message names the variable)."""


class AssistantSettings(BaseSettings):
    """Settings of the Rasa server, the action server and their commands.

    A field reads `EMILE_<FIELD NAME>` (`api_timeout_s` is EMILE_API_TIMEOUT_S) unless
    `Field(env=...)` names another variable. An empty variable is an unset one.

    How a channel (or any part of the assistant) adds its settings: as fields of this model,
    in a section of their own below, so that every process has one model and one data
    directory.
    - Name the field after its variable without `EMILE_`, or give `Field(env="TWILIO_…")`
      for a provider's variable; a secret takes `repr=False` (never in a log line).
    - A file of its own is `Field(None)` and is placed under `data_dir` by
      `_under_data_dir` (add the field name and the file name to `_DATA_FILES`): then
      EMILE_DATA_DIR moves it with everything else.
    - A positive number goes in `_SECONDS` or `_DAYS`, which gives the error message.
    - A check across fields goes in `_consistent`, its message naming the variables.
    Tests build the model directly (`AssistantSettings(data_dir=tmp_path, …)`): that reads
    no environment at all.
    """

    # Where the assistant's files live: databases, secrets, the API key.
    data_dir: Path = DEFAULT_DATA_DIR

    # ---- the operator API, as the action server calls it
    # Server root; `/api/v1` is added.
    api_url: str = "http://127.0.0.1:8000"
    # Kept out of repr: the key must never reach a log line. Else read from api_key_file.
    api_key: str | None = Field(None, repr=False)
    # None only until validated (then <data_dir>/assistant.key): see `_under_data_dir`.
    api_key_file: Path = Field(None)
    api_timeout_s: float = 5.0

    # ---- the action server's outbox (actions/outbox.py)
    outbox_path: Path = Field(None)  # default <data_dir>/outbox.db
    # Retry delays of the outbox: base * 2**(attempt-1), capped, with jitter.
    outbox_backoff_base_s: float = 2.0
    outbox_backoff_cap_s: float = 300.0
    # How often the worker looks for due deliveries when nobody wakes it.
    outbox_poll_interval_s: float = Field(30.0, env="EMILE_OUTBOX_POLL_S")
    # Retention (docs/personal-data.md): a delivered row (its key and reference; the payload
    # goes at delivery) is deleted after this many days; a row that keeps failing (refused
    # by the API, or never delivered) is reported meanwhile and deleted after this many.
    outbox_delivered_days: float = 30.0
    outbox_failing_days: float = 30.0

    # ---- retention of what the Rasa server keeps (bot/retention.py)
    # The API's retention of applications: the ceiling of the conversations' periods.
    retention_days: float = API_RETENTION_DAYS
    # Conversations that led to no application, counted from their last message.
    conversation_days: float = 90.0
    # Conversations that led to an application (never longer than the API keeps it).
    applicant_conversation_days: float = 365.0
    # An SMS opt-out (STOP): CNIL's reference keeps an objection three years.
    opt_out_days: float = Field(3 * 365.0, env="EMILE_SMS_OPT_OUT_DAYS")
    # Telegram button payloads too long for `callback_data`, from the last time shown.
    keyboard_days: float = Field(30.0, env="EMILE_TELEGRAM_KEYBOARD_DAYS")
    # How often the running servers purge (the first run comes a minute after start-up).
    purge_every_s: float = DAY_S

    # ---- the channels' inbox (bot/channels/inbox.py): deliveries written down before the
    # webhook answers, taken over from a server that died.
    # A row is taken over this long after its server last renewed its lease (every third
    # of it): only a server stopped for two thirds of it loses its rows. As Rasa's
    # conversation lock (TICKET_LOCK_LIFETIME, 60 s), which a takeover waits for anyway.
    inbox_lease_s: float = 60.0
    # How often each server looks for rows to take over (one indexed query per channel).
    inbox_sweep_s: float = 5.0
    # Claims of one delivery before it is given up (and logged): a message that kills its
    # server must not take every server down in turn.
    inbox_max_attempts: int = 3
    # A name that stays across restarts (scripts/run.sh: rasa-<i>): the server then takes
    # back its own unfinished deliveries as soon as it is up. Unique per server; empty: none.
    server_name: str = ""

    # ---- channels: what the environment gives them. A key of the channel's section of
    # credentials.yml comes first (bot/channels/telegram_settings.py, sms_settings.py).
    # The Telegram channel's store, when not in data_dir.
    telegram_dir: Path | None = Field(None, env="TELEGRAM_DATA_DIR")
    # Without a token the Telegram channel is off.
    telegram_bot_token: str = Field("", env="TELEGRAM_BOT_TOKEN", repr=False)
    # Telegram sends it with every webhook request; none: every request is refused.
    telegram_secret_token: str = Field("", env="TELEGRAM_SECRET_TOKEN", repr=False)
    # `webhook` or `polling` (checked by the channel, which says what is wrong).
    telegram_mode: str = Field("webhook", env="TELEGRAM_MODE")
    telegram_base_url: str = Field("https://api.telegram.org/bot", env="TELEGRAM_BASE_URL")
    # The full public URL of the webhook (for `telegram_admin set-webhook`).
    telegram_public_url: str = Field("", env="TELEGRAM_PUBLIC_URL")
    # A stand-in for https://api.twilio.com (tests, a sandbox).
    twilio_api_base_url: str = Field("https://api.twilio.com", env="TWILIO_API_BASE_URL")

    class Config:
        env_prefix = "EMILE_"
        frozen = True

        @classmethod
        def customise_sources(
            cls,
            init_settings: SettingsSourceCallable,
            env_settings: SettingsSourceCallable,
            file_secret_settings: SettingsSourceCallable,
        ) -> tuple[SettingsSourceCallable, ...]:
            # The environment is read by `from_environ` (any mapping, blank = unset), so a
            # model built in a test never picks up the test runner's variables.
            return (init_settings,)

    @classmethod
    def variable(cls, field: str) -> str:
        """The environment variable of a field (upper case, as everywhere in this project)."""
        names: set[str] = cls.__fields__[field].field_info.extra["env_names"]
        return next(iter(names)).upper()

    @classmethod
    def from_environ(cls, environ: Mapping[str, str]) -> AssistantSettings:
        """The settings named in `environ`; SettingsError naming the variable if one is bad."""
        values = {
            name: raw.strip()
            for name in cls.__fields__
            if (raw := environ.get(cls.variable(name), "")).strip()
        }
        try:
            return cls.parse_obj(values)
        except ValidationError as error:
            first = error.errors()[0]
            field = str(first["loc"][0])
            message = str(first["msg"])
            if field in cls.__fields__:
                message = f"{cls.variable(field)} {message}"
            raise SettingsError(message) from None

    @validator(*_SECONDS, *_DAYS, pre=True)
    def _positive(cls, value: Any, field: ModelField) -> float:
        unit = "days" if field.name in _DAYS else "seconds"
        try:
            number = float(value)
        except (TypeError, ValueError):
            raise ValueError(f"must be a number of {unit}, not {value!r}") from None
        if not number > 0:
            raise ValueError(f"must be more than 0, not {value!r}")
        return number

    @validator("inbox_max_attempts")
    def _at_least_one(cls, value: int) -> int:
        if value < 1:
            raise ValueError(f"must be at least 1, not {value}")
        return value

    @validator("server_name")
    def _no_slash(cls, value: str) -> str:
        if "/" in value:
            raise ValueError(f"must not contain '/', not {value!r}")
        return value

    @validator(*_PATHS, pre=True)
    def _expand(cls, value: Any) -> Any:
        return Path(value).expanduser() if isinstance(value, str | Path) else value

    @validator("api_url")
    def _http_url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError(f"must start with http:// or https://, not {value!r}")
        return value.rstrip("/")

    @root_validator(skip_on_failure=True)
    def _under_data_dir(cls, values: dict[str, Any]) -> dict[str, Any]:
        for name, file_name in _DATA_FILES.items():
            if values.get(name) is None:
                values[name] = values["data_dir"] / file_name
        return values

    @root_validator(skip_on_failure=True)
    def _consistent(cls, values: dict[str, Any]) -> dict[str, Any]:
        if values["outbox_backoff_cap_s"] < values["outbox_backoff_base_s"]:
            cap = cls.variable("outbox_backoff_cap_s")
            raise ValueError(f"{cap} must be at least the base delay")
        limit = values["retention_days"]
        for name in ("conversation_days", "applicant_conversation_days"):
            if values[name] > limit:
                raise ValueError(
                    f"{cls.variable(name)}={values[name]:g} is longer than the API keeps"
                    f" applications ({limit:g} days)"
                )
        return values


def _read_key(path: Path) -> str | None:
    try:
        key = path.read_text(encoding="utf-8").strip()
    except OSError:
        # Not fatal: the action server's client says so (actions/api_client.py); territories
        # and workshops answer 401, applications wait in the outbox until the key is there.
        return None
    return key or None


def load_assistant_settings(environ: Mapping[str, str] | None = None) -> AssistantSettings:
    """Settings from `environ` (default: the process environment); SettingsError if bad.

    The API key is EMILE_API_KEY, else the content of EMILE_API_KEY_FILE (default
    `<EMILE_DATA_DIR>/assistant.key`), else None.
    """
    settings = AssistantSettings.from_environ(os.environ if environ is None else environ)
    if settings.api_key is None:
        key = _read_key(settings.api_key_file)
        if key is not None:
            return settings.copy(update={"api_key": key})
    return settings
