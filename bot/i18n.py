"""Languages, Babel locales and the compiled gettext catalogues of the assistant."""

from __future__ import annotations

import gettext
import io
import logging
import os
import string
import tempfile
import threading
from functools import cache
from pathlib import Path

from babel import Locale
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from common import languages as common_languages
from common.languages import LOCALES_DIR, Language, Languages

logger = logging.getLogger(__name__)

DOMAIN = "messages"
LANGUAGE_SLOT = "language"
# Response keys whose items have a translated `title` and an untouched `payload`.
CHOICE_KEYS = ("buttons", "quick_replies")
BUTTON_CONTEXT_SUFFIX = "|button"


def babel_locale(language: Language) -> Locale:
    """The Babel locale of a language, for dates, numbers and lists."""
    return _parse_locale(language.locale)


@cache
def _parse_locale(identifier: str) -> Locale:
    return Locale.parse(identifier)


def load_languages(locales_dir: Path = LOCALES_DIR) -> Languages:
    """locales/languages.yml (common/languages.py), every locale checked with Babel."""
    table = common_languages.load_languages(locales_dir)
    for language in table:
        babel_locale(language)  # fails early on a locale Babel does not know
    return table


def po_path(locales_dir: Path, code: str) -> Path:
    """Where the translations of one language live."""
    return Path(locales_dir) / code / "LC_MESSAGES" / f"{DOMAIN}.po"


def button_context(response: str) -> str:
    """The message context of a button title of a response."""
    return f"{response}{BUTTON_CONTEXT_SUFFIX}"


def placeholders(text: str) -> list[str]:
    """The `{name}` placeholders of a text, in order, without repeats (ValueError on bad braces)."""
    names: list[str] = []
    for _literal, field, _spec, _conversion in string.Formatter().parse(text):
        if field is not None and field not in names:
            names.append(field)
    return names


def compile_po(po_file: Path) -> bytes:
    """The .mo bytes for a .po file, rebuilt (and saved beside it when possible) if stale."""
    mo_file = po_file.with_suffix(".mo")
    try:
        if mo_file.stat().st_mtime >= po_file.stat().st_mtime:
            return mo_file.read_bytes()
    except FileNotFoundError:
        pass
    with po_file.open("rb") as stream:
        catalog = read_po(stream, domain=DOMAIN)
    buffer = io.BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    data = buffer.getvalue()
    try:
        # Written to a temporary file then renamed: another process may be reading it.
        fd, tmp_name = tempfile.mkstemp(dir=mo_file.parent, prefix=".", suffix=".mo")
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        os.replace(tmp_name, mo_file)
    except OSError as error:
        # A read-only deployment still works: the catalogue is compiled in memory.
        logger.info(
            "Could not save %s (%s); using the catalogue compiled in memory", mo_file, error
        )
    return data


class _Catalogue(gettext.GNUTranslations):
    """One compiled catalogue, without fallback, that tells a missing message apart."""

    # Context and id are joined by EOT in .mo files (the GNU gettext convention).
    CONTEXT_GLUE = "\x04"

    def find(self, context: str, message: str) -> str | None:
        """The translation, or None when the catalogue lacks it."""
        # gettext keeps messages in `_catalog` and has no public "is it there?" call.
        catalog: dict[str, str] = self._catalog  # type: ignore[attr-defined]
        found = catalog.get(f"{context}{self.CONTEXT_GLUE}{message}")
        return found if isinstance(found, str) and found else None


class Catalogues:
    """Compiled catalogues of one locales directory, each loaded on first use and kept."""

    def __init__(self, locales_dir: Path = LOCALES_DIR) -> None:
        self.locales_dir = Path(locales_dir)
        self._loaded: dict[str, _Catalogue | None] = {}
        self._lock = threading.Lock()

    @property
    def languages(self) -> Languages:
        """The language table of this locales directory."""
        return load_languages(self.locales_dir)

    def lookup(self, language: Language, context: str, message: str) -> tuple[str, Language]:
        """The text to show and its language: asked language, default language, source text."""
        table = self.languages
        chain = [language.code]
        if language.code not in (table.source, table.default):
            chain.append(table.default)
        for code in chain:
            catalogue = self._catalogue(code)
            found = catalogue.find(context, message) if catalogue is not None else None
            if found is not None:
                return found, table.by_code[code]
        return message, table.by_code[table.source]

    def _catalogue(self, code: str) -> _Catalogue | None:
        if code in self._loaded:
            return self._loaded[code]
        with self._lock:
            if code not in self._loaded:
                self._loaded[code] = self._load(code)
            return self._loaded[code]

    def _load(self, code: str) -> _Catalogue | None:
        po_file = po_path(self.locales_dir, code)
        if not po_file.exists():
            logger.warning("No catalogue for language %r at %s", code, po_file)
            return None
        return _Catalogue(io.BytesIO(compile_po(po_file)))
