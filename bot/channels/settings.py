"""What every channel's settings share: credentials.yml first, then the environment, then one
default, and one data directory for all (`EMILE_DATA_DIR`, else `var`, as `make run` uses)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any, Final

DATA_DIR_VARIABLE: Final = "EMILE_DATA_DIR"
DEFAULT_DATA_DIR: Final = Path("var")


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


def data_dir(given: Any, environ: Mapping[str, str], *more_variables: str) -> Path:
    """The data directory: the credentials' `data_dir`, then `more_variables` (a channel's
    own, older name), then EMILE_DATA_DIR, then `var`."""
    value = first(given, *(environ.get(name) for name in more_variables))
    value = first(value, environ.get(DATA_DIR_VARIABLE))
    return Path(str(value).strip()) if value is not None else DEFAULT_DATA_DIR
