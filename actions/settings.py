"""Settings of the action server, read from the environment when asked (never at import)."""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

logger = logging.getLogger(__name__)

PROJECT_ROOT = Path(__file__).resolve().parent.parent
# Same default data directory as the API and scripts/run.sh (EMILE_DATA_DIR).
DEFAULT_DATA_DIR = PROJECT_ROOT / "var"


class SettingsError(ValueError):
    """A setting in the environment cannot be used."""


@dataclass(frozen=True)
class Settings:
    """Where the operator API is, how to authenticate, and how the outbox behaves."""

    api_url: str = "http://127.0.0.1:8000"
    # Kept out of repr: the key must never reach a log line.
    api_key: str | None = field(default=None, repr=False)
    api_timeout_s: float = 5.0
    outbox_path: Path = DEFAULT_DATA_DIR / "outbox.db"
    # Retry delays of the outbox: base * 2**(attempt-1), capped, with jitter.
    outbox_backoff_base_s: float = 2.0
    outbox_backoff_cap_s: float = 300.0
    # How often the worker looks for due deliveries when nobody wakes it.
    outbox_poll_interval_s: float = 30.0
    # Retention (docs/personal-data.md): a delivered row (its key and reference; the payload
    # goes at delivery) is deleted after this many days; a row that keeps failing (refused
    # by the API, or never delivered) is reported meanwhile and deleted after this many.
    outbox_delivered_days: float = 30.0
    outbox_failing_days: float = 30.0
    # How often the action server purges the outbox (the same setting as the Rasa server).
    purge_every_s: float = 24 * 3600.0


def _float(env: Mapping[str, str], name: str, default: float, unit: str = "seconds") -> float:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise SettingsError(f"{name} must be a number of {unit}, not {raw!r}") from None
    if not value > 0:
        raise SettingsError(f"{name} must be more than 0, not {raw!r}")
    return value


def _path(env: Mapping[str, str], name: str, default: Path) -> Path:
    raw = env.get(name, "").strip()
    return Path(raw).expanduser() if raw else default


def _read_key(path: Path) -> str | None:
    try:
        key = path.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return None
    except OSError as exc:
        logger.warning("cannot read the API key file %s: %s", path, exc)
        return None
    return key or None


def load_settings(environ: Mapping[str, str] | None = None) -> Settings:
    """Settings from `environ` (default: the process environment).

    EMILE_API_URL (server root; `/api/v1` is added), EMILE_API_KEY or EMILE_API_KEY_FILE
    (default `<EMILE_DATA_DIR>/assistant.key`), EMILE_API_TIMEOUT_S, EMILE_OUTBOX_PATH
    (default `<EMILE_DATA_DIR>/outbox.db`), EMILE_OUTBOX_BACKOFF_BASE_S,
    EMILE_OUTBOX_BACKOFF_CAP_S, EMILE_OUTBOX_POLL_S, EMILE_OUTBOX_DELIVERED_DAYS,
    EMILE_OUTBOX_FAILING_DAYS, EMILE_PURGE_EVERY_S; EMILE_DATA_DIR defaults to `var/`.
    """
    env = os.environ if environ is None else environ
    data_dir = _path(env, "EMILE_DATA_DIR", DEFAULT_DATA_DIR)
    api_url = env.get("EMILE_API_URL", "").strip() or Settings.api_url
    if not api_url.startswith(("http://", "https://")):
        raise SettingsError(f"EMILE_API_URL must start with http:// or https://, not {api_url!r}")
    key = env.get("EMILE_API_KEY", "").strip() or None
    if key is None:
        key_file = _path(env, "EMILE_API_KEY_FILE", data_dir / "assistant.key")
        key = _read_key(key_file)
        if key is None:
            # Not fatal: territories and workshops answer 401 and the flows say "unavailable",
            # applications wait in the outbox until the key is there.
            logger.warning("no API key: set EMILE_API_KEY or write it to %s", key_file)
    backoff_base = _float(env, "EMILE_OUTBOX_BACKOFF_BASE_S", Settings.outbox_backoff_base_s)
    backoff_cap = _float(env, "EMILE_OUTBOX_BACKOFF_CAP_S", Settings.outbox_backoff_cap_s)
    if backoff_cap < backoff_base:
        raise SettingsError("EMILE_OUTBOX_BACKOFF_CAP_S must be at least the base delay")
    return Settings(
        api_url=api_url.rstrip("/"),
        api_key=key,
        api_timeout_s=_float(env, "EMILE_API_TIMEOUT_S", Settings.api_timeout_s),
        outbox_path=_path(env, "EMILE_OUTBOX_PATH", data_dir / "outbox.db"),
        outbox_backoff_base_s=backoff_base,
        outbox_backoff_cap_s=backoff_cap,
        outbox_poll_interval_s=_float(env, "EMILE_OUTBOX_POLL_S", Settings.outbox_poll_interval_s),
        outbox_delivered_days=_float(
            env, "EMILE_OUTBOX_DELIVERED_DAYS", Settings.outbox_delivered_days, "days"
        ),
        outbox_failing_days=_float(
            env, "EMILE_OUTBOX_FAILING_DAYS", Settings.outbox_failing_days, "days"
        ),
        purge_every_s=_float(env, "EMILE_PURGE_EVERY_S", Settings.purge_every_s),
    )
