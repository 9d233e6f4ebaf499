"""The languages the assistant speaks, as locales/languages.yml declares them.

Read by both processes: the Rasa server (catalogues, detection, formatting; bot/i18n.py adds
the Babel locale) and the action server (the language menu, which languages are complete).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Final

import yaml

from common.paths import PROJECT_ROOT

LOCALES_DIR: Final = PROJECT_ROOT / "locales"
LANGUAGES_FILE: Final = "languages.yml"
DIRECTIONS: Final = ("ltr", "rtl")


@dataclass(frozen=True)
class Language:
    """One language the assistant speaks, as declared in locales/languages.yml."""

    code: str
    name: str
    # The Babel locale for dates, numbers and lists (bot.i18n.babel_locale).
    locale: str
    direction: str
    complete: bool


@dataclass(frozen=True)
class Languages:
    """The table of languages, with the source language and the default one."""

    source: str
    default: str
    by_code: dict[str, Language]

    def __iter__(self) -> Iterator[Language]:
        return iter(self.by_code.values())

    def resolve(self, code: object) -> Language:
        """The language for a slot value: `en`, `EN`, `en-GB`, `prs`…; the default otherwise."""
        if isinstance(code, str) and code.strip():
            wanted = code.strip().replace("_", "-").lower()
            for candidate in (wanted, wanted.split("-", 1)[0]):
                if candidate in self.by_code:
                    return self.by_code[candidate]
        return self.by_code[self.default]

    @property
    def complete(self) -> list[Language]:
        """Languages declared complete (checked by `scripts/catalogs.py check`)."""
        return [language for language in self if language.complete]


def load_languages(locales_dir: Path = LOCALES_DIR) -> Languages:
    """Read and validate locales/languages.yml (cached per directory)."""
    return _load_languages(_resolved(Path(locales_dir)))


@lru_cache(maxsize=32)
def _resolved(path: Path) -> Path:
    # Resolving walks the file system; the assistant asks for the table on every message.
    return path.resolve()


@lru_cache(maxsize=8)
def _load_languages(locales_dir: Path) -> Languages:
    with (locales_dir / LANGUAGES_FILE).open(encoding="utf-8") as stream:
        data = yaml.safe_load(stream)
    by_code: dict[str, Language] = {}
    for entry in data["languages"]:
        language = Language(
            code=str(entry["code"]),
            name=str(entry["name"]),
            locale=str(entry["locale"]),
            direction=str(entry.get("direction", "ltr")),
            complete=bool(entry.get("complete", False)),
        )
        if language.code in by_code:
            raise ValueError(f"{LANGUAGES_FILE}: language {language.code!r} declared twice")
        if language.direction not in DIRECTIONS:
            raise ValueError(f"{LANGUAGES_FILE}: {language.code}: direction must be ltr or rtl")
        by_code[language.code] = language
    table = Languages(source=str(data["source"]), default=str(data["default"]), by_code=by_code)
    for role in (table.source, table.default):
        if role not in by_code:
            raise ValueError(f"{LANGUAGES_FILE}: {role!r} is not a declared language")
    return table
