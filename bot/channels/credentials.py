"""Reading a channel's section of credentials.yml: its keys come before the environment,
which `common.settings.AssistantSettings` reads (one model, one data directory)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from common.settings import AssistantSettings


def environment(environ: Mapping[str, str] | None = None) -> AssistantSettings:
    """The assistant's settings from `environ` (default: the process environment)."""
    return AssistantSettings.from_environ(os.environ if environ is None else environ)


def first(*values: Any) -> Any:
    """The first value that is set (not None, not an empty or blank string)."""
    for value in values:
        if value is None or (isinstance(value, str) and not value.strip()):
            continue
        return value
    return None


def text(*values: Any, default: str = "") -> str:
    """`first(...)` as a stripped string, `default` when none is set."""
    value = first(*values)
    return default if value is None else str(value).strip()


def as_bool(value: Any) -> bool:
    """`true`/`yes`/`on`/`1` (any case) and True are true; anything else is false."""
    if isinstance(value, bool):
        return value
    return str(value).strip().lower() in ("1", "true", "yes", "on")


def as_list(value: Any) -> tuple[str, ...]:
    """A YAML list or a comma-separated string, as a tuple of strings."""
    if isinstance(value, str):
        return tuple(part.strip() for part in value.split(",") if part.strip())
    return tuple(str(part) for part in value)
