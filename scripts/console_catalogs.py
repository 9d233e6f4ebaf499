"""The operator console's catalogues (gettext domain `console`): extract, update, check.

    .venv/api/bin/python scripts/console_catalogs.py extract   # locales/console.pot
    .venv/api/bin/python scripts/console_catalogs.py update    # locales/{fr,en}/…/console.po
    .venv/api/bin/python scripts/console_catalogs.py check     # fails on a stale template or
                                                               # a missing translation

The console is written in French: French is its source language (the French catalogue
holds each text as itself) and English its translation; both must be complete.
"""

import sys
import tempfile
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.frontend import CommandLineInterface
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
POT = ROOT / "locales" / "console.pot"
CONFIG = ROOT / "babel-console.cfg"
LANGUAGES = ("fr", "en")
SOURCE = "fr"


def _extract(output: Path) -> None:
    # In this process: the labels extractor is imported from the repository.
    sys.path.insert(0, str(ROOT))
    CommandLineInterface().run(
        [
            "pybabel",
            "-q",
            "extract",
            "-F",
            str(CONFIG),
            "--no-location",
            "--omit-header",
            "--sort-output",
            "-k",
            "_",
            "-o",
            str(output),
            str(ROOT / "api" / "console"),
        ]
    )


def _ids(path: Path) -> set[object]:
    with path.open("rb") as stream:
        return {message.id for message in read_po(stream) if message.id}


def extract() -> None:
    """Write locales/console.pot from the templates and labels.yml."""
    _extract(POT)


def update() -> None:
    """Bring every console.po in line with the template (French: each text as itself)."""
    for language in LANGUAGES:
        # Read for each language: Catalog.update shares the template's message objects.
        with POT.open("rb") as stream:
            template = read_po(stream)
        po_file = ROOT / "locales" / language / "LC_MESSAGES" / "console.po"
        if po_file.exists():
            with po_file.open("rb") as stream:
                catalog = read_po(stream, locale=language, domain="console")
        else:
            catalog = Catalog(locale=language, domain="console")
        catalog.update(template, no_fuzzy_matching=True)
        catalog.project, catalog.fuzzy = "EMILE operator console", False
        if language == SOURCE:
            for message in catalog:
                if message.id:
                    plural = isinstance(message.id, (list, tuple))
                    message.string = tuple(message.id) if plural else message.id
        po_file.parent.mkdir(parents=True, exist_ok=True)
        with po_file.open("wb") as stream:
            write_po(stream, catalog, omit_header=False, no_location=True, sort_output=True)


def check() -> int:
    """0 when the template is up to date and French and English translate every text."""
    problems: list[str] = []
    with tempfile.TemporaryDirectory() as tmp:
        fresh = Path(tmp) / "console.pot"
        _extract(fresh)
        if _ids(fresh) != _ids(POT):
            problems.append("locales/console.pot is stale: run `make catalogs`")
    with POT.open("rb") as stream:
        wanted = {m.id for m in read_po(stream) if m.id}
    for language in LANGUAGES:
        po_file = ROOT / "locales" / language / "LC_MESSAGES" / "console.po"
        if not po_file.exists():
            problems.append(f"{po_file.relative_to(ROOT)} is missing")
            continue
        with po_file.open("rb") as stream:
            catalog = read_po(stream, locale=language)
        done = {m.id for m in catalog if m.id and m.string and not m.fuzzy}
        missing = wanted - done
        if missing:
            problems.append(f"{language}: {len(missing)} console texts untranslated")
            problems.extend(f"  {language}: {msg!r}" for msg in sorted(map(str, missing))[:10])
    for problem in problems:
        print(problem, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    command = sys.argv[1] if len(sys.argv) > 1 else "check"
    if command == "extract":
        extract()
    elif command == "update":
        update()
    elif command == "check":
        sys.exit(check())
    else:
        sys.exit(f"unknown command {command!r}: extract, update or check")
