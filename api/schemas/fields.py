"""Field types shared by request bodies: clean text, phone numbers and e-mail addresses."""

import re
import unicodedata
from typing import Annotated

from pydantic import AfterValidator, BeforeValidator, Field, StringConstraints
from pydantic_core import PydanticCustomError

_E164 = re.compile(r"\+[1-9][0-9]{7,14}")
_FRENCH_NATIONAL = re.compile(r"0[1-9][0-9]{8}")
_FRENCH_E164 = re.compile(r"\+33[1-9][0-9]{8}")
# What people type between the digits of a phone number.
_PHONE_SEPARATORS = re.compile(r"[\s.\-/()]")
PHONE_HELP = "give a phone number such as +33612345678 or 06 12 34 56 78"

# Embeddings, overrides and isolates (LRE…RLO, LRI…PDI); the plain marks LRM/RLM stay allowed.
_BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")

_EMAIL_LOCAL = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*")
_EMAIL_LABEL = re.compile(r"[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?")
_EMAIL_TLD = re.compile(r"[A-Za-z]{2,63}|xn--[A-Za-z0-9-]{1,59}")
EMAIL_HELP = "give an e-mail address such as name@example.org"


def _refuse_control_characters(value: str, allowed: str = "") -> str:
    # NUL and lone surrogates would also make PostgreSQL or the UTF-8 encoder fail later.
    for ch in value:
        if ch not in allowed and unicodedata.category(ch) in ("Cc", "Cs"):
            raise PydanticCustomError("control_characters", "must not contain control characters")
    # One spelling per text ("é" precomposed), so that searches and comparisons agree.
    return unicodedata.normalize("NFC", value)


def single_line(value: str) -> str:
    """Refuse control characters, line breaks included."""
    return _refuse_control_characters(value)


def multi_line(value: str) -> str:
    """Refuse control characters but keep line breaks and tabs."""
    return _refuse_control_characters(value, allowed="\n\r\t")


def normalise_phone(raw: str) -> str:
    """The E.164 form of a phone number; French national numbers (06 12 34 56 78) get +33."""
    digits = []
    for ch in _PHONE_SEPARATORS.sub("", raw.replace("(0)", "")):
        decimal = unicodedata.decimal(ch, None)
        # Arabic-Indic and Persian digits count: people type numbers on their own keyboards.
        digits.append(str(decimal) if decimal is not None else ch)
    number = "".join(digits)
    if number.startswith("00"):
        number = "+" + number[2:]
    elif _FRENCH_NATIONAL.fullmatch(number):
        number = "+33" + number[1:]
    if number.startswith("+330"):
        # "+33 06 12 34 56 78": the trunk 0 is written by habit but not dialled after +33.
        number = "+33" + number[4:]
    if not _E164.fullmatch(number):
        raise PydanticCustomError("phone", f"not a phone number: {PHONE_HELP}")
    if number.startswith("+33") and not _FRENCH_E164.fullmatch(number):
        raise PydanticCustomError("phone", f"a French number has 9 digits after +33: {PHONE_HELP}")
    return number


def normalise_email(raw: str) -> str:
    """A plausible address (local@domain.tld, no spaces), its domain in lower case."""
    local, at, domain = raw.rpartition("@")
    labels = domain.split(".")
    plausible = (
        bool(at)
        and len(local) <= 64
        and _EMAIL_LOCAL.fullmatch(local) is not None
        and len(labels) >= 2
        and all(_EMAIL_LABEL.fullmatch(label) for label in labels[:-1])
        and _EMAIL_TLD.fullmatch(labels[-1]) is not None
    )
    if not plausible:
        raise PydanticCustomError("email", f"not an e-mail address: {EMAIL_HELP}")
    return f"{local}@{domain.lower()}"


def _blank_to_none(value: object) -> object:
    if isinstance(value, str) and not value.strip():
        return None
    return value


Line = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1), AfterValidator(single_line)
]
"""One line of text, trimmed, not empty; give its maximum length with `Field(max_length=…)`."""

Paragraph = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1), AfterValidator(multi_line)
]
"""Free text that may span lines, trimmed, not empty."""

Count = Annotated[int, Field(strict=True)]
"""A whole number given as a number: `true` or `"2"` is refused, not read as 1 or 2."""


def visible_text(value: str) -> str:
    """Refuse text with no letter, digit or sign one can see (only format or space marks)."""
    if not any(unicodedata.category(ch)[0] in "LNPS" for ch in value):
        raise PydanticCustomError("invisible", "must contain visible characters")
    # Direction overrides and isolates can make a name display as something else entirely.
    if any(ch in _BIDI_CONTROLS for ch in value):
        raise PydanticCustomError("bidi_controls", "must not contain text-direction controls")
    return value


PersonName = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=100),
    AfterValidator(single_line),
    AfterValidator(visible_text),
]
"""A first or last name: visible text on one line."""

Note = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=2000),
    AfterValidator(multi_line),
]
"""An operator's note."""

SearchText = Annotated[
    str, StringConstraints(strip_whitespace=True, max_length=100), AfterValidator(single_line)
]
"""What an operator types in a search box (may be empty)."""

PhoneNumber = Annotated[str, StringConstraints(max_length=40), AfterValidator(normalise_phone)]
"""A phone number, stored in E.164 form (+33612345678)."""

EmailAddress = Annotated[
    str,
    StringConstraints(strip_whitespace=True, max_length=254),
    AfterValidator(normalise_email),
]
"""An e-mail address, checked for its shape (name@example.org); the domain is lower-cased."""

OptionalEmail = Annotated[EmailAddress | None, BeforeValidator(_blank_to_none)]
"""An e-mail address or null; an empty string counts as null."""
