"""Values shown in responses, formatted for a Babel locale by the placeholder's name."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timezone
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date, format_time, get_datetime_format
from babel.lists import format_list
from babel.numbers import format_decimal

PARIS = ZoneInfo("Europe/Paris")
DATETIME_SUFFIX = "_at"
DATE_SUFFIX = "_date"
NUMBER_SUFFIXES = ("_count", "_number")
# Digits of the CLDR numbering systems of the assistant's locales other than 0-9. Codes and
# phone numbers are not numbers here (their placeholders say so): they stay 0-9.
_DIGIT_TABLES = {
    system: str.maketrans("0123456789", digits)
    for system, digits in {"arab": "٠١٢٣٤٥٦٧٨٩", "arabext": "۰۱۲۳۴۵۶۷۸۹"}.items()
}

# (placeholder name, value) → the text of that code in the conversation's language, or None.
Labeller = Callable[[str, str], str | None]
# A formatted value → the value as inserted into the text (bot/bidi.py isolates).
Wrapper = Callable[[str], str]


def format_value(
    name: str,
    value: Any,
    locale: Locale,
    label: Labeller | None = None,
    wrap: Wrapper | None = None,
) -> str:
    """Text for one placeholder value; ValueError when it cannot be read as its name says.

    `wrap` applies to each value, and to each item of a list (not to the list: its commas
    and "and" follow the text's direction).
    """
    keep: Wrapper = wrap or (lambda text: text)
    if isinstance(value, (list, tuple, set, frozenset)):
        items = sorted(value, key=str) if isinstance(value, (set, frozenset)) else list(value)
        parts = [_format_scalar(name, item, locale, label) for item in items]
        return format_list([keep(part) for part in parts if part], locale=locale)
    return keep(_format_scalar(name, value, locale, label))


def local_digits(text: str, locale: Locale) -> str:
    """Digits as the locale writes them by default (CLDR): ۱۲ for fa_AF and ps, 12 for ar."""
    table = _DIGIT_TABLES.get(str(locale.default_numbering_system))
    return text.translate(table) if table is not None else text


def _number(value: Any, locale: Locale) -> str:
    # Babel gives the numbering system's separators (٬ ٫) but always writes 0-9.
    text = format_decimal(_as_number(value), locale=locale, numbering_system="default")
    return local_digits(text, locale)


def _format_scalar(name: str, value: Any, locale: Locale, label: Labeller | None) -> str:
    if value is None:
        return ""
    if name.endswith(DATETIME_SUFFIX):
        return local_digits(format_datetime_paris(value, locale), locale)
    if name.endswith(DATE_SUFFIX):
        return local_digits(format_date(_as_date(value), format="medium", locale=locale), locale)
    if name.endswith(NUMBER_SUFFIXES):
        return _number(value, locale)
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, (int, float, Decimal)):
        return _number(value, locale)
    if isinstance(value, str) and label is not None:
        labelled = label(name, value)
        if labelled is not None:
            return labelled
    return str(value)


def format_datetime_paris(value: Any, locale: Locale) -> str:
    """Medium date and short time in Paris, joined the locale's way."""
    moment = _as_datetime(value).astimezone(PARIS)
    pattern = get_datetime_format("medium", locale=locale)
    # As babel.dates.format_datetime does, but with the short (minutes) time.
    return (
        str(pattern)
        .replace("'", "")
        .replace("{0}", format_time(moment, format="short", tzinfo=None, locale=locale))
        .replace("{1}", format_date(moment, format="medium", locale=locale))
    )


def _as_datetime(value: Any) -> datetime:
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, str):
        text = value.strip()
        # Python 3.10's fromisoformat does not read the "Z" suffix.
        if text.endswith(("Z", "z")):
            text = text[:-1] + "+00:00"
        moment = datetime.fromisoformat(text)
    else:
        raise ValueError(f"not a datetime: {value!r}")
    # The operator API only stores aware UTC times: a naive one is UTC.
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=timezone.utc)


def _as_date(value: Any) -> date:
    if isinstance(value, datetime):
        return value.astimezone(PARIS).date() if value.tzinfo is not None else value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        text = value.strip()
        return date.fromisoformat(text) if len(text) == 10 else _as_date(_as_datetime(text))
    raise ValueError(f"not a date: {value!r}")


def _as_number(value: Any) -> Decimal:
    if isinstance(value, bool):
        raise ValueError(f"not a number: {value!r}")
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation as error:
        raise ValueError(f"not a number: {value!r}") from error
    if not number.is_finite():
        raise ValueError(f"not a number: {value!r}")
    # Slots hold numbers as floats: 2.0 adults are shown as "2".
    return number.to_integral_value() if number == number.to_integral_value() else number
