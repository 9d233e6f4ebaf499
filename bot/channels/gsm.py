"""SMS encodings and segments: the GSM 7-bit default alphabet of 3GPP TS 23.038, and UCS-2.

A message whose every character is in the GSM 7-bit default alphabet (basic table, or the
extension table through an escape, which costs two septets) is sent as GSM-7: 160 septets
in one segment, 153 per segment once concatenated. Any other character switches the whole
message to UCS-2: 70 UTF-16 code units in one segment, 67 per segment once concatenated.
Segments are billed one by one.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Literal

from bot.bidi import has_rtl, strip_controls

Encoding = Literal["GSM-7", "UCS-2"]
GSM7: Encoding = "GSM-7"
UCS2: Encoding = "UCS-2"

# 3GPP TS 23.038 §6.2.1, the default alphabet, in code order 0x00-0x7F (0x1B is the escape
# to the extension table, shown here as a placeholder that no text can contain).
_BASIC_TABLE = (
    "@£$¥èéùìòÇ\nØø\rÅå"
    "Δ_ΦΓΛΩΠΨΣΘΞ\x1bÆæßÉ"
    " !\"#¤%&'()*+,-./"
    "0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNO"
    "PQRSTUVWXYZÄÖÑÜ§"
    "¿abcdefghijklmno"
    "pqrstuvwxyzäöñüà"
)
if len(_BASIC_TABLE) != 128:  # a broken table must not load
    raise RuntimeError("the GSM 7-bit basic table must have 128 entries")
GSM7_BASIC = frozenset(_BASIC_TABLE) - {"\x1b"}
# §6.2.1.1, the extension table: form feed ^ { } \ [ ~ ] | €, each sent as ESC + one septet.
GSM7_EXTENSION = frozenset("\f^{}\\[~]|€")

# Single-segment and concatenated capacities, in septets (GSM-7) or code units (UCS-2).
SINGLE = {GSM7: 160, UCS2: 70}
CONCATENATED = {GSM7: 153, UCS2: 67}


def is_gsm7(char: str) -> bool:
    """Whether a character can be sent in GSM-7 (basic or extension table)."""
    return char in GSM7_BASIC or char in GSM7_EXTENSION


def encoding(text: str) -> Encoding:
    """GSM-7 when every character is in the GSM 7-bit alphabet, UCS-2 otherwise."""
    return GSM7 if all(is_gsm7(char) for char in text) else UCS2


def ucs2_characters(text: str) -> list[str]:
    """The characters that force UCS-2, each once, in order of appearance."""
    seen: dict[str, None] = {}
    for char in text:
        if not is_gsm7(char):
            seen.setdefault(char, None)
    return list(seen)


def _cost(char: str, enc: Encoding) -> int:
    if enc == GSM7:
        return 2 if char in GSM7_EXTENSION else 1
    return 2 if ord(char) > 0xFFFF else 1  # outside the BMP: a UTF-16 surrogate pair


def units(text: str) -> int:
    """Septets (GSM-7) or UTF-16 code units (UCS-2) the text takes in its encoding."""
    enc = encoding(text)
    return sum(_cost(char, enc) for char in text)


def segments(text: str) -> int:
    """How many segments the text is billed as (0 for an empty text).

    In a concatenated message an escape sequence or a surrogate pair is never split across
    two segments, as handsets and Twilio's own segment calculator do it: a segment that
    cannot take the whole character ends one or two units short.
    """
    if not text:
        return 0
    enc = encoding(text)
    costs = [_cost(char, enc) for char in text]
    if sum(costs) <= SINGLE[enc]:
        return 1
    capacity = CONCATENATED[enc]
    count, used = 1, 0
    for cost in costs:
        if used + cost > capacity:
            count += 1
            used = 0
        used += cost
    return count


@dataclass(frozen=True)
class SmsStats:
    """What one SMS costs."""

    encoding: Encoding
    segments: int
    chars: int
    units: int

    @classmethod
    def of(cls, text: str) -> SmsStats:
        """Statistics of one SMS body."""
        return cls(
            encoding=encoding(text), segments=segments(text), chars=len(text), units=units(text)
        )


# Replacements that keep the meaning and avoid UCS-2 (or at least save code units).
_REPLACEMENTS = {
    "\u2018": "'",  # ‘
    "\u2019": "'",  # ’ (the French apostrophe)
    "\u201a": "'",  # ‚
    "\u201b": "'",  # ‛
    "\u02bc": "'",  # ʼ modifier letter apostrophe
    "\u2032": "'",  # ′ prime
    "\u201c": '"',  # “
    "\u201d": '"',  # ”
    "\u201e": '"',  # „
    "\u201f": '"',  # ‟
    "\u2033": '"',  # ″
    "\u2026": "...",  # …
    "\u2010": "-",  # ‐ hyphen
    "\u2011": "-",  # ‑ non-breaking hyphen
    "\u2012": "-",  # ‒ figure dash
    "\u2013": "-",  # – en dash
    "\u2014": "-",  # — em dash
    "\u2015": "-",  # ― horizontal bar
    "\u2212": "-",  # − minus sign
    "\u2022": "-",  # • bullet
    "\u00a0": " ",  # no-break space (Babel, French typography)
    "\u202f": " ",  # narrow no-break space (Babel's French numbers and dates)
    "\u2007": " ",  # figure space
    "\u2009": " ",  # thin space
    "\u200a": " ",  # hair space
    "\u2002": " ",  # en space
    "\u2003": " ",  # em space
    "\t": " ",
    "\u200b": "",  # zero-width space
    "\u00ad": "",  # soft hyphen
    "\ufeff": "",  # byte-order mark / zero-width no-break space
    "\u0153": "oe",  # œ (cœur → coeur)
    "\u0152": "OE",  # Œ
    # Accented capitals outside GSM-7: French often writes capitals without their accent
    # and no word changes meaning (Île-de-France, À bientôt, ÊTES-VOUS). É and Ç are
    # GSM-7 and stay; lower-case letters are never changed.
    "\u00c0": "A",  # À
    "\u00c2": "A",  # Â
    "\u00c8": "E",  # È
    "\u00ca": "E",  # Ê
    "\u00cb": "E",  # Ë
    "\u00ce": "I",  # Î
    "\u00cf": "I",  # Ï
    "\u00d4": "O",  # Ô
    "\u00d9": "U",  # Ù
    "\u00db": "U",  # Û
    "\u0178": "Y",  # Ÿ
}
_TRANSLATION = str.maketrans(_REPLACEMENTS)
# French guillemets carry a (narrow) no-break space inside: « Oui » → "Oui".
_OPENING_GUILLEMET = re.compile(r"«[\s\u00a0\u202f]*")
_CLOSING_GUILLEMET = re.compile(r"[\s\u00a0\u202f]*»")


def to_sms_friendly(text: str) -> str:
    """The text with typographic characters replaced by GSM-7 ones where meaning is kept.

    Lower-case letters are never changed: é è à ù are GSM-7 and stay; ê ç â î ô û are not,
    and stay too (dropping an accent can change a word: pêche/peche, côte/cote). Accented
    capitals that GSM-7 lacks (À Ê Î Ô…) lose their accent, as French capitals often do.
    Composed forms first (NFC), so that an `é` typed as `e` + accent is the GSM-7 `é`.
    """
    text = unicodedata.normalize("NFC", text)
    if not has_rtl(text):
        # Isolates only matter beside right-to-left letters; elsewhere they cost UCS-2.
        text = strip_controls(text)
    text = _OPENING_GUILLEMET.sub('"', text)
    text = _CLOSING_GUILLEMET.sub('"', text)
    return text.translate(_TRANSLATION)


def max_units(count: int, enc: Encoding) -> int:
    """The units `count` segments hold: 160/306/459… (GSM-7), 70/134/201… (UCS-2)."""
    if count < 1:
        return 0
    return SINGLE[enc] if count == 1 else count * CONCATENATED[enc]


__all__ = [
    "CONCATENATED",
    "GSM7",
    "GSM7_BASIC",
    "GSM7_EXTENSION",
    "SINGLE",
    "UCS2",
    "Encoding",
    "SmsStats",
    "encoding",
    "is_gsm7",
    "max_units",
    "segments",
    "to_sms_friendly",
    "ucs2_characters",
    "units",
]
