"""Values inserted into a text of the other direction keep their order (Unicode isolates).

In a right-to-left text (Arabic, Dari, Pashto), a phone number "+33 6 12 34 56 78", a date
"01/12/2026", a reference code starting with digits or a Latin name with punctuation is
reordered by the bidirectional algorithm: its groups come out backwards. Wrapped in FIRST
STRONG ISOLATE … POP DIRECTIONAL ISOLATE (U+2068 … U+2069), a value is laid out on its
own, in its own direction, and does not reorder its neighbours either. Likewise an Arabic
name inside a left-to-right text.

By SMS each isolate costs a character, and in a left-to-right text it would switch a GSM-7
message to UCS-2 (less than half the characters per segment): there, left-to-right texts
get none, and right-to-left texts (already UCS-2) only around values the algorithm would
actually reorder.
"""

from __future__ import annotations

import unicodedata
from typing import Final

FSI: Final = "\u2068"
PDI: Final = "\u2069"
BIDI_CONTROLS: Final = frozenset(
    "\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
)
_RTL: Final = frozenset({"R", "AL"})
# Classes that lay out right to left with their neighbours in a right-to-left text.
_RTL_SAFE: Final = frozenset({"R", "AL", "NSM"})
# A one-word value starting with a Latin letter stays in order: digits after it count as
# left-to-right (rule W7), and so do separators between them.
_WORD_SAFE: Final = frozenset({"L", "EN", "ES", "CS", "ET", "NSM"})


def has_rtl(text: str) -> bool:
    """Whether the text has a right-to-left letter."""
    return any(unicodedata.bidirectional(ch) in _RTL for ch in text)


def _classes(value: str) -> list[str]:
    return [unicodedata.bidirectional(ch) for ch in value]


def reorders_in_rtl(value: str) -> bool:
    """Whether the value would not read in its own order inside a right-to-left text."""
    classes = _classes(value)
    words = value.split()
    if all(c in _RTL_SAFE or c == "WS" for c in classes):
        return False  # right-to-left words (and spaces between them)
    if all(c == "EN" for c in classes):
        return False  # one number: digits keep their order
    if len(words) == 1 and classes[0] == "L" and all(c in _WORD_SAFE for c in classes):
        return classes[-1] not in ("L", "EN")  # "AB-12" stays; "AB-" would not
    # Latin words and spaces stay one left-to-right run; anything else may move.
    return not all(c in ("L", "WS") for c in classes)


def isolate(value: str, direction: str, *, sms: bool = False) -> str:
    """The value as inserted into a text of `direction` ("ltr" or "rtl")."""
    if not value:
        return value
    if direction == "rtl":
        if sms:
            needed = reorders_in_rtl(value)
        else:
            needed = not all(c in _RTL_SAFE or c == "WS" for c in _classes(value))
    else:
        needed = not sms and has_rtl(value)
    return f"{FSI}{value}{PDI}" if needed else value


def strip_controls(text: str) -> str:
    """The text without bidirectional controls (for a text with no right-to-left letter)."""
    return "".join(ch for ch in text if ch not in BIDI_CONTROLS)
