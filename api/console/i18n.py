"""The console's languages: French (its source language) and English, through gettext.

The console has its own gettext domain, `console` (locales/<lang>/LC_MESSAGES/console.po,
template locales/console.pot), apart from the assistant's `messages`. Its texts are written
in French in the templates and labels.yml (the teams who use it work in French) and
translated into English; `scripts/console_catalogs.py` extracts, updates and checks them.
Catalogues are read on first use, never at import.
"""

import gettext
import io
from functools import lru_cache

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from fastapi import Request

from api.settings import PROJECT_ROOT

DOMAIN = "console"
LOCALES_DIR = PROJECT_ROOT / "locales"
SOURCE_LANGUAGE = "fr"
LANGUAGES = ("fr", "en")


@lru_cache(maxsize=len(LANGUAGES))
def translations(language: str) -> gettext.NullTranslations:
    """The console's catalogue for `language` (the French source texts when there is none)."""
    po_file = LOCALES_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"
    if language not in LANGUAGES or not po_file.exists():
        return gettext.NullTranslations()
    with po_file.open("rb") as stream:
        catalog = read_po(stream, locale=language, domain=DOMAIN)
    buffer = io.BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    buffer.seek(0)
    return gettext.GNUTranslations(buffer)


def _accepted(request: Request) -> str | None:
    """The first console language in the browser's Accept-Language, if any."""
    for part in request.headers.get("accept-language", "").split(","):
        code = part.split(";")[0].strip().lower()[:2]
        if code in LANGUAGES:
            return code
    return None


def page_language(request: Request) -> str:
    """The signed-in person's choice; before sign-in, `?lang=`, then the browser's, then French."""
    chosen = getattr(request.state, "console_language", None)
    if chosen in LANGUAGES:
        return str(chosen)
    asked = request.query_params.get("lang", "")
    if asked in LANGUAGES:
        return asked
    return _accepted(request) or SOURCE_LANGUAGE
