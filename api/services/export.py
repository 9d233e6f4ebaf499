"""CSV export of applications that opens as-is in a French spreadsheet."""

import csv
import io
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime
from zoneinfo import ZoneInfo

from api.models import Application

BOM = "\ufeff"
# A spreadsheet runs a cell starting with one of these as a formula (CSV injection).
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _date(value: datetime | None, tz: ZoneInfo) -> str:
    return "" if value is None else value.astimezone(tz).strftime("%d/%m/%Y %H:%M")


def _list(values: Iterable[str]) -> str:
    return ", ".join(values)


def _text(value: object) -> str:
    return "" if value is None else str(value)


Column = tuple[str, Callable[[Application, ZoneInfo], str]]

COLUMNS: list[Column] = [
    ("Référence", lambda a, tz: a.reference),
    ("Statut", lambda a, tz: a.status.value),
    ("Date de candidature", lambda a, tz: _date(a.created_at, tz)),
    ("Prénom", lambda a, tz: a.first_name),
    ("Nom", lambda a, tz: a.last_name),
    ("Téléphone", lambda a, tz: a.phone),
    ("Courriel", lambda a, tz: _text(a.email)),
    ("Langue", lambda a, tz: a.language.value),
    ("Canal", lambda a, tz: a.channel.value),
    ("Date du consentement", lambda a, tz: _date(a.consent_at, tz)),
    ("Lieu de résidence", lambda a, tz: a.residence_area.value),
    ("Situation de logement", lambda a, tz: a.housing_situation.value),
    ("Droit au travail", lambda a, tz: a.right_to_work.value),
    ("Situation professionnelle", lambda a, tz: a.work_situation.value),
    ("Prêt à déménager", lambda a, tz: a.ready_to_move.value),
    ("Adultes", lambda a, tz: _text(a.adults)),
    ("Enfants", lambda a, tz: _text(a.children)),
    ("Métiers", lambda a, tz: _list(a.trades)),
    ("Années d'expérience", lambda a, tz: _text(a.experience_years)),
    ("Permis de conduire", lambda a, tz: a.driving_licence.value),
    ("Niveau de français", lambda a, tz: a.french_level.value),
    ("Territoires souhaités", lambda a, tz: _list(a.territory_preferences)),
    ("Pré-qualification", lambda a, tz: a.verdict.value),
    ("Motifs", lambda a, tz: _list(a.verdict_reasons)),
    ("Version des règles", lambda a, tz: a.rules_version),
    ("Dernier contact", lambda a, tz: _date(a.last_contact_at, tz)),
    ("Mise à jour", lambda a, tz: _date(a.updated_at, tz)),
]


def neutralise(cell: str) -> str:
    """Prefix a cell a spreadsheet would read as a formula with a quote."""
    return "'" + cell if cell.startswith(_FORMULA_STARTS) else cell


def csv_chunks(
    applications: Iterable[Application], tz: ZoneInfo, batch: int = 200
) -> Iterator[bytes]:
    """The export as UTF-8 bytes: BOM, `;`-separated, CRLF, one chunk per `batch` rows."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    buffer.write(BOM)
    writer.writerow([title for title, _ in COLUMNS])
    for count, application in enumerate(applications, start=1):
        writer.writerow([neutralise(cell(application, tz)) for _, cell in COLUMNS])
        if count % batch == 0:
            yield buffer.getvalue().encode()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode()
